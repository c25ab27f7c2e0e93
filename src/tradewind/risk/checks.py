"""Pre-trade checks: grid and minimums, price bands, order notional, position, exposure, orders.

Each check is a small callable ``check(order) -> Verdict``: None lets the order on to the next
check, ``(code, detail)`` refuses it. ``RiskEngine`` builds the list of the checks its config
turns on and runs only those, so a limit that is off costs nothing. Size caps can shrink an
order instead of refusing it (``scale_down``): the order leaves with the largest quantity the
cap allows, on the lot grid and above the instrument's minimums, tagged ``scaled_down``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradewind.engine.cache import Cache
from tradewind.engine.clock import Clock
from tradewind.model import exact
from tradewind.model.enums import OrderSide
from tradewind.model.exact import Exact
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.risk.book import RiskBook, floor_lots
from tradewind.risk.config import RiskConfig
from tradewind.risk.limits import PositionCountCap
from tradewind.risk.reasons import DenyReason, Verdict
from tradewind.risk.throttle import OrderThrottle, default_burst

_ONE = Decimal(1)
_BPS = Decimal(10_000)
Check = Callable[[Order], Verdict]
"""A pre-trade check: None lets the order on, (code, detail) refuses it."""
SCALED_TAG = "scaled_down"
"""The tag an order shrunk by a size cap carries."""


def shown(value: Exact) -> Decimal:
    """An exact amount as a short Decimal for a message."""
    return exact.to_decimal(value, 8).normalize()


def shrink(
    book: RiskBook, order: Order, instrument: Instrument, quantity: Decimal, price: Decimal
) -> bool:
    """Cut the order to ``quantity`` if that is a real order (a lot or more, above the minimums);
    False (and the order untouched) when it is not, or when the order is a modify (the engine
    sends the terms it was asked for, so a modify is judged as asked)."""
    if (
        book.replacing is not None
        or quantity <= order.filled_quantity
        or quantity >= order.quantity
        or quantity < instrument.min_quantity
        or exact.mul(exact.mul(quantity, price), instrument.multiplier) < instrument.min_notional
    ):
        return False
    order.quantity = quantity
    if SCALED_TAG not in order.tags:
        order.tags = (*order.tags, SCALED_TAG)
    return True


class GridCheck:
    """Positive, on the tick and lot grid, at or above the minimum quantity and notional.

    With ``snap`` an off-grid price goes to the nearest tick and an off-grid quantity down to
    the lot; what still fails (zero lots, below a minimum) is refused. Close-all orders skip the
    minimums: flattening a remnant is worth trying.
    """

    __slots__ = ("_book", "_instruments", "_snap")

    def __init__(self, book: RiskBook, cache: Cache, *, snap: bool) -> None:
        self._book = book
        self._instruments = cache.instruments
        self._snap = snap

    def __call__(self, order: Order) -> Verdict:
        instrument = self._instruments[order.instrument_id]
        iid = order.instrument_id
        snap = self._snap and self._book.replacing is None
        if order.quantity <= 0:
            return DenyReason.INVALID_QUANTITY, f"quantity {order.quantity} for {iid} must be > 0"
        if order.price is not None:
            price, verdict = _on_tick(instrument, order.price, "price", snap)
            if verdict is not None:
                return verdict
            order.price = price
        if order.trigger_price is not None:
            price, verdict = _on_tick(instrument, order.trigger_price, "trigger price", snap)
            if verdict is not None:
                return verdict
            order.trigger_price = price
        quantity = order.quantity
        lot = instrument.lot_size
        if quantity % lot:
            if not snap:
                return DenyReason.QUANTITY_OFF_LOT, (
                    f"quantity {quantity} for {iid} is off the lot grid {lot}: use "
                    f"{max(instrument.round_quantity(quantity), lot)}"
                )
            quantity = order.quantity = instrument.round_quantity(quantity)
            if not quantity:
                return DenyReason.BELOW_MIN_QUANTITY, (
                    f"quantity for {iid} is less than one lot ({lot}): send at least one lot"
                )
        if "close_all" in order.tags:
            return None  # an exit is never too small to try: the venue says if it is
        if quantity < instrument.min_quantity:
            return DenyReason.BELOW_MIN_QUANTITY, (
                f"quantity {quantity} for {iid} is below the minimum {instrument.min_quantity}"
            )
        if instrument.min_notional:
            reference = self._book.order_price(order)
            if reference is not None:
                notional = exact.mul(exact.mul(quantity, reference), instrument.multiplier)
                if notional < instrument.min_notional:
                    return DenyReason.BELOW_MIN_NOTIONAL, (
                        f"notional {shown(notional)} for {iid} is below the minimum "
                        f"{instrument.min_notional} {instrument.quote}: increase the quantity"
                    )
        return None


class PriceBand:
    """Limit and trigger prices within a distance of the last mid: absolute, in bps, or both."""

    __slots__ = ("_book", "_bps", "_width")

    def __init__(self, book: RiskBook, width: Decimal | None, bps: Decimal | None) -> None:
        self._book = book
        self._width = width
        self._bps = bps

    def __call__(self, order: Order) -> Verdict:
        if order.price is None and order.trigger_price is None:
            return None  # a market order takes the touch: the notional caps bound it
        mid = self._book.mark(order.instrument_id)
        if mid is None:
            return DenyReason.NO_REFERENCE_PRICE, (
                f"no market price of {order.instrument_id} yet to check the price band against"
            )
        for price in (order.price, order.trigger_price):
            if price is None:
                continue
            distance = exact.CONTEXT.abs(exact.CONTEXT.subtract(price, mid))
            if self._width is not None and distance > self._width:
                return DenyReason.PRICE_BAND, (
                    f"price {price} is {shown(distance)} from the mid {mid} of "
                    f"{order.instrument_id}: price_band is {self._width}"
                )
            if self._bps is not None and exact.mul(distance, _BPS) > exact.mul(self._bps, mid):
                away = shown(exact.scale(distance, _BPS, mid))
                return DenyReason.PRICE_BAND_BPS, (
                    f"price {price} is {away} bps from the mid {mid} of {order.instrument_id}: "
                    f"price_band_bps is {self._bps}"
                )
        return None


class OrderNotionalCap:
    """The notional of one order, at its limit (or trigger, or the touch), at most ``limit``."""

    __slots__ = ("_book", "_instruments", "_limit", "_scale")

    def __init__(self, book: RiskBook, cache: Cache, limit: Decimal, *, scale: bool) -> None:
        self._book = book
        self._instruments = cache.instruments
        self._limit = limit
        self._scale = scale

    def __call__(self, order: Order) -> Verdict:
        instrument = self._instruments[order.instrument_id]
        price, unit = _priced(self._book, instrument, order)
        if price is None or unit is None:
            return _unpriced(order)
        notional = exact.mul(order.quantity, unit)
        if notional <= self._limit:
            return None
        room = floor_lots(self._limit, unit, instrument)
        if self._scale and shrink(self._book, order, instrument, room, price):
            return None
        return DenyReason.MAX_ORDER_NOTIONAL, (
            f"order notional {shown(notional)} {self._book.currency or ''} is over "
            f"max_order_notional {self._limit}"
        )


class PositionCap:
    """The account's net position per instrument, with the open orders on the order's side
    counted as filled, at most ``limit`` units either way. Orders that reduce always pass."""

    __slots__ = ("_book", "_instruments", "_limit", "_scale")

    def __init__(self, book: RiskBook, cache: Cache, limit: Decimal, *, scale: bool) -> None:
        self._book = book
        self._instruments = cache.instruments
        self._limit = limit
        self._scale = scale

    def __call__(self, order: Order) -> Verdict:
        book = self._book
        if book.reduces(order):
            return None
        iid = order.instrument_id
        held = book.position(iid)
        working = book.pending(iid, order.side)
        before = (held if order.side is OrderSide.BUY else -held) + working
        after = before + order.quantity - order.filled_quantity
        if after <= self._limit:
            return None
        instrument = self._instruments[iid]
        if self._scale:
            price = book.order_price(order)
            room = order.filled_quantity + floor_lots(self._limit - before, _ONE, instrument)
            if price is not None and shrink(book, order, instrument, room, price):
                return None
        return DenyReason.MAX_POSITION, (
            f"{order.side.value.lower()} {order.quantity} {iid} would take the position to "
            f"{after} (held {held}, working {working}): max_position is {self._limit}"
        )


class ExposureCap:
    """Gross exposure — positions at the mark plus open orders at their price — at most
    ``limit`` after the order: one strategy's, or (``per_strategy=False``) the account's.
    Orders that reduce the strategy's position always pass."""

    __slots__ = ("_book", "_instruments", "_limit", "_name", "_per_strategy", "_reason", "_scale")

    def __init__(
        self,
        book: RiskBook,
        cache: Cache,
        limit: Decimal,
        *,
        scale: bool,
        per_strategy: bool,
    ) -> None:
        self._book = book
        self._instruments = cache.instruments
        self._limit = limit
        self._scale = scale
        self._per_strategy = per_strategy
        if per_strategy:
            self._reason, self._name = DenyReason.MAX_GROSS_EXPOSURE, "max_gross_exposure"
        else:
            self._reason, self._name = DenyReason.MAX_TOTAL_EXPOSURE, "max_total_exposure"

    def __call__(self, order: Order) -> Verdict:
        book = self._book
        if book.reduces(order):
            return None
        instrument = self._instruments[order.instrument_id]
        price, unit = _priced(book, instrument, order)
        current = book.gross_exposure(order.strategy_id if self._per_strategy else None)
        if price is None or unit is None or current is None:
            return _unpriced(order)
        after = exact.add(current, exact.mul(order.quantity - order.filled_quantity, unit))
        if after <= self._limit:
            return None
        room = floor_lots(exact.sub(self._limit, current), unit, instrument)
        if self._scale and shrink(book, order, instrument, room, price):
            return None
        who = f"strategy {order.strategy_id!r}" if self._per_strategy else "the account"
        return self._reason, (
            f"gross exposure of {who} would reach {shown(after)} {book.currency or ''} "
            f"(now {shown(current)}): {self._name} is {self._limit}"
        )


