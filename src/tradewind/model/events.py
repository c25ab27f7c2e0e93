"""Order events: the reports a venue sends back, local denials, and timer events."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradewind.model.enums import LiquiditySide, OrderSide, OrderStatus
from tradewind.model.identifiers import ClientOrderId, InstrumentId


class OrderAccepted(msgspec.Struct, frozen=True, gc=False):
    """The venue has the order working."""

    client_order_id: ClientOrderId
    venue_order_id: str
    ts_event: int
    ts_init: int


class OrderRejected(msgspec.Struct, frozen=True, gc=False):
    """The venue refused the order; ``reason`` says why."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int
    ts_init: int


class OrderDenied(msgspec.Struct, frozen=True, gc=False):
    """Refused before it left us; ``reason`` is a code, ``message`` the detail."""

    client_order_id: ClientOrderId
    reason: str
    message: str
    ts_event: int
    ts_init: int


class OrderCanceled(msgspec.Struct, frozen=True, gc=False):
    """The order stopped working because it was canceled (or an IOC/FOK remainder was)."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int
    ts_init: int


class OrderExpired(msgspec.Struct, frozen=True, gc=False):
    """A GTD order reached its expiry time."""

    client_order_id: ClientOrderId
    ts_event: int
    ts_init: int


class OrderTriggered(msgspec.Struct, frozen=True, gc=False):
    """A stop order's trigger price was reached; it now works as a market or limit order."""

    client_order_id: ClientOrderId
    ts_event: int
    ts_init: int


class OrderUpdated(msgspec.Struct, frozen=True, gc=False):
    """The venue changed a working order (our modify, or its own amend): its new terms."""

    client_order_id: ClientOrderId
    venue_order_id: str
    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    ts_event: int
    ts_init: int


class OrderCancelRejected(msgspec.Struct, frozen=True, gc=False):
    """The venue refused a cancel (the order is unknown to it, or already closed)."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int
    ts_init: int


class OrderModifyRejected(msgspec.Struct, frozen=True, gc=False):
    """The venue (or a pre-trade check) refused a modify; the order works as it was."""

    client_order_id: ClientOrderId
    reason: str
    ts_event: int
    ts_init: int


class OrderStatusReport(msgspec.Struct, frozen=True, gc=False):
    """The venue's answer to a query: the order's status now (its fills are re-sent first)."""

    client_order_id: ClientOrderId
    venue_order_id: str
    status: OrderStatus
    triggered: bool
    quantity: Decimal
    filled_quantity: Decimal
    ts_event: int
    ts_init: int


class OrderNotFound(msgspec.Struct, frozen=True, gc=False):
    """The venue's answer to a query: it has no order with this client order id."""

    client_order_id: ClientOrderId
    ts_event: int
    ts_init: int


class Fill(msgspec.Struct, frozen=True, gc=False):
    """A trade of (part of) an order. Quantity, price and fee are exact Decimals."""

    client_order_id: ClientOrderId
    venue_order_id: str
    trade_id: str
    instrument_id: InstrumentId
    side: OrderSide
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: LiquiditySide
    ts_event: int
    ts_init: int

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity, negative for a sell."""
        return self.quantity if self.side is OrderSide.BUY else -self.quantity


class TimeEvent(msgspec.Struct, frozen=True, gc=False):
    """A timer or alarm firing at ``ts_event``; ``owner`` routes it, ``name`` tells which."""

    name: str
    owner: str
    ts_event: int
    ts_init: int


OrderEvent = (
    OrderAccepted
    | OrderRejected
    | OrderDenied
    | OrderCanceled
    | OrderExpired
    | OrderTriggered
    | OrderUpdated
    | OrderCancelRejected
    | OrderModifyRejected
    | OrderStatusReport
    | OrderNotFound
    | Fill
)
"""Any event about an order."""


class OrderSubmitted(msgspec.Struct, frozen=True, gc=False):
    """An order left the strategy for the venue (an audit record of what was asked)."""

    client_order_id: ClientOrderId
    strategy_id: str
    instrument_id: InstrumentId
    side: OrderSide
    order_type: str
    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    time_in_force: str
    ts_event: int
    ts_init: int


class OrderPendingCancel(msgspec.Struct, frozen=True, gc=False):
    """A cancel left for the venue (an audit record; the order is now PENDING_CANCEL)."""

    client_order_id: ClientOrderId
    ts_event: int
    ts_init: int


class OrderPendingUpdate(msgspec.Struct, frozen=True, gc=False):
    """A modify left for the venue with these terms (an audit record; now PENDING_UPDATE)."""

    client_order_id: ClientOrderId
    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    ts_event: int
    ts_init: int


class OrderQueried(msgspec.Struct, frozen=True, gc=False):
    """A status query left for the venue (an audit record): resolving, never re-sending."""

    client_order_id: ClientOrderId
    ts_event: int
    ts_init: int


class OrderRestored(msgspec.Struct, frozen=True, gc=False):
    """An open order taken back from the journal after a restart (an audit record): it is in
    the engine again, as ``status``, and nothing was sent (``Engine.restore_order``)."""

    client_order_id: ClientOrderId
    status: OrderStatus
    ts_event: int
    ts_init: int


class ReportRefused(msgspec.Struct, frozen=True, gc=False):
    """A venue report the engine refused (an audit record): illegal, or a repeat of one seen.

    ``report`` names the report's type; ``duplicate`` is True for a repeat (a fill whose
    trade id was counted, an acknowledgement or close already applied).
    """

    client_order_id: ClientOrderId
    report: str
    reason: str
    duplicate: bool
    ts_event: int
    ts_init: int
