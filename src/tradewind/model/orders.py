"""Orders: what a strategy asked for and how much of it has traded so far."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradewind.model import exact
from tradewind.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId

_ZERO = Decimal(0)


class Order:
    """One order. Only the engine changes its status and fill state, from venue reports.

    ``quantity`` and prices are Decimals on the instrument's grid; ``filled_quantity`` and
    ``filled_notional`` are exact sums of the fills received, ``trade_ids`` the venue trade ids
    of those fills (the first id in a slot, a set only for later ones: most orders fill once,
    and a set per order is garbage-collector work on the hot path). While a cancel or modify
    is pending, ``status`` says so and ``working_status`` holds the status beneath it (what the
    order returns to when the venue refuses the request); otherwise the two are equal.
    ``update_pending`` is True from a modify until its answer, even under a later pending cancel.
    """

    __slots__ = (
        "avg_price_hint",
        "client_order_id",
        "expire_time_ns",
        "filled_notional",
        "filled_quantity",
        "instrument_id",
        "more_trade_ids",
        "order_type",
        "post_only",
        "price",
        "quantity",
        "reason",
        "reduce_only",
        "side",
        "status",
        "strategy_id",
        "tags",
        "time_in_force",
        "trade_id",
        "trigger_price",
        "ts_init",
        "ts_last",
        "update_pending",
        "venue_order_id",
        "working_status",
    )

    def __init__(
        self,
        client_order_id: ClientOrderId,
        strategy_id: StrategyId,
        instrument_id: InstrumentId,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal,
        *,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        ts_init: int = 0,
        tags: tuple[str, ...] = (),
    ) -> None:
        self.client_order_id = client_order_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.side = side
        self.order_type = order_type
        self.quantity = quantity
        self.price = price
        self.trigger_price = trigger_price
        self.time_in_force = time_in_force
        self.expire_time_ns = expire_time_ns
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.status = OrderStatus.INITIALIZED
        self.working_status = OrderStatus.INITIALIZED
        self.update_pending = False
        self.trade_id = ""  # the first fill's trade id
        self.more_trade_ids: set[str] | None = None  # the later fills' ones
        self.filled_quantity = _ZERO
        self.filled_notional = _ZERO
        self.venue_order_id = ""
        self.reason = ""
        self.ts_init = ts_init
        self.ts_last = ts_init
        self.tags = tags
        self.avg_price_hint: float = 0.0

    @property
    def remaining(self) -> Decimal:
        """Quantity not yet filled."""
        return self.quantity - self.filled_quantity

    @property
    def signed_remaining(self) -> Decimal:
        """Unfilled quantity, positive for a buy and negative for a sell."""
        rem = self.quantity - self.filled_quantity
        return rem if self.side is OrderSide.BUY else -rem

    @property
    def is_open(self) -> bool:
        """True while the order can still trade (or is on its way to the venue)."""
        return not self.status.is_closed

    @property
    def trade_ids(self) -> frozenset[str]:
        """The trade ids of the fills counted."""
        more = self.more_trade_ids or ()
        return frozenset((self.trade_id, *more)) if self.trade_id else frozenset(more)

    def has_trade(self, trade_id: str) -> bool:
        """True when a fill with this trade id is already counted."""
        if trade_id == self.trade_id:
            return True
        more = self.more_trade_ids
        return more is not None and trade_id in more

    @property
    def is_pending(self) -> bool:
        """True while a cancel or modify we sent awaits the venue's answer."""
        return self.status in PENDING

    @property
    def avg_price(self) -> Decimal | None:
        """Average fill price, or None before the first fill."""
        if not self.filled_quantity:
            return None
        return self.filled_notional / self.filled_quantity

    def to_row(self) -> dict[str, object]:
        """A flat dict for orders.csv and the state store's order journal (``from_row`` reads
        it back exactly). ``avg_price`` is for reading only, rounded to 12 places; the exact
        sum is ``filled_notional``. Tags are a JSON list ("" when there are none)."""
        avg = self.avg_price
        return {
            "client_order_id": self.client_order_id,
            "strategy_id": self.strategy_id,
            "instrument_id": self.instrument_id,
            "side": self.side.value,
            "type": self.order_type.value,
            "quantity": str(self.quantity),
            "price": "" if self.price is None else str(self.price),
            "trigger_price": "" if self.trigger_price is None else str(self.trigger_price),
            "time_in_force": self.time_in_force.value,
            "post_only": self.post_only,
            "reduce_only": self.reduce_only,
            "status": self.status.value,
            "filled_quantity": str(self.filled_quantity),
            "avg_price": "" if avg is None else str(round(avg, 12).normalize()),
            "venue_order_id": self.venue_order_id,
            "reason": self.reason,
            "ts_init": self.ts_init,
            "ts_last": self.ts_last,
            "working_status": self.working_status.value,
            "update_pending": self.update_pending,
            "filled_notional": str(self.filled_notional),
            "expire_time_ns": self.expire_time_ns,
            "tags": json.dumps(list(self.tags)) if self.tags else "",
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Order:
        """The order ``to_row`` wrote, exactly: as written, or as a state store gives it back
        (Decimals, None for an empty price or id).

        Trade ids are not in the row: the journaled fills hold them (recovery restores them).
        A row without ``working_status`` or ``filled_notional`` (written before they were
        columns) gets the status and ``avg_price x filled_quantity``.
        """
        status = OrderStatus(str(row["status"]))
        order = cls(
            ClientOrderId(str(row["client_order_id"])),
            StrategyId(str(row["strategy_id"] or "")),
            InstrumentId(str(row["instrument_id"] or "")),
            OrderSide(str(row["side"])),
            OrderType(str(row["type"])),
            _dec_or_zero(row["quantity"]),
            price=_dec(row.get("price")),
            trigger_price=_dec(row.get("trigger_price")),
            time_in_force=TimeInForce(str(row.get("time_in_force") or "GTC")),
            expire_time_ns=_int(row.get("expire_time_ns")),
            post_only=_bool(row.get("post_only")),
            reduce_only=_bool(row.get("reduce_only")),
            ts_init=_int(row.get("ts_init")) or 0,
            tags=_tags(row.get("tags")),
        )
        order.status = status
        working = row.get("working_status")
        order.working_status = OrderStatus(str(working)) if working else status
        order.update_pending = _bool(row.get("update_pending"))
        order.filled_quantity = _dec_or_zero(row.get("filled_quantity"))
        notional = _dec(row.get("filled_notional"))
        if notional is None:
            avg = _dec(row.get("avg_price"))
            notional = _ZERO if avg is None else avg * order.filled_quantity
        order.filled_notional = notional
        order.venue_order_id = str(row.get("venue_order_id") or "")
        order.reason = str(row.get("reason") or "")
        last = _int(row.get("ts_last"))
        order.ts_last = order.ts_init if last is None else last
        return order

    def __repr__(self) -> str:
        px = f" @ {self.price}" if self.price is not None else ""
        trig = f" trigger {self.trigger_price}" if self.trigger_price is not None else ""
        return (
            f"Order({self.client_order_id} {self.side.value} {self.quantity} {self.instrument_id} "
            f"{self.order_type.value}{px}{trig} {self.status.value} filled {self.filled_quantity})"
        )


def _dec(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _dec_or_zero(value: object) -> Decimal:
    dec = _dec(value)
    return _ZERO if dec is None else dec


def _int(value: object) -> int | None:
    if value is None or value == "":
        return None
    return int(str(value)) if not isinstance(value, int) else value


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _tags(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(t) for t in value)
    return tuple(str(t) for t in json.loads(str(value)))


_S = OrderStatus
PENDING = frozenset({_S.PENDING_CANCEL, _S.PENDING_UPDATE})
"""The statuses of an order with a cancel or modify request awaiting the venue's answer."""

_CLOSE = frozenset({_S.FILLED, _S.CANCELED, _S.EXPIRED})  # what a working order can end as
_WORK = frozenset({_S.PARTIALLY_FILLED, _S.PENDING_CANCEL, _S.PENDING_UPDATE})
_BACK = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})  # where an answer returns
_ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.INITIALIZED: frozenset({_S.SUBMITTED, _S.DENIED}),
    _S.SUBMITTED: _CLOSE | {_S.ACCEPTED, _S.REJECTED, _S.PARTIALLY_FILLED, _S.PENDING_CANCEL},
    _S.ACCEPTED: _CLOSE | _WORK | {_S.TRIGGERED},
    _S.TRIGGERED: _CLOSE | _WORK,
    _S.PARTIALLY_FILLED: _CLOSE | _WORK,
    # answered: back to the working status (or to the modify still pending beneath the
    # cancel), or closed; a report while pending moves the working status beneath it
    _S.PENDING_CANCEL: _CLOSE | _BACK | {_S.SUBMITTED, _S.PENDING_UPDATE, _S.REJECTED},
    _S.PENDING_UPDATE: _CLOSE | _BACK | {_S.PENDING_CANCEL},
}
"""Every legal move of ``Order.status``. Closed statuses have no way out."""

