"""The engine's order paths: cancel and modify requests, venue answers, repeats and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.engine.protocols import VenueCapabilities
from tradewind.errors import OrderError
from tradewind.model import (
    ClientOrderId,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderStatus,
    OrderTriggered,
)
from tradewind.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderNotFound,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderStatusReport,
    OrderSubmitted,
    OrderUpdated,
    ReportRefused,
)
from tradewind.testing import T0

from .scripted import REMOTE, fill_of, scripted_engine

S = OrderStatus
D = Decimal


def accepted(order: Order) -> OrderAccepted:
    return OrderAccepted(order.client_order_id, "V-1", T0, T0)


def working_order(stop: bool = False):  # type: ignore[no-untyped-def]
    engine, venue, strategy, audit = scripted_engine()
    if stop:
        order = strategy.submit_stop(REMOTE.id, "SELL", "1.000", "95.00", limit_price="94.00")
    else:
        order = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "100.00")
    engine.process(accepted(order))
    return engine, venue, strategy, audit, order


def heard(strategy) -> list[str]:  # type: ignore[no-untyped-def]
    return [type(c.event).__name__ for c in strategy.of("order")]


# ----------------------------------------------------------------- cancels
def test_a_cancel_makes_the_order_pending_cancel_until_the_venue_answers() -> None:
    engine, venue, strategy, audit, order = working_order()
    strategy.cancel(order)
    assert order.status is S.PENDING_CANCEL and order.is_open
    assert venue.canceled == [order.client_order_id]
    assert audit.of(OrderPendingCancel)
    engine.process(OrderCanceled(order.client_order_id, "canceled", T0 + 1, T0 + 1))
    assert order.status is S.CANCELED
    assert engine.cache.open_orders == {}


def test_a_canceled_order_keeps_the_venues_reason_and_its_listeners_see_it() -> None:
    engine, _, _, _, order = working_order()
    seen: list[str] = []
    engine.add_order_listener(lambda o, event: seen.append(o.reason))
    reason = "self-trade prevention: canceled by the venue"
    engine.process(OrderCanceled(order.client_order_id, reason, T0 + 1, T0 + 1))
    assert (order.status, order.reason) == (S.CANCELED, reason)
    assert seen == [reason]  # already on the order when its listeners hear of the cancel
    assert order.to_row()["reason"] == reason  # what the journal keeps


def test_a_second_cancel_while_one_is_pending_is_not_sent() -> None:
    engine, venue, strategy, _, order = working_order()
    strategy.cancel(order)
    strategy.cancel(order)
    engine.cancel_all()
    assert venue.canceled == [order.client_order_id]


def test_a_rejected_cancel_puts_the_order_back_to_work() -> None:
    engine, venue, strategy, _, order = working_order()
    strategy.cancel(order)
    engine.process(OrderCancelRejected(order.client_order_id, "busy", T0 + 1, T0 + 1))
    assert order.status is S.ACCEPTED
    assert heard(strategy)[-1] == "OrderCancelRejected"
    strategy.cancel(order)
    assert len(venue.canceled) == 2


def test_a_fill_can_arrive_while_a_cancel_is_pending() -> None:
    engine, _, strategy, _, order = working_order()
    strategy.cancel(order)
    engine.process(fill_of(order, "0.400", "T-1"))
    assert (order.status, order.working_status) == (S.PENDING_CANCEL, S.PARTIALLY_FILLED)
    engine.process(OrderCancelRejected(order.client_order_id, "no", T0 + 1, T0 + 1))
    assert order.status is S.PARTIALLY_FILLED
    assert order.filled_quantity == D("0.400")


def test_a_cancel_refused_after_the_order_filled_is_a_crossing_not_an_illegal_report() -> None:
    engine, _, strategy, _, order = working_order()
    strategy.cancel(order)
    engine.process(fill_of(order, "1.000", "T-1"))
    engine.process(OrderCancelRejected(order.client_order_id, "unknown order", T0 + 1, T0 + 1))
    assert order.status is S.FILLED
    assert engine.illegal_reports == 0


# ---------------------------------------------------------------- modifies
def test_a_modify_sends_the_new_terms_and_the_update_applies_them() -> None:
    engine, venue, strategy, audit, order = working_order()
    assert strategy.modify(order, price="99.50", quantity="2.000")
    assert order.status is S.PENDING_UPDATE
    assert venue.modified == [(order.client_order_id, D("2.000"), D("99.50"), None)]
    assert isinstance(audit.of(OrderPendingUpdate)[0], OrderPendingUpdate)
    assert order.price == D("100.00")  # unchanged until the venue says so
    engine.process(OrderUpdated(order.client_order_id, "V-1", D("2.000"), D("99.50"), None, 5, 5))
    assert (order.status, order.quantity, order.price) == (S.ACCEPTED, D("2.000"), D("99.50"))
    assert heard(strategy)[-1] == "OrderUpdated"


def test_a_rejected_modify_leaves_the_terms_and_the_order_working() -> None:
    engine, _, strategy, _, order = working_order()
    strategy.modify(order, price="99.00")
    engine.process(OrderModifyRejected(order.client_order_id, "too late", T0 + 1, T0 + 1))
    assert (order.status, order.price) == (S.ACCEPTED, D("100.00"))
    assert heard(strategy)[-1] == "OrderModifyRejected"


def test_a_stop_limit_can_change_its_trigger_and_limit() -> None:
    _, venue, strategy, _, order = working_order(stop=True)
    assert strategy.modify(order, trigger_price="96.00", price="95.00")
    assert venue.modified == [(order.client_order_id, D("1.000"), D("95.00"), D("96.00"))]


def test_a_modify_is_not_sent_when_the_order_cannot_take_one_now() -> None:
    engine, venue, strategy, _, order = working_order()
    assert not strategy.modify(order, price="100.00")  # nothing changes
    assert strategy.modify(order, price="99.00")
    assert not strategy.modify(order, price="98.00")  # one awaiting its answer
    in_flight = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "90.00")
    assert not strategy.modify(in_flight, price="91.00")  # not acknowledged yet
    engine.process(OrderCanceled(in_flight.client_order_id, "x", T0, T0))
    assert not strategy.modify(in_flight, price="91.00")  # closed
    assert len(venue.modified) == 1


def test_a_modify_with_terms_the_order_cannot_have_raises() -> None:
    engine, _, strategy, _, order = working_order()
    engine.process(fill_of(order, "0.400", "T-1"))
    with pytest.raises(OrderError, match="trigger_price"):
        strategy.modify(order, trigger_price="99.00")
    with pytest.raises(OrderError, match=r"not above the 0\.400"):
        strategy.modify(order, quantity="0.400")
    with pytest.raises(OrderError, match="tick grid"):
        strategy.modify(order, price="99.001")


def test_a_venue_that_cannot_modify_is_refused_with_the_fix() -> None:
    engine, _, strategy, _ = scripted_engine(VenueCapabilities(modify=False))
    order = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "100.00")
    engine.process(accepted(order))
    with pytest.raises(OrderError, match="cannot modify orders: cancel"):
        strategy.modify(order, price="99.00")


def test_a_pre_trade_check_sees_the_amended_order_and_its_denial_rejects_the_modify() -> None:
    engine, venue, strategy, _, order = working_order()
    seen: list[Decimal] = []

    def max_size(o: Order, _: object) -> OrderDenied | None:
        seen.append(o.quantity)
        if o.quantity > 1:
            return OrderDenied(o.client_order_id, "MAX_SIZE", "over 1", 0, 0)
        return None

    engine.add_pre_trade_check(max_size)
    strategy.modify(order, quantity="5.000")
    engine.process(OrderTriggered(ClientOrderId("nope"), T0, T0))  # drains the queue
    assert seen == [D("5.000")]
    assert venue.modified == []
    assert (order.status, order.quantity) == (S.ACCEPTED, D("1.000"))
    rejected = strategy.of("order")[-1].event
    assert isinstance(rejected, OrderModifyRejected) and "MAX_SIZE" in rejected.reason


def test_a_cancel_may_follow_a_pending_modify_and_both_answers_are_applied() -> None:
    engine, _, strategy, _, order = working_order()
    strategy.modify(order, price="99.00")
    strategy.cancel(order)
    assert order.status is S.PENDING_CANCEL and order.update_pending
    engine.process(OrderUpdated(order.client_order_id, "V-1", D("1.000"), D("99.00"), None, 5, 5))
    assert (order.status, order.price) == (S.PENDING_CANCEL, D("99.00"))
    engine.process(OrderCanceled(order.client_order_id, "canceled", 6, 6))
    assert order.status is S.CANCELED
    assert engine.illegal_reports == 0


# ------------------------------------------------------- refused reports
def test_a_repeated_fill_is_a_duplicate_and_is_booked_once() -> None:
    engine, _, strategy, audit, order = working_order()
    engine.process(fill_of(order, "0.300", "T-1"))
    engine.process(fill_of(order, "0.300", "T-1"))
    assert order.filled_quantity == D("0.300")
    assert (engine.duplicate_reports, engine.illegal_reports) == (1, 0)
    (refused,) = audit.of(ReportRefused)
    assert isinstance(refused, ReportRefused) and refused.duplicate and refused.report == "Fill"
    assert len(strategy.of("fill")) == 1


def test_an_overfill_is_illegal_audited_and_never_applied() -> None:
    engine, _, _, audit, order = working_order()
    engine.process(fill_of(order, "0.800", "T-1"))
    engine.process(fill_of(order, "0.300", "T-2"))
    assert order.filled_quantity == D("0.800")
    assert engine.illegal_reports == 1
    (refused,) = audit.of(ReportRefused)
    assert isinstance(refused, ReportRefused) and "overfill" in refused.reason
    assert not refused.duplicate


def test_repeated_acknowledgements_and_closes_are_duplicates_not_transitions() -> None:
    engine, _, strategy, _, order = working_order()
    engine.process(accepted(order))
    engine.process(OrderCanceled(order.client_order_id, "x", T0, T0))
    engine.process(OrderCanceled(order.client_order_id, "x", T0, T0))
    assert order.status is S.CANCELED
    assert (engine.duplicate_reports, engine.illegal_reports) == (2, 0)
    assert heard(strategy) == ["OrderAccepted", "OrderCanceled"]


@pytest.mark.parametrize(
    "report",
    [
        OrderUpdated(ClientOrderId("O-000001"), "V-1", D("2.000"), D("1.00"), None, T0, T0),
        OrderCancelRejected(ClientOrderId("O-000001"), "x", T0, T0),
        OrderModifyRejected(ClientOrderId("O-000001"), "x", T0, T0),
        OrderTriggered(ClientOrderId("O-000001"), T0, T0),
    ],
    ids=lambda r: type(r).__name__,
)
def test_an_answer_nobody_asked_for_on_a_submitted_order_is_illegal(report: object) -> None:
    engine, _, strategy, audit = scripted_engine()
    order = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "100.00")
    engine.process(report)
    assert engine.illegal_reports == 1
    assert order.status is S.SUBMITTED
    assert len(audit.of(ReportRefused)) == 1
    assert heard(strategy) == []


def test_reports_about_an_unknown_order_are_counted() -> None:
    engine, *_ = scripted_engine()
    engine.process(OrderNotFound(ClientOrderId("X-1"), T0, T0))
    engine.process(OrderCancelRejected(ClientOrderId("X-1"), "x", T0, T0))
    assert engine.illegal_reports == 2


# ------------------------------------------------------------ query answers
def test_a_status_report_acknowledges_an_order_in_flight_and_a_trigger() -> None:
    engine, venue, strategy, _ = scripted_engine()
    order = strategy.submit_stop(REMOTE.id, "SELL", "1.000", "95.00")
    engine.query_order(order)
    assert venue.queried == [order.client_order_id] and venue.submitted == [order.client_order_id]
    report = OrderStatusReport(
        order.client_order_id, "V-9", S.ACCEPTED, True, D("1.000"), D(0), T0, T0
    )
    engine.process(report)
    assert (order.status, order.venue_order_id) == (S.TRIGGERED, "V-9")
    engine.process(report)  # the same answer again changes nothing
    assert order.status is S.TRIGGERED and engine.illegal_reports == 0


@pytest.mark.parametrize("status", [S.CANCELED, S.EXPIRED, S.REJECTED])
def test_a_status_report_closes_an_order_the_venue_has_closed(status: OrderStatus) -> None:
    engine, _, strategy, _ = scripted_engine()
    order = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "100.00")
    engine.process(OrderStatusReport(order.client_order_id, "V", status, False, D(1), D(0), 1, 1))
    assert order.status is status
    assert engine.cache.open_orders == {}


def test_a_status_report_saying_filled_without_the_fills_is_refused() -> None:
    engine, *_, order = working_order()
    engine.process(
        OrderStatusReport(order.client_order_id, "V-1", S.FILLED, False, D(1), D(1), 1, 1)
    )
    assert order.status is S.ACCEPTED
    assert engine.illegal_reports == 1


def test_order_listeners_hear_requests_reports_and_query_answers_before_the_strategy() -> None:
    engine, _, strategy, _ = scripted_engine()
    heard_first: list[tuple[str, int]] = []
    engine.add_order_listener(
        lambda order, event: heard_first.append((type(event).__name__, len(strategy.calls)))
    )
    order = strategy.submit_limit(REMOTE.id, "BUY", "1.000", "100.00")
    engine.process(accepted(order))
    strategy.cancel(order)
    engine.process(OrderNotFound(order.client_order_id, T0, T0))
    names = [name for name, _ in heard_first]
    assert names == ["OrderSubmitted", "OrderAccepted", "OrderPendingCancel", "OrderNotFound"]
    assert heard_first[1][1] == 1  # the strategy had not heard of the acknowledgement yet
    assert isinstance(engine.cache.orders[order.client_order_id], Order)
    assert OrderSubmitted.__name__ in names