class OpenOrdersCap:
    """At most ``limit`` open orders per strategy."""

    __slots__ = ("_book", "_limit", "_open")

    def __init__(self, book: RiskBook, cache: Cache, limit: int) -> None:
        self._book = book
        self._open = cache.open_orders
        self._limit = limit

    def __call__(self, order: Order) -> Verdict:
        if self._book.replacing is not None:
            return None  # a modify adds no order
        sid = order.strategy_id
        count = sum(1 for o in self._open.values() if o.strategy_id == sid)
        if count < self._limit:
            return None
        return DenyReason.MAX_OPEN_ORDERS, (
            f"strategy {sid!r} has {count} open orders: max_open_orders is {self._limit}"
        )


def _on_tick(
    instrument: Instrument, price: Decimal, what: str, snap: bool
) -> tuple[Decimal, Verdict]:
    if price <= 0:
        return price, (DenyReason.INVALID_PRICE, f"{what} {price} for {instrument.id} <= 0")
    tick = instrument.tick_size
    if not price % tick:
        return price, None
    snapped = max(instrument.round_price(price), tick)
    if snap:
        return snapped, None
    return price, (
        DenyReason.PRICE_OFF_TICK,
        f"{what} {price} for {instrument.id} is off the tick grid {tick}: use {snapped}",
    )


