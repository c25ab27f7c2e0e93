"""SmartOrderRouter: ranking by price, fee and latency; splits capped by displayed size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.engine.clock import HistoricalClock
from tradewind.errors import ConfigError
from tradewind.execution.router import (
    Candidate,
    RoutePlan,
    SmartOrderRouter,
    VenueProfile,
    effective_price,
    plan_route,
)
from tradewind.model import OrderSide, OrderStatus, TimeInForce
from tradewind.model.events import OrderDenied
from tradewind.testing import EngineHarness, ScriptedStrategy, at, instrument, quote
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

D = Decimal


def offer(
    venue: str,
    price: str,
    size: str,
    *,
    taker: str = "0",
    latency: str = "0",
    symbol: str = "BTCUSDT",
    **grid: Any,
) -> Candidate:
    inst = instrument(symbol, venue, **grid)
    return Candidate(
        inst, D(price), D(size), VenueProfile(taker_bps=D(taker), latency_ms=D(latency))
    )


def split(plan: RoutePlan) -> list[tuple[str, Decimal, Decimal]]:
    return [(leg.venue, leg.quantity, leg.price) for leg in plan.legs]


# ------------------------------------------------------------------ ranking
def test_a_buy_takes_the_cheapest_ask_first_then_the_next_up_to_each_displayed_size() -> None:
    offers = [offer("A", "100.02", "1"), offer("B", "100.00", "0.5"), offer("C", "100.05", "5")]
    plan = plan_route("BUY", "2", offers)
    assert split(plan) == [
        ("B", D("0.500"), D("100.00")),
        ("A", D("1.000"), D("100.02")),
        ("C", D("0.500"), D("100.05")),
    ]
    assert plan.unrouted == 0
    assert plan.routed == D("2")


def test_a_sell_hits_the_highest_bid_first() -> None:
    offers = [offer("A", "99.98", "1"), offer("B", "99.99", "0.4")]
    plan = plan_route(OrderSide.SELL, "1", offers)
    assert split(plan) == [("B", D("0.400"), D("99.99")), ("A", D("0.600"), D("99.98"))]


def test_a_higher_taker_fee_can_outweigh_a_better_price() -> None:
    cheap_but_dear = offer("A", "100.00", "5", taker="10")  # 100.10 after fees
    dearer_but_cheap = offer("B", "100.05", "5", taker="2")  # 100.07001 after fees
    assert effective_price(OrderSide.BUY, cheap_but_dear, D(0)) == D("100.10")
    assert effective_price(OrderSide.BUY, dearer_but_cheap, D(0)) == D("100.07001")
    assert plan_route("BUY", "1", [cheap_but_dear, dearer_but_cheap]).ranking[0] == "BTCUSDT.B"
    # selling, the fee lowers what a bid is worth: 99.95 x (1 - 0.001) < 99.90 x (1 - 0.0002)
    bids = [offer("A", "99.95", "5", taker="10"), offer("B", "99.90", "5", taker="2")]
    assert plan_route("SELL", "1", bids).ranking[0] == "BTCUSDT.B"
    assert plan_route("SELL", "1", [offer("A", "99.95", "5"), bids[1]]).ranking[0] == "BTCUSDT.A"


def test_latency_costs_its_penalty_in_bps_per_millisecond() -> None:
    slow = offer("A", "100.00", "5", latency="50")  # 100.025 at 0.05 bps/ms
    fast = offer("B", "100.01", "5", latency="1")  # 100.0105005
    assert plan_route("BUY", "1", [slow, fast], latency_bps_per_ms="0.05").ranking[0] == "BTCUSDT.B"
    assert plan_route("BUY", "1", [slow, fast]).ranking[0] == "BTCUSDT.A"  # no penalty


def test_without_a_penalty_latency_still_breaks_a_tie_in_price() -> None:
    slow, fast = offer("A", "100.00", "5", latency="9"), offer("B", "100.00", "5", latency="1")
    assert plan_route("BUY", "1", [slow, fast]).ranking == ("BTCUSDT.B", "BTCUSDT.A")


def test_at_equal_price_and_latency_more_displayed_size_ranks_first() -> None:
    plan = plan_route("BUY", "1", [offer("A", "100.00", "2"), offer("B", "100.00", "3")])
    assert plan.ranking == ("BTCUSDT.B", "BTCUSDT.A")


def test_equal_offers_rank_by_venue_name_whatever_order_they_come_in() -> None:
    offers = [offer(v, "100.00", "1") for v in ("C", "A", "B")]
    plan = plan_route("BUY", "2.5", offers)
    assert plan.ranking == ("BTCUSDT.A", "BTCUSDT.B", "BTCUSDT.C")
    assert [(v, q) for v, q, _ in split(plan)] == [("A", D(1)), ("B", D(1)), ("C", D("0.5"))]


# ------------------------------------------------------------ size and grid
def test_what_displayed_size_cannot_take_goes_to_the_best_venue() -> None:
    plan = plan_route("BUY", "1", [offer("A", "100.00", "0.3"), offer("B", "100.01", "0.2")])
    assert split(plan) == [("A", D("0.800"), D("100.00")), ("B", D("0.200"), D("100.01"))]
    assert plan.legs[0].overflow == D("0.500")
    assert plan.legs[0].displayed == D("0.3")
    assert plan.unrouted == 0


def test_without_overflow_to_the_best_venue_the_rest_comes_back_unrouted() -> None:
    offers = [offer("A", "100.00", "0.3"), offer("B", "100.01", "0.2")]
    plan = plan_route("BUY", "1", offers, overflow_to_best=False)
    assert split(plan) == [("A", D("0.300"), D("100.00")), ("B", D("0.200"), D("100.01"))]
    assert plan.unrouted == D("0.500")


def test_each_leg_rounds_down_to_its_venues_lot() -> None:
    coarse = offer("A", "100.00", "0.257", lot="0.01")
    fine = offer("B", "100.01", "1", lot="0.001")
    plan = plan_route("BUY", "0.5", [coarse, fine])
    assert split(plan) == [("A", D("0.25"), D("100.00")), ("B", D("0.250"), D("100.01"))]


def test_a_remainder_off_every_lot_grid_is_unrouted() -> None:
    plan = plan_route("BUY", "0.255", [offer("A", "100.00", "1", lot="0.01")])
    assert split(plan) == [("A", D("0.25"), D("100.00"))]
    assert plan.unrouted == D("0.005")


def test_a_leg_below_the_minimum_notional_is_skipped_and_the_next_venue_takes_it() -> None:
    tiny = offer("A", "100.00", "0.05", min_notional="10")  # at most 5.00 USDT here
    plan = plan_route("BUY", "0.3", [tiny, offer("B", "100.01", "1")])
    assert split(plan) == [("B", D("0.300"), D("100.01"))]
    assert plan.skipped == (("BTCUSDT.A", "notional 5.00000 is below the minimum 10"),)


def test_a_leg_below_the_minimum_quantity_is_skipped() -> None:
    plan = plan_route(
        "BUY", "0.3", [offer("A", "100.00", "0.05", min_quantity="0.1"), offer("B", "101", "1")]
    )
    assert split(plan) == [("B", D("0.300"), D("101"))]
    assert plan.skipped == (("BTCUSDT.A", "0.050 is below the minimum quantity 0.1"),)


def test_the_remainder_skips_a_best_venue_whose_minimum_it_does_not_meet() -> None:
    best = offer("A", "100.00", "0.2", min_quantity="0.5")  # too small to take anything
    other = offer("B", "100.01", "0.3")
    plan = plan_route("BUY", "0.4", [best, other])
    assert split(plan) == [("B", D("0.400"), D("100.01"))]
    assert plan.legs[0].overflow == D("0.100")


def test_venues_showing_nothing_are_skipped_and_without_any_nothing_is_routed() -> None:
    plan = plan_route("BUY", "1", [offer("A", "0", "0"), offer("B", "100.00", "0")])
    assert plan.legs == ()
    assert plan.unrouted == D(1)
    assert [reason for _, reason in plan.skipped] == ["nothing displayed on this side"] * 2


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        (
            [offer("A", "100", "1"), offer("B", "100", "1", symbol="ETHUSDT")],
            "do not quote one pair",
        ),
        ([offer("A", "100", "1"), offer("A", "100", "1")], "BTCUSDT.A twice"),
    ],
)
def test_candidates_must_be_distinct_listings_of_one_pair(
    candidates: list[Candidate], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_route("BUY", "1", candidates)


def test_a_bad_quantity_side_or_penalty_is_refused_with_its_name() -> None:
    with pytest.raises(ConfigError, match="quantity 0 to route must be > 0"):
        plan_route("BUY", "0", [offer("A", "100", "1")])
    with pytest.raises(ConfigError, match="order side 'HOLD'"):
        plan_route("HOLD", "1", [offer("A", "100", "1")])
    with pytest.raises(ConfigError, match="latency_bps_per_ms -1 must be >= 0"):
        plan_route("BUY", "1", [offer("A", "100", "1")], latency_bps_per_ms=-1)


# ------------------------------------------------------------------ profiles
def test_a_profile_is_read_from_a_venues_fee_and_latency_models() -> None:
    venue = SimulatedVenue(
        "A",
        clock=HistoricalClock(),
        fees=FeeModel(maker_bps=D("-1"), taker_bps=D("7.5")),
        latency=LatencyModel.from_ms(4, jitter_ms=2),
    )
    assert VenueProfile.from_client(venue) == VenueProfile(
        taker_bps=D("7.5"), maker_bps=D("-1"), latency_ms=D("5")
    )


def test_a_client_without_fees_or_latency_needs_an_explicit_profile() -> None:
    class Bare:
        venue = "X"

    with pytest.raises(ConfigError, match="venue 'X' exposes neither fees nor latency"):
        VenueProfile.from_client(Bare())


# ------------------------------------------------------------ in the engine
A = instrument("BTCUSDT", "A")
B = instrument("BTCUSDT", "B")
PROFILES = {"A": VenueProfile(taker_bps=D("2")), "B": VenueProfile(taker_bps=D("4"))}


def harness_with_quotes(*quotes: Any) -> EngineHarness:
    h = EngineHarness([A, B], balances={"USDT": "100000"})
    h.feed(*quotes)
    return h


def test_candidates_come_from_the_latest_quotes_snapped_outward_onto_the_tick_grid() -> None:
    h = harness_with_quotes(quote(A, 99.996, 100.004, 1, bid_size=0.7, ask_size=0.3))
    strategy = h.add_strategy(ScriptedStrategy([], [A.id, B.id]))
    router = SmartOrderRouter(strategy, profiles=PROFILES)
    buy_a, buy_b = router.candidates("BUY", [A.id, B.id])
    assert (buy_a.price, buy_a.size, buy_a.profile) == (D("100.01"), D("0.3"), PROFILES["A"])
    assert (buy_b.price, buy_b.size) == (0, 0)  # no quote on B yet
    sell_a = router.candidates("SELL", [A.id])[0]
    assert (sell_a.price, sell_a.size) == (D("99.99"), D("0.7"))
    h.feed(quote(B, 0.0, 100.02, 2))  # a one-sided book: no bid at all
    sell_b = router.candidates("SELL", [B.id])[0]
    assert (sell_b.price, sell_b.size) == (0, 0)


def test_a_venue_without_a_profile_is_an_error_naming_it() -> None:
    h = harness_with_quotes(quote(A, 100.0, 100.01, 1))
    strategy = h.add_strategy(ScriptedStrategy([], [A.id, B.id]))
    router = SmartOrderRouter(strategy, profiles={"A": PROFILES["A"]})
    with pytest.raises(ConfigError, match="no VenueProfile for venue 'B'"):
        router.candidates("BUY", [A.id, B.id])


def test_profiles_can_come_from_the_venues_and_explicit_ones_win() -> None:
    h = EngineHarness([A, B], fees=FeeModel(taker_bps=D("3")))
    strategy = h.add_strategy(ScriptedStrategy([], [A.id, B.id]))
    router = SmartOrderRouter(strategy, clients=h.venues.values(), profiles={"B": PROFILES["B"]})
    assert router.profile("A") == VenueProfile(taker_bps=D("3"))
    assert router.profile("B") == PROFILES["B"]


def test_the_routers_plan_applies_its_latency_penalty_and_overflow_setting() -> None:
    h = EngineHarness([A, B])
    strategy = h.add_strategy(ScriptedStrategy([], [A.id, B.id]))
    router = SmartOrderRouter(
        strategy, profiles=PROFILES, latency_bps_per_ms="0.05", overflow_to_best=False
    )
    slow = offer("A", "100.00", "0.3", latency="50")
    fast = offer("B", "100.01", "0.2", latency="1")
    plan = router.plan("BUY", "1", [slow, fast])
    assert [(v, q) for v, q, _ in split(plan)] == [("B", D("0.200")), ("A", D("0.300"))]
    assert plan.unrouted == D("0.500")


def routed_buy(quantity: str, **router_kw: Any) -> tuple[EngineHarness, SmartOrderRouter]:
    """Quotes on A (cheaper, 0.4 shown) and B (dearer, 5 shown); the router buys on quote 3."""
    h = EngineHarness([A, B], balances={"USDT": "100000"})
    strategy = ScriptedStrategy([], [A.id, B.id])
    router = SmartOrderRouter(strategy, profiles=PROFILES, **router_kw)
    strategy.scripts = (at("quote", 3, lambda s: router.route("BUY", quantity, [A.id, B.id])),)
    h.add_strategy(strategy)
    h.start()
    h.feed(
        quote(A, 99.99, 100.00, 1, ask_size=0.4),
        quote(B, 100.01, 100.02, 2, ask_size=5),
        quote(B, 100.01, 100.02, 3, ask_size=5),
        quote(A, 99.99, 100.00, 4, ask_size=0.4),
    )
    return h, router


def test_route_sends_ioc_limits_at_the_touch_and_they_fill_there_on_each_venue() -> None:
    h, router = routed_buy("1")
    orders = list(h.engine.cache.orders.values())
    assert [(o.instrument_id, o.quantity, o.price) for o in orders] == [
        (A.id, D("0.400"), D("100.00")),
        (B.id, D("0.600"), D("100.02")),
    ]
    assert {(o.time_in_force, o.tags, o.status) for o in orders} == {
        (TimeInForce.IOC, ("sor",), OrderStatus.FILLED)
    }
    assert [(f.instrument_id, f.quantity, f.price) for f in h.fills] == [
        (A.id, D("0.400"), D("100.00")),
        (B.id, D("0.600"), D("100.02")),
    ]
    assert h.portfolio.balances("A")["BTC"] == D("0.4")
    assert h.portfolio.balances("B")["BTC"] == D("0.6")
    assert router.last_plan is not None and router.last_plan.unrouted == 0


def test_the_overflow_sent_past_the_displayed_size_comes_back_canceled() -> None:
    h, _ = routed_buy("6")  # A shows 0.4, B shows 5: 0.6 more goes to A, the best
    a_order = next(o for o in h.engine.cache.orders.values() if o.instrument_id == A.id)
    assert (a_order.quantity, a_order.filled_quantity) == (D("1.000"), D("0.400"))
    assert a_order.status is OrderStatus.CANCELED  # IOC: never fills above the price it scored


def test_each_child_passes_the_engines_pre_trade_checks() -> None:
    def no_venue_b(order: Any, engine: Any) -> OrderDenied | None:
        if order.instrument_id != B.id:
            return None
        now = engine.clock.timestamp_ns()
        return OrderDenied(order.client_order_id, "VENUE_OFF", "venue B is off", now, now)

    h = EngineHarness([A, B], balances={"USDT": "100000"})
    h.engine.add_pre_trade_check(no_venue_b)
    strategy = ScriptedStrategy([], [A.id, B.id])
    router = SmartOrderRouter(strategy, profiles=PROFILES)
    strategy.scripts = (at("quote", 2, lambda s: router.route("BUY", "1", [A.id, B.id])),)
    h.add_strategy(strategy)
    h.start()
    h.feed(quote(A, 99.99, 100.00, 1, ask_size=0.4), quote(B, 100.01, 100.02, 2, ask_size=5))
    statuses = {o.instrument_id: o.status for o in h.engine.cache.orders.values()}
    assert statuses == {A.id: OrderStatus.FILLED, B.id: OrderStatus.DENIED}
