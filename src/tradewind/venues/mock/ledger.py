"""The mock venue's books of the account: every order it received, every fill, positions, cash."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from tradewind.engine.protocols import VenueAccount
from tradewind.model import exact
from tradewind.model.enums import OrderStatus
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderTriggered,
    OrderUpdated,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.model.position import Position

_ZERO = Decimal(0)
_S = OrderStatus
_CLOSED_BY: dict[type, OrderStatus] = {
    OrderRejected: _S.REJECTED,
    OrderCanceled: _S.CANCELED,
    OrderExpired: _S.EXPIRED,
}


class OrderRecord:
    """One order as the venue's books know it: its terms, status, fills."""

    __slots__ = ("filled", "fills", "order", "status", "triggered", "venue_order_id")

    def __init__(self, order: Order) -> None:
        self.order = order
        self.venue_order_id = ""
        self.status = _S.SUBMITTED
        self.triggered = False
        self.filled = _ZERO
        self.fills: list[Fill] = []

    def report(self, now: int) -> OrderStatusReport:
        """Its status now, as a status report."""
        o = self.order
        return OrderStatusReport(
            o.client_order_id,
            self.venue_order_id,
            self.status,
            self.triggered,
            o.quantity,
            self.filled,
            now,
            now,
        )


class AccountLedger:
    """What the account holds at the venue, kept from the venue's own reports, exactly.

    An order is on the books from the moment it is received (status SUBMITTED until the
    venue acknowledges it). A fill moves the position by its signed quantity; on a spot
    instrument the base asset moves with it and the quote pays ``qty x price x multiplier``;
    on a derivative the realized PnL (average cost) settles in the settlement currency. The
    fee is taken in its own currency. A fill whose trade id is already booked is ignored.
    """

    def __init__(
        self, venue: str, instruments: Iterable[Instrument], balances: Mapping[str, object]
    ) -> None:
        self.venue = venue
        self.instruments: dict[InstrumentId, Instrument] = {i.id: i for i in instruments}
        self.orders: dict[ClientOrderId, OrderRecord] = {}
        self.open: dict[ClientOrderId, OrderRecord] = {}
        self.fills: list[Fill] = []
        self._trade_ids: set[str] = set()
        self.positions: dict[InstrumentId, Position] = {
            iid: Position(iid, inst.multiplier) for iid, inst in self.instruments.items()
        }
        self._balances: dict[str, exact.Exact] = {
            asset: Decimal(str(amount)) for asset, amount in balances.items()
        }

    # ------------------------------------------------------------------ writes
    def receive(self, order: Order) -> OrderRecord:
        """Put a newly received order on the books (the caller refuses duplicates first)."""
        record = self.orders[order.client_order_id] = OrderRecord(order)
        self.open[order.client_order_id] = record
        return record

    def apply(self, event: object) -> bool:
        """Book one venue report; False for a fill already booked (a repeat)."""
        cls = event.__class__
        if cls is Fill:
            return self._fill(event)  # type: ignore[arg-type]
        record = self.orders.get(event.client_order_id)  # type: ignore[attr-defined]
        if record is None:
            return True  # an answer about an order never received (a cancel of nothing)
        if cls is OrderAccepted:
            record.venue_order_id = event.venue_order_id  # type: ignore[attr-defined]
            if record.status is _S.SUBMITTED:
                record.status = _S.ACCEPTED
        elif cls is OrderTriggered:
            record.triggered = True
        elif cls is OrderUpdated:
            o = record.order
            o.quantity = event.quantity  # type: ignore[attr-defined]
            o.price = event.price  # type: ignore[attr-defined]
            o.trigger_price = event.trigger_price  # type: ignore[attr-defined]
        elif cls in _CLOSED_BY:
            record.status = _CLOSED_BY[cls]
            self.open.pop(record.order.client_order_id, None)
        return True

    def _fill(self, fill: Fill) -> bool:
        if fill.trade_id in self._trade_ids:
            return False
        self._trade_ids.add(fill.trade_id)
        self.fills.append(fill)
        record = self.orders.get(fill.client_order_id)
        if record is not None:
            record.fills.append(fill)
            record.filled += fill.quantity
            if not record.venue_order_id:
                record.venue_order_id = fill.venue_order_id
            if record.filled >= record.order.quantity:
                record.status = _S.FILLED
                self.open.pop(fill.client_order_id, None)
            else:
                record.status = _S.PARTIALLY_FILLED
        instrument = self.instruments[fill.instrument_id]
        qty = fill.signed_quantity
        realized = self.positions[fill.instrument_id].apply(qty, fill.price, fill.ts_event)
        cash = self._balances
        if instrument.is_spot:
            cash[instrument.base] = exact.add(cash.get(instrument.base, _ZERO), qty)
            paid = exact.dec_mul(exact.dec_mul(qty, fill.price), instrument.multiplier)
            cash[instrument.quote] = exact.sub(cash.get(instrument.quote, _ZERO), paid)
        elif realized:
            ccy = instrument.settlement
            cash[ccy] = exact.add(cash.get(ccy, _ZERO), realized)
        if fill.fee:
            cash[fill.fee_currency] = exact.sub(cash.get(fill.fee_currency, _ZERO), fill.fee)
        return True

    # ------------------------------------------------------------------- reads
    def position(self, instrument_id: InstrumentId) -> Decimal:
        """The net position in one instrument (0 when flat or never traded)."""
        position = self.positions.get(instrument_id)
        return _ZERO if position is None else position.quantity

    def balances(self) -> dict[str, Decimal]:
        """Every asset's balance (exact; a repeating average-cost PnL is rounded for display)."""
        return {asset: exact.to_decimal(value) for asset, value in self._balances.items()}

    def query(self, client_order_id: ClientOrderId, now: int) -> list[object]:
        """What a query about one order is answered with: its fills, then its status."""
        record = self.orders.get(client_order_id)
        if record is None:
            return [OrderNotFound(client_order_id, now, now)]
        return [*record.fills, record.report(now)]

    def account(
        self, since_ns: int | None, client_order_ids: Iterable[str], now: int
    ) -> VenueAccount:
        """Open orders plus the asked ones it knows, every position, balances, fills since."""
        wanted = dict(self.open)
        for coid in client_order_ids:
            record = self.orders.get(ClientOrderId(coid))
            if record is not None:
                wanted[record.order.client_order_id] = record
        fills = (
            self.fills if since_ns is None else [f for f in self.fills if f.ts_event >= since_ns]
        )
        return VenueAccount(
            venue=self.venue,
            orders=tuple(r.report(now) for r in wanted.values()),
            positions={iid: p.quantity for iid, p in self.positions.items()},
            balances=self.balances(),
            fills=tuple(fills),
            ts_event=now,
        )
