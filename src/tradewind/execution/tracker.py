"""The order tracker: orders in flight (sent, not yet acknowledged) and open, with their ages."""

from __future__ import annotations

from tradewind.engine.engine import Engine
from tradewind.model.enums import OrderStatus
from tradewind.model.events import (
    Fill,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRestored,
    OrderSubmitted,
)
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

_SUBMITTED = OrderStatus.SUBMITTED
_REQUESTS = (OrderPendingCancel, OrderPendingUpdate)


class TrackedOrder:
    """An open order and when its requests left: sent, acknowledged, last cancel or modify.

    A restored order (sent before a restart) keeps its age from when it was first sent;
    ``restored_ns`` is when it was taken back, and a request of it still unanswered then (the
    submit, a cancel or a modify) counts as waiting from that time.
    """

    __slots__ = ("acked_ns", "order", "request_ns", "restored_ns", "sent_ns")

    def __init__(self, order: Order, sent_ns: int, *, restored_ns: int | None = None) -> None:
        self.order = order
        self.sent_ns = sent_ns
        self.restored_ns = restored_ns
        self.acked_ns: int | None = None
        self.request_ns: int | None = None  # a cancel or modify awaiting its answer, sent then
        if restored_ns is not None:
            if not self.in_flight:
                self.acked_ns = restored_ns  # acknowledged before the restart: known since
            if order.is_pending:
                self.request_ns = restored_ns

    @property
    def in_flight(self) -> bool:
        """True until the venue has acknowledged (or filled) the order."""
        return self.order.working_status is _SUBMITTED

    def age_ns(self, now_ns: int) -> int:
        """Time since the order was sent."""
        return now_ns - self.sent_ns

    def waiting_since(self) -> int | None:
        """When the request still awaiting an answer left (the submit, a cancel or a modify)."""
        if self.in_flight:
            return self.sent_ns if self.restored_ns is None else self.restored_ns
        return self.request_ns if self.order.is_pending else None


class OrderTracker:
    """Keeps every open order from the engine's order events; a closed order leaves it.

    Orders come in when sent (OrderSubmitted) or taken back after a restart (OrderRestored,
    see ``Engine.restore_order``); a tracker built on an engine that already holds open orders
    adopts them at once.
    """

    def __init__(self, engine: Engine) -> None:
        self._orders: dict[ClientOrderId, TrackedOrder] = {}
        now = engine.clock.timestamp_ns()
        for order in list(engine.cache.open_orders.values()):
            self.adopt(order, now)
        engine.add_order_listener(self._on_order)
        engine.add_fill_listener(self._on_fill)

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, client_order_id: ClientOrderId) -> TrackedOrder | None:
        """The tracked order, if it is open."""
        return self._orders.get(client_order_id)

    def adopt(self, order: Order, now_ns: int) -> TrackedOrder | None:
        """Track an open order this run did not send (restored after a restart) from ``now_ns``.

        Its age counts from when it was first sent (``order.ts_init``); a request of it still
        unanswered waits from ``now_ns``. An order already tracked is kept as it is; a closed
        one is not tracked (None). ``Engine.restore_order`` does this through OrderRestored,
        which also wakes the reaper.
        """
        coid = order.client_order_id
        tracked = self._orders.get(coid)
        if tracked is None and not order.status.is_closed:
            tracked = self._orders[coid] = TrackedOrder(order, order.ts_init, restored_ns=now_ns)
        return tracked

    def open_orders(self) -> list[TrackedOrder]:
        """Every open order, in flight or acknowledged, oldest first."""
        return list(self._orders.values())

    def in_flight(self) -> list[TrackedOrder]:
        """Orders sent but not yet acknowledged, oldest first."""
        return [t for t in self._orders.values() if t.in_flight]

    def acknowledged(self) -> list[TrackedOrder]:
        """Orders the venue has acknowledged and that are still open, oldest first."""
        return [t for t in self._orders.values() if not t.in_flight]

    def waiting(self, now_ns: int, longer_than_ns: int) -> list[TrackedOrder]:
        """Orders whose submit, cancel or modify has had no answer for over ``longer_than_ns``."""
        stuck = []
        for tracked in self._orders.values():
            since = tracked.waiting_since()
            if since is not None and now_ns - since > longer_than_ns:
                stuck.append(tracked)
        return stuck

    def _on_order(self, order: Order, event: object) -> None:
        coid = order.client_order_id
        if event.__class__ is OrderSubmitted:
            self._orders[coid] = TrackedOrder(order, order.ts_init)
            return
        tracked = self._orders.get(coid)
        if tracked is not None:
            self._update(tracked, event)
        elif isinstance(event, OrderRestored):
            self.adopt(order, event.ts_event)

    def _on_fill(self, fill: Fill, order: Order) -> None:
        tracked = self._orders.get(order.client_order_id)
        if tracked is not None:
            self._update(tracked, fill)

    def _update(self, tracked: TrackedOrder, event: object) -> None:
        order = tracked.order
        if order.status.is_closed:
            del self._orders[order.client_order_id]
            return
        now = getattr(event, "ts_init", order.ts_last)
        if tracked.acked_ns is None and not tracked.in_flight:
            tracked.acked_ns = now
        if isinstance(event, _REQUESTS):
            tracked.request_ns = now
