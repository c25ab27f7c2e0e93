"""Orders restored after a restart: the tracker and reaper take them on, nothing is sent again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.engine import Engine, HistoricalClock
from tradewind.errors import OrderError
from tradewind.execution import OrderReaper, OrderTracker, install
from tradewind.model import ClientOrderId, Order, OrderSide, OrderStatus, OrderType, StrategyId
from tradewind.model.events import (
    OrderPendingCancel,
    OrderQueried,
    OrderRestored,
    OrderStatusReport,
    OrderSubmitted,
)
from tradewind.testing import SECOND, T0, RecordingStrategy

from .scripted import REMOTE, AuditLog, ScriptedVenue

S = OrderStatus
D = Decimal
RESTART = T0 + 60 * SECOND
"""The bot comes back a minute after its first life sent its orders."""


def journaled(coid: str, status: OrderStatus, working: OrderStatus, sent_ns: int) -> Order:
    """An order as recovery reads it back from the journal."""
    order = Order(
        ClientOrderId(coid),
        StrategyId("s"),
        REMOTE.id,
        OrderSide.BUY,
        OrderType.LIMIT,
        D("1.000"),
        price=D("100.00"),
        ts_init=sent_ns,
    )
    row = order.to_row()
    row.update(status=status.value, working_status=working.value, ts_last=sent_ns)
    if working is not S.SUBMITTED:
        row["venue_order_id"] = f"V-{coid}"
    return Order.from_row(row)


class Restarted:
    """A fresh engine on a venue that answers nothing unless told to, at ``RESTART``."""

    def __init__(self) -> None:
        self.clock = HistoricalClock(RESTART)
        self.audit = AuditLog()
        self.engine = Engine(self.clock, audit=self.audit)
        self.venue = ScriptedVenue()
        self.engine.add_venue(self.venue)
        self.engine.add_instrument(REMOTE)
        self.heard: list[object] = []
        self.engine.add_order_listener(lambda order, event: self.heard.append(event))

    def advance(self, seconds: float) -> None:
        """Fire every alarm due up to ``seconds`` after the restart."""
        until = RESTART + int(seconds * SECOND)
        due = self.clock.pop_due(until)
        while due is not None:
            self.engine.process(due)
            due = self.clock.pop_due(until)
        self.clock.now_ns = until

    def answer(self, order: Order, status: OrderStatus) -> None:
        """The venue finally answers a query about ``order``."""
        now = self.clock.now_ns
        self.engine.process(
            OrderStatusReport(
                order.client_order_id, "V-9", status, False, order.quantity, D(0), now, now
            )
        )


@pytest.mark.parametrize(
    ("status", "working", "answer"),
    [(S.SUBMITTED, S.SUBMITTED, S.ACCEPTED), (S.PENDING_CANCEL, S.ACCEPTED, S.CANCELED)],
    ids=["submit-unanswered", "cancel-unanswered"],
)
def test_a_restored_request_still_unanswered_is_queried_after_the_timeout_never_resent(
    status: OrderStatus, working: OrderStatus, answer: OrderStatus
) -> None:
    rig = Restarted()
    reaper = install(rig.engine, in_flight_timeout_ns=2 * SECOND)
    assert reaper is not None
    order = journaled("R1-000001", status, working, sent_ns=T0)
    rig.engine.restore_order(order)
    rig.advance(1.5)
    assert rig.venue.queried == []  # the request waits from the restore, not from T0
    rig.advance(3.5)
    assert rig.venue.queried == [order.client_order_id]
    rig.advance(6.5)
    assert rig.venue.queried == [order.client_order_id] * 2  # again while unanswered
    rig.answer(order, answer)
    assert order.status is answer and not order.is_pending
    rig.advance(20)
    assert len(rig.venue.queried) == 2 == reaper.queries
    assert rig.venue.submitted == [] and rig.venue.canceled == []
    assert rig.audit.of(OrderSubmitted) == [] and len(rig.audit.of(OrderQueried)) == 2


def test_a_cancel_sent_after_the_restart_that_gets_no_answer_is_queried() -> None:
    rig = Restarted()
    install(rig.engine, in_flight_timeout_ns=2 * SECOND)
    order = journaled("R1-000001", S.ACCEPTED, S.ACCEPTED, sent_ns=T0)
    rig.engine.restore_order(order)
    rig.advance(5)
    assert rig.venue.queried == []  # acknowledged, nothing asked: nothing to resolve
    rig.engine.cancel_order(order)
    rig.advance(8.5)
    assert order.status is S.PENDING_CANCEL and rig.venue.queried == [order.client_order_id]
    rig.answer(order, S.CANCELED)
    assert order.status is S.CANCELED
    assert rig.venue.canceled == [order.client_order_id] and rig.venue.submitted == []


def test_restored_orders_past_their_time_to_live_are_canceled_by_their_first_send_time() -> None:
    rig = Restarted()
    reaper = install(rig.engine, ttl_ns=30 * SECOND)
    assert reaper is not None
    old = journaled("R1-000001", S.ACCEPTED, S.ACCEPTED, sent_ns=T0)
    young = journaled("R1-000002", S.ACCEPTED, S.ACCEPTED, sent_ns=RESTART - 10 * SECOND)
    exit_ = journaled("R1-000003", S.ACCEPTED, S.ACCEPTED, sent_ns=T0)
    exit_.tags = ("group:G-000001:stop_loss",)
    for order in (old, young, exit_):
        rig.engine.restore_order(order)
    rig.advance(1)
    assert rig.venue.canceled == [old.client_order_id]
    assert old.status is S.PENDING_CANCEL and young.status is S.ACCEPTED
    rig.advance(21)
    assert rig.venue.canceled == [old.client_order_id, young.client_order_id]
    assert exit_.status is S.ACCEPTED  # a contingent exit's protection stays
    assert reaper.ttl_cancels == 2


def test_a_reaper_installed_after_the_restore_adopts_the_orders_already_open() -> None:
    rig = Restarted()
    order = journaled("R1-000001", S.ACCEPTED, S.ACCEPTED, sent_ns=T0)
    rig.engine.restore_order(order)
    tracker = OrderTracker(rig.engine)
    (tracked,) = tracker.open_orders()
    assert tracked.order is order and tracked.age_ns(RESTART) == 60 * SECOND
    assert tracked.restored_ns == RESTART and tracked.waiting_since() is None
    OrderReaper(rig.engine, tracker, ttl_ns=30 * SECOND)
    rig.advance(1)
    assert order.status is S.PENDING_CANCEL and rig.venue.canceled == [order.client_order_id]


def test_adopting_an_order_twice_keeps_one_and_a_closed_order_is_not_adopted() -> None:
    rig = Restarted()
    tracker = OrderTracker(rig.engine)
    order = journaled("R1-000001", S.SUBMITTED, S.SUBMITTED, sent_ns=T0)
    first = tracker.adopt(order, RESTART)
    assert first is not None and tracker.adopt(order, RESTART + SECOND) is first
    assert first.waiting_since() == RESTART and tracker.in_flight() == [first]
    closed = journaled("R1-000002", S.CANCELED, S.CANCELED, sent_ns=T0)
    assert tracker.adopt(closed, RESTART) is None and len(tracker) == 1


def test_a_restored_order_is_cached_audited_and_told_to_order_listeners_only() -> None:
    rig = Restarted()
    strategy = RecordingStrategy(kinds=(), strategy_id="s")
    rig.engine.add_strategy(strategy)
    rig.engine.start()
    order = journaled("R1-000001", S.PENDING_CANCEL, S.ACCEPTED, sent_ns=T0)
    rig.engine.restore_order(order)
    assert rig.engine.cache.orders[order.client_order_id] is order
    assert rig.engine.cache.open_orders == {order.client_order_id: order}
    restored = OrderRestored(order.client_order_id, S.PENDING_CANCEL, RESTART, RESTART)
    assert rig.heard == [restored] and rig.audit.events == [restored]
    assert strategy.of("order") == []  # nothing changed for the strategy: it is as it was
    assert rig.venue.submitted == [] and rig.venue.canceled == [] and rig.venue.queried == []
    rig.engine.cancel_order(order)  # a cancel already pending is not sent again
    assert rig.audit.of(OrderPendingCancel) == []


def test_only_an_open_order_not_yet_in_the_engine_can_be_restored() -> None:
    rig = Restarted()
    with pytest.raises(OrderError, match="R1-000001 is CANCELED: only an open order"):
        rig.engine.restore_order(journaled("R1-000001", S.CANCELED, S.CANCELED, sent_ns=T0))
    order = journaled("R1-000002", S.ACCEPTED, S.ACCEPTED, sent_ns=T0)
    rig.engine.restore_order(order)
    with pytest.raises(OrderError, match="R1-000002 is already in the engine"):
        rig.engine.restore_order(order)
    assert len(rig.heard) == 1
