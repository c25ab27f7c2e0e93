"""The order reaper: cancels orders past their time-to-live and resolves requests stuck in flight.

It runs on an engine clock alarm, re-armed while orders are open (so an idle engine gets no
timer events). A submit, cancel or modify with no answer after ``in_flight_timeout_ns`` is
resolved by asking the venue for the order by client order id (``query_order``), again every
``in_flight_timeout_ns`` while it stays unanswered — never by sending the order again. A submit
the venue answers ``OrderNotFound`` to ``max_not_found`` times is closed as REJECTED.

Orders taken back after a restart (``Engine.restore_order``, heard as OrderRestored) are reaped
too: their time-to-live counts from when they were first sent, and a request of theirs still
unanswered is queried ``in_flight_timeout_ns`` after the restore.
"""

from __future__ import annotations

from collections.abc import Callable

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.execution.tracker import OrderTracker
from tradewind.model.contingency import GROUP_TAG_PREFIX
from tradewind.model.enums import OrderStatus
from tradewind.model.events import OrderNotFound, OrderRestored, OrderSubmitted, TimeEvent
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

SECOND = 1_000_000_000
OWNER = "execution:reaper"
"""The clock owner of the reaper's alarm."""


def in_contingent_group(order: Order) -> bool:
    """True for an order of a bracket, OCO, OTO or trailing stop (its protection stays)."""
    return any(tag.startswith(GROUP_TAG_PREFIX) for tag in order.tags)


class OrderReaper:
    """Cancels orders older than ``ttl_ns`` and queries the venue about unanswered requests.

    ``exempt`` orders are never canceled for age (by default: contingent group orders, whose
    exits must not expire under a position). Counters: ``ttl_cancels``, ``queries``, ``lost``.
    """

    def __init__(
        self,
        engine: Engine,
        tracker: OrderTracker,
        *,
        ttl_ns: int | None = None,
        in_flight_timeout_ns: int | None = None,
        interval_ns: int = SECOND,
        max_not_found: int = 3,
        exempt: Callable[[Order], bool] = in_contingent_group,
    ) -> None:
        for name, value in (
            ("ttl_ns", ttl_ns),
            ("in_flight_timeout_ns", in_flight_timeout_ns),
            ("interval_ns", interval_ns),
            ("max_not_found", max_not_found),
        ):
            if value is not None and value <= 0:
                raise ConfigError(f"order reaper {name} must be > 0 (got {value})")
        self._engine = engine
        self._tracker = tracker
        self.ttl_ns = ttl_ns
        self.in_flight_timeout_ns = in_flight_timeout_ns
        self.interval_ns = interval_ns
        self.max_not_found = max_not_found
        self._exempt = exempt
        self._armed = False
        self._queried: dict[ClientOrderId, int] = {}
        self._not_found: dict[ClientOrderId, int] = {}
        self.ttl_cancels = 0
        self.queries = 0
        self.lost = 0
        engine.add_time_handler(OWNER, self._on_timer)
        engine.add_order_listener(self._on_order)
        if len(tracker):  # open orders adopted before us (built after a restore)
            self._arm(engine.clock.timestamp_ns())

    def _on_order(self, order: Order, event: object) -> None:
        kind = event.__class__
        if kind is OrderSubmitted or kind is OrderRestored:
            if not self._armed:  # the tracker, listening first, has it already
                self._arm(self._engine.clock.timestamp_ns())
        elif kind is OrderNotFound:
            coid = order.client_order_id
            count = self._not_found.get(coid, 0) + 1
            self._not_found[coid] = count
            if count >= self.max_not_found:
                reason = f"not found at the venue after {count} queries: never received"
                if self._engine.reject_lost_order(order, reason):
                    self.lost += 1

    def _arm(self, now: int) -> None:
        self._armed = True
        self._engine.clock.set_alarm("reap", OWNER, now + self.interval_ns)

    def _on_timer(self, event: TimeEvent) -> None:
        self._armed = False
        now = event.ts_event
        engine = self._engine
        if self.ttl_ns is not None:
            for tracked in self._tracker.open_orders():
                order = tracked.order
                if (
                    tracked.age_ns(now) >= self.ttl_ns
                    and order.status is not OrderStatus.PENDING_CANCEL
                    and not self._exempt(order)
                ):
                    engine.cancel_order(order)
                    self.ttl_cancels += 1
        timeout = self.in_flight_timeout_ns
        if timeout is not None:
            for tracked in self._tracker.waiting(now, timeout):
                coid = tracked.order.client_order_id
                last = self._queried.get(coid)
                if last is None or now - last >= timeout:
                    self._queried[coid] = now
                    self.queries += 1
                    engine.query_order(tracked.order)
        for memo in (self._queried, self._not_found):
            for coid in [c for c in memo if self._tracker.get(c) is None]:
                del memo[coid]
        if len(self._tracker):
            self._arm(now)
