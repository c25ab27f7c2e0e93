"""Strategy actions beyond submit and cancel: amend, build without sending, contingent groups."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.errors import StrategyError
from tradewind.model.contingency import FailurePolicy, OrderGroup
from tradewind.model.enums import OrderSide, OrderType, TimeInForce
from tradewind.model.identifiers import InstrumentId, StrategyId
from tradewind.model.instrument import Instrument, Number, to_decimal
from tradewind.model.orders import Order

if TYPE_CHECKING:
    from tradewind.engine.engine import Engine

_GTC = TimeInForce.GTC


class OrderActions:
    """Mixed into ``Strategy``: amend orders and send brackets, OCO, OTO and trailing stops.

    Contingent groups run natively where the venue can (its ``capabilities``) and are emulated
    by ``tradewind.execution`` everywhere else, with the same behaviour; they return an
    ``OrderGroup`` handle whose ``state`` and ``orders`` follow the group's life.
    """

    if TYPE_CHECKING:
        id: StrategyId

        @property
        def engine(self) -> Engine: ...

    def _build(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        order_type: OrderType,
        price: Number | None,
        trigger: Number | None,
        time_in_force: TimeInForce | str,
        expire_time_ns: int | None,
        post_only: bool,
        reduce_only: bool,
        snap: bool,
        tags: tuple[str, ...],
    ) -> Order:
        """An order of this strategy, checked against (or snapped onto) the grid; not sent."""
        engine = self.engine
        iid = InstrumentId(instrument_id)
        instrument = engine.cache.instrument(iid)
        side = _side(side)
        tif = _tif(time_in_force)
        qty = to_decimal(quantity, "quantity")
        px = None if price is None else to_decimal(price, "price")
        trig = None if trigger is None else to_decimal(trigger, "trigger_price")
        mark = None
        if px is None and trig is None and instrument.min_notional:
            last = engine.cache.mark_price(iid)
            mark = None if last is None else Decimal(repr(last))
        fitted, px, trig = _fit_to_grid(engine.grid_policy, instrument, qty, px, trig, snap, mark)
        assert fitted is not None
        qty = fitted
        if tif is TimeInForce.GTD and expire_time_ns is None:
            raise StrategyError("a GTD order needs expire_time_ns: give the expiry time")
        order = Order(
            engine.next_order_id(),
            self.id,
            iid,
            side,
            order_type,
            qty,
            price=px,
            trigger_price=trig,
            time_in_force=tif,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            tags=tags,
        )
        return order

    # ------------------------------------------------------------------ amend
    def modify(
        self,
        order: Order,
        *,
        price: Number | None = None,
        quantity: Number | None = None,
        trigger_price: Number | None = None,
        snap: bool = False,
    ) -> bool:
        """Amend a working order's price, quantity or trigger; True if the venue was asked.

        The answer reaches ``on_order`` (OrderUpdated or OrderModifyRejected). False when
        nothing changes or the order cannot be amended now (closed, not yet acknowledged, or
        awaiting an answer). New terms are checked against the grid like a new order's.
        """
        engine = self.engine
        instrument = engine.cache.instrument(order.instrument_id)
        px = None if price is None else to_decimal(price, "price")
        qty = None if quantity is None else to_decimal(quantity, "quantity")
        trig = None if trigger_price is None else to_decimal(trigger_price, "trigger_price")
        fallback = order.price or order.trigger_price
        qty, px, trig = _fit_to_grid(engine.grid_policy, instrument, qty, px, trig, snap, fallback)
        return engine.modify_order(order, price=px, quantity=qty, trigger_price=trig)

    # ------------------------------------------------- built, not yet sent
    def market_order(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        *,
        time_in_force: TimeInForce | str = _GTC,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """A market order, checked but not sent (a leg for ``submit_oco``/``submit_oto``)."""
        return self._build(
            instrument_id,
            side,
            quantity,
            OrderType.MARKET,
            None,
            None,
            time_in_force,
            None,
            False,
            reduce_only,
            snap,
            tags,
        )

    def limit_order(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        price: Number,
        *,
        time_in_force: TimeInForce | str = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """A limit order, checked but not sent (a leg for ``submit_oco``/``submit_oto``)."""
        return self._build(
            instrument_id,
            side,
            quantity,
            OrderType.LIMIT,
            price,
            None,
            time_in_force,
            expire_time_ns,
            post_only,
            reduce_only,
            snap,
            tags,
        )

    def stop_order(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        trigger_price: Number,
        *,
        limit_price: Number | None = None,
        time_in_force: TimeInForce | str = _GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """A stop (market, or limit at ``limit_price``), checked but not sent."""
        return self._build(
            instrument_id,
            side,
            quantity,
            OrderType.STOP_MARKET if limit_price is None else OrderType.STOP_LIMIT,
            limit_price,
            trigger_price,
            time_in_force,
            expire_time_ns,
            False,
            reduce_only,
            snap,
            tags,
        )

    # ------------------------------------------------------ contingent groups
    def submit_oco(self, first: Order, second: Order) -> OrderGroup:
        """Send two orders that cancel each other: a fill on one reduces the other by as much
        (a full fill cancels it)."""
        return self.engine.contingent.submit_oco(first, second)

    def submit_oto(
        self, parent: Order, child: Order, *, failure_policy: FailurePolicy | str = "keep"
    ) -> OrderGroup:
        """Send ``parent``; ``child`` goes out on its first fill, sized to what has filled, and
        grows with each later fill. ``child.quantity`` must equal ``parent.quantity``."""
        return self.engine.contingent.submit_oto(parent, child, _policy(failure_policy))

    def submit_bracket(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        *,
        stop_loss: Number,
        take_profit: Number,
        entry_price: Number | None = None,
        stop_loss_limit: Number | None = None,
        time_in_force: TimeInForce | str = _GTC,
        failure_policy: FailurePolicy | str = "flatten",
        reduce_only: bool = True,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> OrderGroup:
        """Enter (at the market, or a limit at ``entry_price``) with a stop-loss and a
        take-profit that cancel each other, both sized to what the entry has filled.

        The first exit fill cancels what is left of the entry. ``failure_policy`` says what
        happens if an exit is rejected: "flatten" (default), "keep" or "cancel_all".
        """
        if entry_price is None:
            entry = self.market_order(
                instrument_id, side, quantity, time_in_force=time_in_force, snap=snap, tags=tags
            )
        else:
            entry = self.limit_order(
                instrument_id,
                side,
                quantity,
                entry_price,
                time_in_force=time_in_force,
                snap=snap,
                tags=tags,
            )
        exit_side = entry.side.opposite
        stop = self.stop_order(
            instrument_id,
            exit_side,
            quantity,
            stop_loss,
            limit_price=stop_loss_limit,
            reduce_only=reduce_only,
            snap=snap,
            tags=tags,
        )
        target = self.limit_order(
            instrument_id,
            exit_side,
            quantity,
            take_profit,
            reduce_only=reduce_only,
            snap=snap,
            tags=tags,
        )
        mark = self.engine.cache.mark_price(entry.instrument_id)
        reference = entry.price if entry.price is not None or mark is None else Decimal(repr(mark))
        _check_bracket(entry, stop, target, reference)
        return self.engine.contingent.submit_bracket(entry, stop, target, _policy(failure_policy))

    def submit_trailing_stop(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        *,
        offset: Number | None = None,
        offset_bps: Number | None = None,
        activation_price: Number | None = None,
        reduce_only: bool = True,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> OrderGroup:
        """A stop-market whose trigger trails the best price by ``offset`` (or ``offset_bps``).

        A sell stop sits ``offset`` below the highest price seen since activation and only
        ever moves up; a buy stop mirrors it. Without ``activation_price`` it starts at once
        from the current price; with it, once the market reaches that price.
        """
        if (offset is None) == (offset_bps is None):
            raise StrategyError("a trailing stop needs exactly one of offset or offset_bps")
        off = None if offset is None else to_decimal(offset, "offset")
        bps = None if offset_bps is None else to_decimal(offset_bps, "offset_bps")
        iid = InstrumentId(instrument_id)
        instrument = self.engine.cache.instrument(iid)
        if off is not None:
            off = instrument.round_price(off) if snap else off
            instrument.check_price(off, "offset")
        if bps is not None and bps <= 0:
            raise StrategyError(f"offset_bps {bps} must be > 0")
        act = None if activation_price is None else to_decimal(activation_price, "activation")
        if act is not None:
            act = instrument.round_price(act) if snap else act
            instrument.check_price(act, "activation_price")
        stop = self._build(
            iid,
            side,
            quantity,
            OrderType.STOP_MARKET,
            None,
            None,
            _GTC,
            None,
            False,
            reduce_only,
            snap,
            tags,
        )
        return self.engine.contingent.submit_trailing_stop(stop, off, bps, act)

    def cancel_group(self, group: OrderGroup) -> None:
        """Cancel every open order of a contingent group; it sends nothing more."""
        self.engine.contingent.cancel_group(group)


def _policy(value: FailurePolicy | str) -> FailurePolicy:
    try:
        return FailurePolicy(str(value).lower())
    except ValueError:
        names = ", ".join(p.value for p in FailurePolicy)
        raise StrategyError(f"failure policy {value!r} is unknown: use one of {names}") from None


def _check_bracket(entry: Order, stop: Order, target: Order, reference: Decimal | None) -> None:
    """Refuse a bracket whose stop-loss and take-profit are on the wrong sides of the entry
    (its limit price, or the market for a market entry)."""
    trigger, limit = stop.trigger_price, target.price
    assert trigger is not None and limit is not None
    long = entry.side is OrderSide.BUY
    ordered: list[Decimal] = [trigger, limit] if long else [limit, trigger]
    if reference is not None:
        ordered.insert(1, reference)
    if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
        price = "entry_price" if entry.price is not None else "the market"
        low, high = ("stop_loss", "take_profit") if long else ("take_profit", "stop_loss")
        want = f"{low} < {price} < {high}"
        raise StrategyError(
            f"bracket {entry.side.value} has stop_loss {trigger}, take_profit {limit}, "
            f"{price} {reference}: it needs {want}"
        )


def _side(value: OrderSide | str) -> OrderSide:
    if isinstance(value, OrderSide):
        return value
    try:
        return OrderSide(str(value).upper())
    except ValueError:
        raise StrategyError(f"order side {value!r} is unknown: use 'BUY' or 'SELL'") from None


def _tif(value: TimeInForce | str) -> TimeInForce:
    if isinstance(value, TimeInForce):
        return value
    try:
        return TimeInForce(str(value).upper())
    except ValueError:
        names = ", ".join(t.value for t in TimeInForce)
        raise StrategyError(f"time in force {value!r} is unknown: use one of {names}") from None


def _fit_to_grid(
    policy: str,
    instrument: Instrument,
    qty: Decimal | None,
    px: Decimal | None,
    trig: Decimal | None,
    snap: bool,
    fallback: Decimal | None,
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Snap the terms onto the grid (``snap`` or policy "snap"), then check them unless the
    policy is "deny" (pre-trade checks refuse them with a reason code instead). Minimum
    notional is judged at the price, else the trigger, else ``fallback``."""
    if snap or policy == "snap":
        qty = None if qty is None else instrument.round_quantity(qty)
        px = None if px is None else instrument.round_price(px)
        trig = None if trig is None else instrument.round_price(trig)
    if policy != "deny":
        if px is not None:
            instrument.check_price(px, "price")
        if trig is not None:
            instrument.check_price(trig, "trigger_price")
        if qty is not None:
            reference = px if px is not None else trig if trig is not None else fallback
            instrument.check_quantity(qty, reference)
    return qty, px, trig