_NONE: frozenset[OrderStatus] = frozenset()
_REPORTED: dict[OrderStatus, frozenset[OrderStatus]] = {
    status: targets - PENDING for status, targets in _ALLOWED.items() if status not in PENDING
}
_REPORTED.update({status: _NONE for status in OrderStatus if status.is_closed})
"""Where a report may move an order with no request pending (the fast path)."""


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    """True when an order in ``current`` may move to ``new``."""
    return new in _ALLOWED.get(current, _NONE)


def _illegal(order: Order, new: OrderStatus) -> str:
    beneath = f" (working {order.working_status.value})" if order.status in PENDING else ""
    return (
        f"illegal transition {order.status.value}{beneath} -> {new.value} "
        f"for {order.client_order_id}"
    )


def transition(order: Order, new: OrderStatus, ts: int) -> str | None:
    """Apply a status the venue reported (or SUBMITTED/DENIED set locally).

    Returns why not, leaving the order unchanged, if the move is illegal. While a cancel or
    modify is pending, a working status (accepted, triggered, partially filled) moves the
    status beneath the request, checked from there, and the order stays pending; a closing
    status closes the order. Requests go through ``request``, answers through ``answer``.
    """
    allowed = _REPORTED.get(order.status)
    if allowed is None:
        return _beneath_request(order, new, ts)
    if new not in allowed:
        return _illegal(order, new)
    order.status = order.working_status = new
    order.ts_last = ts
    return None