def _priced(
    book: RiskBook, instrument: Instrument, order: Order
) -> tuple[Decimal | None, Exact | None]:
    price = book.order_price(order)
    return price, None if price is None else book.unit_value(instrument, price)


def _unpriced(order: Order) -> Verdict:
    return DenyReason.NO_REFERENCE_PRICE, (
        f"cannot value {order.client_order_id} on {order.instrument_id}: no market price (or "
        "no rate to the account currency) seen yet"
    )


def enabled_checks(config: RiskConfig, book: RiskBook, cache: Cache, clock: Clock) -> list[Check]:
    """The enabled pre-trade checks, cheapest and most telling first; the throttle last,
    so only an order every other check approved spends a token."""
    c = config
    scale = c.scale_down
    checks: list[Check] = []
    if c.price_band is not None or c.price_band_bps is not None:
        checks.append(PriceBand(book, c.price_band, c.price_band_bps))
    if c.max_open_orders is not None:
        checks.append(OpenOrdersCap(book, cache, c.max_open_orders))
    if c.max_order_notional is not None:
        checks.append(OrderNotionalCap(book, cache, c.max_order_notional, scale=scale))
    if c.max_position is not None:
        checks.append(PositionCap(book, cache, c.max_position, scale=scale))
    if c.max_gross_exposure is not None:
        checks.append(
            ExposureCap(book, cache, c.max_gross_exposure, scale=scale, per_strategy=True)
        )
    if c.max_total_exposure is not None:
        checks.append(
            ExposureCap(book, cache, c.max_total_exposure, scale=scale, per_strategy=False)
        )
    if c.max_positions is not None:
        checks.append(PositionCountCap(book, c.max_positions))
    own = venue = None
    if c.max_orders_per_second is not None:
        own = (c.max_orders_per_second, c.order_burst or default_burst(c.max_orders_per_second))
    if c.venue_max_orders_per_second is not None:
        rate = c.venue_max_orders_per_second
        venue = (rate, c.venue_order_burst or default_burst(rate))
    if own is not None or venue is not None:
        checks.append(OrderThrottle(clock, cache.instruments, own, venue))
    return checks
