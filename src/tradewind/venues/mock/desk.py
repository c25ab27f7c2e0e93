"""The mock venue's order desk: takes orders once, refuses repeats, routes cancels and queries."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tradewind.errors import OrderError
from tradewind.model.enums import OrderStatus, OrderType, TimeInForce
from tradewind.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.venues.mock.ledger import AccountLedger
from tradewind.venues.mock.protocol import Cancel, Modify, Query, Submit
from tradewind.venues.simulated import SimulatedVenue

log = logging.getLogger("tradewind.venues.mock.server")

UNKNOWN = "order is unknown to the venue: it was never received"


class OrderDesk:
    """Between the wire and the matching engine: every order request goes through here.

    A client order id is taken once: a second submit of it is refused (an OrderRejected
    "duplicate client order id ..." to the sender only) and counted in ``duplicate_submits``.
    An order is on the books from the moment it is received, even if refused on sight.
    Each method returns the answers meant for the requester alone; reports of the account
    go to ``report`` (which books, numbers and streams them).
    """

    def __init__(
        self,
        ledger: AccountLedger,
        matching: SimulatedVenue,
        report: Callable[[object], None],
        now: Callable[[], int],
    ) -> None:
        self.ledger = ledger
        self.matching = matching
        self._report = report
        self._now = now
        self.orders_received = 0
        self.duplicate_submits = 0

    def submit(self, msg: Submit) -> list[object]:
        """A new order: refused as a duplicate, refused on sight, or sent to the matching."""
        self.orders_received += 1
        now = self._now()
        coid = ClientOrderId(msg.client_order_id)
        if coid in self.ledger.orders:
            self.duplicate_submits += 1
            log.warning("mock venue: refused a second submit of %s", coid)
            reason = f"duplicate client order id {coid}: the venue already has this order"
            return [OrderRejected(coid, reason, now, now)]
        order = order_from_submit(msg, now)
        self.ledger.receive(order)
        why = refusal(msg, self.ledger.instruments.get(order.instrument_id))
        if why:
            self._report(OrderRejected(coid, why, now, now))
        else:
            self.matching.submit(order)
        return []

    def cancel(self, msg: Cancel) -> list[object]:
        """Cancel an order it has (the matching answers after its latency)."""
        now = self._now()
        coid = ClientOrderId(msg.client_order_id)
        record = self.ledger.orders.get(coid)
        if record is None:
            return [OrderCancelRejected(coid, UNKNOWN, now, now)]
        self.matching.cancel(record.order)
        return []

    def modify(self, msg: Modify) -> list[object]:
        """Amend an order it has to new terms (the matching answers after its latency)."""
        now = self._now()
        coid = ClientOrderId(msg.client_order_id)
        record = self.ledger.orders.get(coid)
        if record is None:
            return [OrderModifyRejected(coid, UNKNOWN, now, now)]
        terms = (msg.quantity, msg.price, msg.trigger_price)
        if not all(v is None or (v.is_finite() and v > 0) for v in terms):
            self._report(OrderModifyRejected(coid, "new terms must be finite and > 0", now, now))
            return []
        self.matching.modify(
            record.order, quantity=msg.quantity, price=msg.price, trigger_price=msg.trigger_price
        )
        return []

    def query(self, msg: Query) -> list[object]:
        """An order's fills then its status; OrderNotFound for one never received.

        An order still on its way to the matching engine (within its latency) gets no answer:
        its acknowledgement is on its way, and an unanswered query is asked again.
        """
        now = self._now()
        coid = ClientOrderId(msg.client_order_id)
        record = self.ledger.orders.get(coid)
        if record is None:
            return [OrderNotFound(coid, now, now)]
        if record.status is OrderStatus.SUBMITTED:
            return []
        return self.ledger.query(coid, now)


def order_from_submit(msg: Submit, now: int) -> Order:
    """The order a ``Submit`` asks for, as the venue keeps it (no strategy: venues know none)."""
    return Order(
        ClientOrderId(msg.client_order_id),
        StrategyId(""),
        InstrumentId(msg.instrument_id),
        msg.side,
        msg.order_type,
        msg.quantity,
        price=msg.price,
        trigger_price=msg.trigger_price,
        time_in_force=msg.time_in_force,
        expire_time_ns=msg.expire_time_ns,
        post_only=msg.post_only,
        reduce_only=msg.reduce_only,
        ts_init=now,
    )


_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def refusal(msg: Submit, instrument: Instrument | None) -> str:
    """Why the venue refuses a new order on sight ("" when it takes it), as a real venue would:
    an unlisted instrument, numbers that are not finite, off the grid or below a minimum."""
    if instrument is None:
        return f"{msg.instrument_id} is not listed on this venue"
    numbers = (msg.quantity, msg.price, msg.trigger_price)
    if not all(n is None or n.is_finite() for n in numbers):
        return "quantity and prices must be finite numbers"
    if msg.order_type in _PRICED and msg.price is None:
        return f"a {msg.order_type.value} order needs a price"
    if msg.order_type in _STOPS and msg.trigger_price is None:
        return f"a {msg.order_type.value} order needs a trigger price"
    if msg.time_in_force is TimeInForce.GTD and msg.expire_time_ns is None:
        return "a GTD order needs an expire time"
    try:
        for price, what in ((msg.price, "price"), (msg.trigger_price, "trigger price")):
            if price is not None:
                instrument.check_price(price, what)
        instrument.check_quantity(msg.quantity, msg.price)
    except OrderError as exc:
        return str(exc)
    return ""
