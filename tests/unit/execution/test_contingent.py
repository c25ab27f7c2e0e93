"""Brackets, OCO and OTO, emulated on the simulated venue, end to end through the engine."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tradewind.engine.protocols import VenueCapabilities
from tradewind.errors import StrategyError
from tradewind.model import Order, OrderCanceled, OrderDenied, OrderStatus, OrderType, QuoteTick
from tradewind.model.contingency import GroupState, OrderGroup
from tradewind.model.events import OrderUpdated
from tradewind.testing import (
    MILLISECOND,
    SECOND,
    T0,
    Callback,
    EngineHarness,
    ScriptedStrategy,
    instrument,
    quote,
)
from tradewind.venues.simulated import LatencyModel

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal
S = OrderStatus
Action = Callable[[ScriptedStrategy], OrderGroup]


def q(bid: float, ask: float, k: int, bid_size: float = 10.0, ask_size: float = 10.0) -> QuoteTick:
    return quote(B, bid, ask, T0 + k * SECOND, bid_size, ask_size)


def setup(
    action: Action,
    *,
    latency: LatencyModel | None = None,
    modify: bool = True,
    deny: OrderType | None = None,
) -> tuple[EngineHarness, ScriptedStrategy, list[OrderGroup]]:
    """A harness whose strategy runs ``action`` on a first quote (100.00/100.10) and keeps
    the group."""
    h = EngineHarness(BTC, start_ns=T0, latency=latency)
    if not modify:
        h.venue.capabilities = VenueCapabilities(modify=False)
    if deny is not None:
        h.engine.add_pre_trade_check(denial_of(deny))
    groups: list[OrderGroup] = []

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 1:
            groups.append(action(s))

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(q(100.00, 100.10, 0))
    return h, s, groups


def sizes(group: OrderGroup, role: str) -> list[tuple[Decimal, Decimal, OrderStatus]]:
    return [
        (o.quantity, o.filled_quantity, o.status) for o in group.orders if group.role_of(o) == role
    ]


def position(h: EngineHarness) -> Decimal:
    return h.portfolio.position(B).quantity


def denial_of(order_type: OrderType) -> Callable[[Order, object], OrderDenied | None]:
    def check(order: Order, _: object) -> OrderDenied | None:
        if order.order_type is order_type:
            return OrderDenied(order.client_order_id, "NO_STOPS", "stops are off", 0, 0)
        return None

    return check


# ------------------------------------------------------------------- OTO
def oto(s: ScriptedStrategy) -> OrderGroup:
    parent = s.limit_order(B, "BUY", "1.000", "100.00")
    child = s.limit_order(B, "SELL", "1.000", "110.00")
    return s.submit_oto(parent, child)


def test_an_oto_child_waits_for_the_parent_then_follows_its_fills() -> None:
    h, _, (g,) = setup(oto)
    h.feed(q(100.50, 100.60, 1))
    assert g.order("child") is None and g.state is GroupState.WORKING
    h.feed(q(99.90, 100.00, 2, ask_size=0.4))
    assert sizes(g, "child") == [(D("0.400"), D(0), S.ACCEPTED)]
    h.feed(q(99.90, 100.00, 3))
    assert sizes(g, "child") == [(D("1.000"), D(0), S.ACCEPTED)]
    assert h.reports(OrderUpdated)
    h.feed(q(110.00, 110.10, 4))
    assert sizes(g, "child") == [(D("1.000"), D("1.000"), S.FILLED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0


def test_a_filled_oto_child_is_followed_by_a_new_one_for_later_parent_fills() -> None:
    def quick(s: ScriptedStrategy) -> OrderGroup:
        parent = s.limit_order(B, "BUY", "1.000", "100.00")
        return s.submit_oto(parent, s.limit_order(B, "SELL", "1.000", "100.10"))

    h, _, (g,) = setup(quick)
    h.feed(q(99.90, 100.00, 1, ask_size=0.4), q(100.10, 100.20, 2), q(99.90, 100.00, 3))
    assert sizes(g, "child") == [
        (D("0.400"), D("0.400"), S.FILLED),
        (D("0.600"), D(0), S.ACCEPTED),
    ]
    assert position(h) == D("0.600")


def test_an_oto_whose_parent_is_canceled_unfilled_ends_canceled_without_a_child() -> None:
    h, s, (g,) = setup(oto)
    parent = g.order("parent")
    assert parent is not None
    s.cancel(parent)
    h.feed(q(100.50, 100.60, 1))
    assert g.state is GroupState.CANCELED and g.order("child") is None
    assert g.is_done


def test_an_oto_child_rejected_by_the_venue_fails_the_group_and_keep_leaves_the_rest() -> None:
    def post_only_child(s: ScriptedStrategy) -> OrderGroup:
        parent = s.limit_order(B, "BUY", "1.000", "100.00")
        child = s.limit_order(B, "SELL", "1.000", "99.00", post_only=True)  # would take
        return s.submit_oto(parent, child, failure_policy="keep")

    h, _, (g,) = setup(post_only_child)
    h.feed(q(99.90, 100.00, 1, ask_size=0.4))
    assert g.state is GroupState.FAILED and "child" in g.reason and "post-only" in g.reason
    assert sizes(g, "parent") == [(D("1.000"), D("0.400"), S.PARTIALLY_FILLED)]
    h.feed(q(99.90, 100.00, 2))
    assert sizes(g, "child") == [(D("0.400"), D(0), S.REJECTED)]  # no second try
    assert position(h) == D("1.000")


def test_an_oto_child_must_match_the_parent_quantity() -> None:
    def uneven(s: ScriptedStrategy) -> OrderGroup:
        parent = s.limit_order(B, "BUY", "1.000", "100.00")
        return s.submit_oto(parent, s.limit_order(B, "SELL", "0.500", "110.00"))

    with pytest.raises(StrategyError, match="parent's quantity"):
        setup(uneven)


# ------------------------------------------------------------------- OCO
def oco(s: ScriptedStrategy) -> OrderGroup:
    s.submit_market(B, "BUY", "1.000")
    stop = s.stop_order(B, "SELL", "1.000", "95.00")
    target = s.limit_order(B, "SELL", "1.000", "110.00")
    return s.submit_oco(stop, target)


def test_an_oco_leg_filling_cancels_the_other() -> None:
    h, _, (g,) = setup(oco)
    h.feed(q(100.00, 100.10, 1), q(110.00, 110.10, 2))
    assert sizes(g, "second") == [(D("1.000"), D("1.000"), S.FILLED)]
    assert sizes(g, "first") == [(D("1.000"), D(0), S.CANCELED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0


def test_a_partial_oco_fill_reduces_the_other_leg_by_as_much() -> None:
    h, _, (g,) = setup(oco)
    h.feed(q(100.00, 100.10, 1), q(110.00, 110.10, 2, bid_size=0.3))
    assert sizes(g, "second") == [(D("1.000"), D("0.300"), S.PARTIALLY_FILLED)]
    assert sizes(g, "first") == [(D("0.700"), D(0), S.ACCEPTED)]
    h.feed(q(94.00, 94.10, 3))  # the stop fires for what is left
    assert sizes(g, "first") == [(D("0.700"), D("0.700"), S.FILLED)]
    assert sizes(g, "second") == [(D("1.000"), D("0.300"), S.CANCELED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0


def test_without_modify_an_oco_leg_is_reduced_by_cancel_and_replace() -> None:
    h, _, (g,) = setup(oco, modify=False)
    h.feed(q(100.00, 100.10, 1), q(110.00, 110.10, 2, bid_size=0.3), q(105.00, 105.10, 3))
    assert sizes(g, "first") == [(D("1.000"), D(0), S.CANCELED), (D("0.700"), D(0), S.ACCEPTED)]
    assert h.reports(OrderUpdated) == []
    assert g.state is GroupState.WORKING


def test_an_oco_leg_canceled_by_the_strategy_ends_only_that_leg() -> None:
    h, s, (g,) = setup(oco)
    h.feed(q(100.00, 100.10, 1))
    stop = g.order("first")
    assert stop is not None
    s.cancel(stop)
    h.feed(q(100.00, 100.10, 2), q(110.00, 110.10, 3))
    assert len(sizes(g, "first")) == 1 and stop.status is S.CANCELED
    assert g.state is GroupState.COMPLETED and position(h) == 0


# --------------------------------------------------------------- brackets
def bracket(policy: str = "flatten", entry: str | None = "100.00") -> Action:
    def send(s: ScriptedStrategy) -> OrderGroup:
        return s.submit_bracket(
            B,
            "BUY",
            "1.000",
            entry_price=entry,
            stop_loss="95.00",
            take_profit="110.00",
            failure_policy=policy,
        )

    return send


def test_a_bracket_takes_profit_and_cancels_its_stop() -> None:
    h, _, (g,) = setup(bracket(entry=None))
    h.feed(q(100.00, 100.10, 1))
    assert position(h) == D("1.000")
    assert sizes(g, "stop_loss") == [(D("1.000"), D(0), S.ACCEPTED)]
    h.feed(q(110.00, 110.10, 2))
    assert sizes(g, "take_profit") == [(D("1.000"), D("1.000"), S.FILLED)]
    assert sizes(g, "stop_loss") == [(D("1.000"), D(0), S.CANCELED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0
    assert all(o.reduce_only for o in g.orders if g.role_of(o) != "entry")


def test_a_bracket_stops_out_and_cancels_its_target() -> None:
    h, _, (g,) = setup(bracket(entry=None))
    h.feed(q(100.00, 100.10, 1), q(94.90, 95.00, 2))
    assert sizes(g, "stop_loss") == [(D("1.000"), D("1.000"), S.FILLED)]
    assert sizes(g, "take_profit") == [(D("1.000"), D(0), S.CANCELED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0


def test_bracket_exits_follow_partial_entry_fills_and_the_first_exit_fill_ends_the_entry() -> None:
    h, _, (g,) = setup(bracket())
    h.feed(q(99.90, 100.00, 1, ask_size=0.4))
    assert sizes(g, "stop_loss") == sizes(g, "take_profit") == [(D("0.400"), D(0), S.ACCEPTED)]
    h.feed(q(99.90, 100.00, 2, ask_size=0.2))
    assert sizes(g, "take_profit") == [(D("0.600"), D(0), S.ACCEPTED)]
    h.feed(q(110.00, 110.10, 3, bid_size=0.25))
    assert sizes(g, "entry") == [(D("1.000"), D("0.600"), S.CANCELED)]
    assert sizes(g, "stop_loss") == [(D("0.350"), D(0), S.ACCEPTED)]
    h.feed(q(94.00, 94.10, 4))
    assert sizes(g, "stop_loss") == [(D("0.350"), D("0.350"), S.FILLED)]
    assert sizes(g, "take_profit") == [(D("0.600"), D("0.250"), S.CANCELED)]
    assert g.state is GroupState.COMPLETED and position(h) == 0


def test_a_bracket_whose_entry_is_rejected_fails_without_exits() -> None:
    _, _, (g,) = setup(bracket(entry=None), deny=OrderType.MARKET)
    assert g.state is GroupState.FAILED and g.reason.startswith("entry")
    assert len(g.orders) == 1 and g.is_done


@pytest.mark.parametrize(
    ("policy", "target", "held"),
    [
        ("flatten", S.CANCELED, D(0)),
        ("cancel_all", S.CANCELED, D("1.000")),
        ("keep", S.ACCEPTED, D("1.000")),
    ],
)
def test_a_rejected_stop_loss_runs_the_failure_policy(
    policy: str, target: OrderStatus, held: Decimal
) -> None:
    h, _, (g,) = setup(bracket(policy, entry=None), deny=OrderType.STOP_MARKET)
    h.feed(q(100.00, 100.10, 1))
    assert g.state is GroupState.FAILED
    assert g.reason == "stop_loss O-000002 rejected: NO_STOPS"
    assert sizes(g, "stop_loss") == [(D("1.000"), D(0), S.DENIED)]
    assert [status for *_, status in sizes(g, "take_profit")] == [target]
    assert position(h) == held
    flattened = sizes(g, "flatten")
    assert flattened == ([(D("1.000"), D("1.000"), S.FILLED)] if policy == "flatten" else [])


def test_a_kill_switch_cancel_is_not_fought_by_the_bracket() -> None:
    h, _, (g,) = setup(bracket(entry=None))
    h.feed(q(100.00, 100.10, 1))
    assert len(h.engine.cancel_all()) == 2
    h.feed(q(100.00, 100.10, 2), q(110.00, 110.10, 3))
    assert [len(sizes(g, r)) for r in ("stop_loss", "take_profit")] == [1, 1]
    assert g.state is GroupState.CANCELED and position(h) == D("1.000")


def test_a_strategy_can_cancel_a_whole_group() -> None:
    h, s, (g,) = setup(bracket())
    s.cancel_group(g)
    h.feed(q(100.50, 100.60, 1))
    assert g.state is GroupState.CANCELED and not g.is_open


def test_a_strategy_may_move_its_stop_and_the_group_keeps_the_new_trigger() -> None:
    h, s, (g,) = setup(bracket(entry=None))
    h.feed(q(99.90, 100.00, 1))
    stop = g.order("stop_loss")
    assert stop is not None
    s.modify(stop, trigger_price="100.00")
    h.feed(q(101.00, 101.10, 2), q(101.00, 101.10, 3))
    assert stop.trigger_price == D("100.00") and len(h.reports(OrderUpdated)) == 1


def test_with_latency_an_exit_racing_the_oco_cancel_cannot_reverse_the_position() -> None:
    lag = LatencyModel(fixed_ns=5 * MILLISECOND)
    h, _, (g,) = setup(bracket(entry=None), latency=lag)
    ms = MILLISECOND
    h.feed(q(100.00, 100.10, 1), q(100.00, 100.10, 2))
    h.feed(quote(B, 110.00, 110.10, T0 + 3 * SECOND))  # take-profit fills at +0 ms
    h.feed(quote(B, 90.00, 90.10, T0 + 3 * SECOND + ms))  # the stop fires before its cancel
    h.feed(quote(B, 90.00, 90.10, T0 + 3 * SECOND + 10 * ms))
    assert position(h) == 0
    assert g.state is GroupState.COMPLETED
    canceled = [e for e in h.reports(OrderCanceled) if "reduce-only" in e.reason]  # type: ignore[attr-defined]
    assert canceled


@pytest.mark.parametrize(
    ("side", "stop", "target", "entry"),
    [
        ("BUY", "105.00", "110.00", None),
        ("BUY", "95.00", "110.00", "111.00"),
        ("SELL", "95", "90", None),
    ],
)
def test_a_bracket_with_exits_on_the_wrong_side_is_refused(
    side: str, stop: str, target: str, entry: str | None
) -> None:
    def wrong(s: ScriptedStrategy) -> OrderGroup:
        return s.submit_bracket(
            B, side, "1.000", stop_loss=stop, take_profit=target, entry_price=entry
        )

    with pytest.raises(StrategyError, match="it needs"):
        setup(wrong)


def test_an_unknown_failure_policy_is_refused_with_the_choices() -> None:
    with pytest.raises(StrategyError, match="flatten, keep, cancel_all"):
        setup(bracket("panic"))
