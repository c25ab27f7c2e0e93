"""The order tracker and reaper: ages, time-to-live cancels, stuck requests resolved by query."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tradewind.engine import Engine, HistoricalClock
from tradewind.errors import ConfigError
from tradewind.execution import OrderReaper, OrderTracker, install
from tradewind.model import Fill, Order, OrderAccepted, OrderStatus, QuoteTick
from tradewind.model.events import (
    OrderNotFound,
    OrderQueried,
    OrderStatusReport,
    OrderSubmitted,
)
from tradewind.testing import (
    MILLISECOND,
    SECOND,
    T0,
    EngineHarness,
    RecordingStrategy,
    instrument,
    quote,
)
from tradewind.venues.simulated import LatencyModel, SimulatedVenue

from .scripted import AuditLog

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal
S = OrderStatus


class LossyVenue(SimulatedVenue):
    """The simulated venue behind a network that loses what a test says: reports, or submits."""

    def __init__(self, clock: HistoricalClock, lose: Callable[[object], bool]) -> None:
        latency = LatencyModel(fixed_ns=MILLISECOND)
        super().__init__("SIM", clock=clock, latency=latency, history_size=100)
        self.lose = lose
        self.submits: list[str] = []
        self.lost_submits = 0

    def connect(self, emit: Callable[[object], None]) -> None:
        super().connect(lambda event: None if self.lose(event) else emit(event))

    def submit(self, order: Order) -> None:
        self.submits.append(order.client_order_id)
        if self.lost_submits:
            self.lost_submits -= 1  # the request never reached the venue
            return
        super().submit(order)


class Rig:
    """Engine, lossy venue, reaper and a recording strategy, fed like the backtest."""

    def __init__(self, lose: Callable[[object], bool] = lambda e: False, **reaper: int) -> None:
        self.clock = HistoricalClock(T0)
        self.audit = AuditLog()
        self.engine = Engine(self.clock, audit=self.audit)
        self.venue = LossyVenue(self.clock, lose)
        self.engine.add_venue(self.venue)
        self.engine.add_instrument(BTC)
        reaper_ = install(self.engine, **reaper)
        assert reaper_ is not None
        self.reaper = reaper_
        self.strategy = RecordingStrategy([B])
        self.engine.add_strategy(self.strategy)
        self.engine.start()

    def feed(self, *events: QuoteTick) -> None:
        for event in events:
            due = self.clock.pop_due(event.ts_init)
            while due is not None:
                self.engine.process(due)
                due = self.clock.pop_due(event.ts_init)
            self.clock.now_ns = event.ts_init
            self.engine.process(event)

    def until(self, seconds: float) -> None:
        """Quote every half second from now until ``seconds`` after T0."""
        ts, end = self.clock.now_ns + SECOND // 2, T0 + int(seconds * SECOND)
        while ts <= end:
            self.feed(quote(B, 99.00, 101.00, ts))
            ts += SECOND // 2


def test_the_tracker_knows_what_is_in_flight_and_what_is_acknowledged_and_how_old() -> None:
    h = EngineHarness(BTC, start_ns=T0, latency=LatencyModel(fixed_ns=10 * MILLISECOND))
    tracker = OrderTracker(h.engine)
    s = h.add_strategy(RecordingStrategy([B]))
    h.start()
    order = s.submit_limit(B, "BUY", "1.000", "90.00")
    (tracked,) = tracker.in_flight()
    assert tracked.order is order and tracked.waiting_since() == T0
    h.feed(quote(B, 99.00, 101.00, T0 + 20 * MILLISECOND))
    assert tracker.in_flight() == [] and tracker.acknowledged() == [tracked]
    assert tracked.acked_ns == T0 + 10 * MILLISECOND and tracked.age_ns(T0 + SECOND) == SECOND
    s.cancel(order)
    assert tracked.waiting_since() == T0 + 20 * MILLISECOND
    assert tracker.waiting(T0 + 25 * MILLISECOND, 4 * MILLISECOND) == [tracked]
    h.feed(quote(B, 99.00, 101.00, T0 + 40 * MILLISECOND))
    assert len(tracker) == 0


def test_orders_past_their_time_to_live_are_canceled_but_contingent_exits_are_not() -> None:
    rig = Rig(ttl_ns=3 * SECOND)
    s = rig.strategy
    rig.until(0.5)
    old = s.submit_limit(B, "BUY", "1.000", "90.00")
    s.submit_market(B, "BUY", "1.000")
    group = s.submit_oco(
        s.stop_order(B, "SELL", "1.000", "95.00"), s.limit_order(B, "SELL", "1.000", "110.00")
    )
    rig.until(5)
    assert old.status is S.CANCELED
    assert rig.reaper.ttl_cancels == 1
    assert all(o.status is S.ACCEPTED for o in group.orders)


def test_a_submit_whose_reports_were_lost_is_resolved_by_query_never_resent() -> None:
    lost = {"OrderAccepted", "Fill"}
    rig = Rig(lambda e: type(e).__name__ in lost, in_flight_timeout_ns=2 * SECOND)
    rig.until(0.5)
    order = rig.strategy.submit_market(B, "BUY", "1.000")
    rig.until(1.5)
    assert order.status is S.SUBMITTED  # the venue filled it; we never heard
    lost.clear()
    rig.until(4)
    assert (order.status, order.filled_quantity) == (S.FILLED, D("1.000"))
    assert rig.venue.submits == [order.client_order_id]
    assert len(rig.audit.of(OrderSubmitted)) == 1
    assert len(rig.audit.of(OrderQueried)) == 1 and rig.audit.of(OrderStatusReport)
    assert len(rig.strategy.of("fill")) == 1


def test_a_submit_the_venue_never_received_is_rejected_after_repeated_not_found() -> None:
    rig = Rig(in_flight_timeout_ns=SECOND, max_not_found=3)
    rig.venue.lost_submits = 1
    rig.until(0.5)
    order = rig.strategy.submit_limit(B, "BUY", "1.000", "90.00")
    rig.until(4)
    assert order.status is S.SUBMITTED and len(rig.audit.of(OrderNotFound)) == 2
    rig.until(6)
    assert order.status is S.REJECTED and "not found at the venue after 3" in order.reason
    assert len(rig.audit.of(OrderNotFound)) == 3 and rig.reaper.lost == 1
    assert rig.venue.submits == [order.client_order_id]
    assert len(rig.audit.of(OrderSubmitted)) == 1


def test_the_reaper_stops_its_alarm_when_nothing_is_open() -> None:
    rig = Rig(ttl_ns=SECOND)
    rig.until(0.5)
    rig.strategy.submit_market(B, "BUY", "1.000")
    rig.until(3)
    assert rig.clock.pop_due(T0 + 3600 * SECOND) is None


def test_a_stuck_cancel_is_resolved_by_query_too() -> None:
    lost = {"OrderCanceled"}
    rig = Rig(lambda e: type(e).__name__ in lost, in_flight_timeout_ns=SECOND)
    rig.until(0.5)
    order = rig.strategy.submit_limit(B, "BUY", "1.000", "90.00")
    rig.until(1)
    rig.strategy.cancel(order)
    rig.until(1.5)
    assert order.status is S.PENDING_CANCEL
    lost.clear()
    rig.until(4)
    assert order.status is S.CANCELED
    assert isinstance(rig.audit.of(OrderAccepted)[0], OrderAccepted)
    assert not [f for f in rig.audit.events if isinstance(f, Fill)]


@pytest.mark.parametrize("field", ["ttl_ns", "in_flight_timeout_ns", "interval_ns"])
def test_a_reaper_timing_must_be_positive(field: str) -> None:
    engine = Engine(HistoricalClock(T0))
    with pytest.raises(ConfigError, match=field):
        OrderReaper(engine, OrderTracker(engine), **{field: 0})  # type: ignore[arg-type]
