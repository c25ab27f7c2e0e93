"""Orders: what a strategy asked for and how much of it has traded so far."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import exact
from tradewind.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId

_ZERO = Decimal(0)


class Order:
    """One order. Only the engine changes its status and fill state, from venue reports.

    ``quantity`` and prices are Decimals on the instrument's grid; ``filled_quantity`` and
    ``filled_notional`` are exact sums of the fills received.
    """

    __slots__ = (
        "avg_price_hint",
        "client_order_id",
        "expire_time_ns",
        "filled_notional",
        "filled_quantity",
        "instrument_id",
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
        "trigger_price",
        "ts_init",
        "ts_last",
        "venue_order_id",
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
    def avg_price(self) -> Decimal | None:
        """Average fill price, or None before the first fill."""
        if not self.filled_quantity:
            return None
        return self.filled_notional / self.filled_quantity

    def to_row(self) -> dict[str, object]:
        """A flat dict for orders.csv."""
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
        }

    def __repr__(self) -> str:
        px = f" @ {self.price}" if self.price is not None else ""
        trig = f" trigger {self.trigger_price}" if self.trigger_price is not None else ""
        return (
            f"Order({self.client_order_id} {self.side.value} {self.quantity} {self.instrument_id} "
            f"{self.order_type.value}{px}{trig} {self.status.value} filled {self.filled_quantity})"
        )


_S = OrderStatus
_ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.INITIALIZED: frozenset({_S.SUBMITTED, _S.DENIED}),
    _S.SUBMITTED: frozenset(
        {_S.ACCEPTED, _S.REJECTED, _S.CANCELED, _S.EXPIRED, _S.PARTIALLY_FILLED, _S.FILLED}
    ),
    _S.ACCEPTED: frozenset({_S.TRIGGERED, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}),
    _S.TRIGGERED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}),
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.EXPIRED}),
}


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    """True when an order in ``current`` may move to ``new``."""
    return new in _ALLOWED.get(current, frozenset())


def transition(order: Order, new: OrderStatus, ts: int) -> str | None:
    """Move ``order`` to ``new``; return why not (and leave it unchanged) if illegal."""
    if new not in _ALLOWED.get(order.status, frozenset()):
        return f"illegal transition {order.status.value} -> {new.value} for {order.client_order_id}"
    order.status = new
    order.ts_last = ts
    return None


def apply_fill(order: Order, quantity: Decimal, price: Decimal, ts: int) -> str | None:
    """Add a fill to ``order``; return why not (and leave it unchanged) for an overfill."""
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
    return error