def _beneath_request(order: Order, new: OrderStatus, ts: int) -> str | None:
    """A reported status while a request is pending: checked from the working status."""
    if new in PENDING or new not in _ALLOWED[order.working_status]:
        return _illegal(order, new)
    if new.is_closed and new not in _ALLOWED[order.status]:
        return _illegal(order, new)
    order.working_status = new
    if new.is_closed:
        order.status = new
        order.update_pending = False
    order.ts_last = ts
    return None


def request(order: Order, pending: OrderStatus, ts: int) -> str | None:
    """Mark a cancel (PENDING_CANCEL) or modify (PENDING_UPDATE) as sent; why not if illegal.

    A cancel may follow a pending modify; a modify needs an acknowledged order with no
    request pending. Neither may be sent twice before the venue answers.
    """
    status = order.status
    if pending is _S.PENDING_CANCEL:
        legal = status is not _S.PENDING_CANCEL
    elif pending is _S.PENDING_UPDATE:
        legal = status not in PENDING
    else:
        legal = False
    if not legal or pending not in _ALLOWED.get(status, _NONE):
        return _illegal(order, pending)
    if pending is _S.PENDING_UPDATE:
        order.update_pending = True
    order.status = pending
    order.ts_last = ts
    return None


def answer(order: Order, pending: OrderStatus, ts: int) -> str | None:
    """The venue answered a request without closing the order; why not if none was pending.

    ``PENDING_CANCEL``: the cancel was rejected, so the order goes back to its working status
    (or to the modify still pending beneath). ``PENDING_UPDATE``: the modify was applied or
    rejected; the order goes back to its working status unless a cancel is pending.
    """
    if pending is _S.PENDING_CANCEL:
        if order.status is not _S.PENDING_CANCEL:
            return f"cancel answer for {order.client_order_id} with no cancel pending"
        order.status = _S.PENDING_UPDATE if order.update_pending else order.working_status
    elif pending is _S.PENDING_UPDATE:
        if not order.update_pending:
            return f"modify answer for {order.client_order_id} with no modify pending"
        order.update_pending = False
        if order.status is _S.PENDING_UPDATE:
            order.status = order.working_status
    else:
        return _illegal(order, pending)
    order.ts_last = ts
    return None


_AMENDABLE = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})


def apply_update(
    order: Order,
    quantity: Decimal,
    price: Decimal | None,
    trigger_price: Decimal | None,
    ts: int,
) -> str | None:
    """The venue changed a working order (our modify, or its own amend); why not if illegal.

    The order must be acknowledged and open, and the new quantity above what has filled.
    A pending modify is answered by it.
    """
    if order.working_status not in _AMENDABLE or order.status.is_closed:
        return f"update refused: {order.client_order_id} is {order.status.value}"
    if quantity <= order.filled_quantity:
        return (
            f"update refused: {order.client_order_id} quantity {quantity} is not above "
            f"the {order.filled_quantity} filled"
        )
    if order.update_pending:
        answer(order, _S.PENDING_UPDATE, ts)
    order.quantity = quantity
    order.price = price
    order.trigger_price = trigger_price
    order.ts_last = ts
    return None


def apply_fill(
    order: Order, quantity: Decimal, price: Decimal, ts: int, trade_id: str = ""
) -> str | None:
    """Add a fill to ``order``; return why not (and leave it unchanged) if it is refused.

    Refused: a fill of nothing, an overfill, a fill on an order that cannot trade, and a fill
    whose ``trade_id`` this order has already counted.
    """
    if trade_id and (
        trade_id == order.trade_id
        or (order.more_trade_ids is not None and trade_id in order.more_trade_ids)
    ):
        return f"duplicate fill refused: trade {trade_id} of {order.client_order_id} is counted"
    if quantity <= 0:
        return f"fill quantity {quantity} for {order.client_order_id} must be > 0"
    filled = exact.dec_add(order.filled_quantity, quantity)
    if filled > order.quantity:
        return (
            f"overfill refused: {order.client_order_id} has {order.remaining} left, "
            f"fill of {quantity}"
        )
    new = OrderStatus.FILLED if filled == order.quantity else OrderStatus.PARTIALLY_FILLED
    error = transition(order, new, ts)
    if error is None:
        order.filled_quantity = filled
        order.filled_notional = exact.dec_add(order.filled_notional, exact.dec_mul(quantity, price))
        if not trade_id:
            pass
        elif not order.trade_id:
            order.trade_id = trade_id
        elif order.more_trade_ids is None:
            order.more_trade_ids = {trade_id}
        else:
            order.more_trade_ids.add(trade_id)
    return error
