"""Emulated trailing stops: the trigger ratchets only the favourable way, then fires."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.engine.protocols import VenueCapabilities
from tradewind.errors import StrategyError
from tradewind.model import OrderStatus, OrderTriggered, QuoteTick
from tradewind.model.contingency import GroupState, OrderGroup
from tradewind.model.events import OrderPendingUpdate, OrderUpdated
from tradewind.testing import (
    MILLISECOND,
    SECOND,
    T0,
    Callback,
    EngineHarness,
    ScriptedStrategy,
    bar,
    instrument,
    quote,
)
from tradewind.venues.simulated import LatencyModel

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal
S = OrderStatus


def q(bid: float, k: int) -> QuoteTick:
    return quote(B, bid, bid + 0.10, T0 + k * SECOND)


def trail(
    side: str = "SELL",
    *,
    latency: LatencyModel | None = None,
    modify: bool = True,
    kinds: tuple[str, ...] = ("quotes",),
    **kw: object,
) -> tuple[EngineHarness, OrderGroup]:
    """Hold a position (long for a sell stop), then trail it; the first quote bids 100.00."""
    h = EngineHarness(BTC, start_ns=T0, latency=latency)
    if not modify:
        h.venue.capabilities = VenueCapabilities(modify=False)
    groups: list[OrderGroup] = []

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.submit_market(B, "BUY" if side == "SELL" else "SELL", "1.000")
        if call.kind in ("quote", "bar") and not groups:
            groups.append(s.submit_trailing_stop(B, side, "1.000", **kw))  # type: ignore[arg-type]

    h.add_strategy(ScriptedStrategy(script, [B], kinds=kinds))
    h.start()
    h.feed(q(100.00, 0) if kinds == ("quotes",) else bar(B, 100, 100, 100, 100, T0))
    return h, groups[0] if groups else None  # type: ignore[return-value]


def triggers(g: OrderGroup) -> list[Decimal | None]:
    return [o.trigger_price for o in g.orders]


def test_a_sell_trailing_stop_follows_the_high_at_its_offset_and_never_comes_down() -> None:
    h, g = trail(offset="2.00")
    assert triggers(g) == [D("98.00")]
    h.feed(q(101.00, 1), q(103.50, 2))
    assert triggers(g) == [D("101.50")]
    h.feed(q(102.00, 3), q(101.60, 4))  # lower bids: the trigger stays
    assert triggers(g) == [D("101.50")]
    assert [u.trigger_price for u in h.reports(OrderUpdated)] == [  # type: ignore[attr-defined]
        D("99.00"),
        D("101.50"),
    ]
    h.feed(q(101.40, 5))
    assert h.reports(OrderTriggered)
    assert h.fills[-1].price == D("101.40") and h.portfolio.position(B).quantity == 0
    assert g.state is GroupState.COMPLETED


def test_a_buy_trailing_stop_follows_the_low_by_basis_points() -> None:
    h, g = trail("BUY", offset_bps="100")  # 1 %
    assert triggers(g) == [D("101.11")]  # ask 100.10 + 1 %, rounded up to the tick
    h.feed(q(95.00, 1))
    assert triggers(g) == [D("96.06")]  # ask 95.10 + 0.951
    h.feed(q(95.90, 2))
    assert triggers(g) == [D("96.06")] and g.state is GroupState.WORKING
    h.feed(q(96.00, 3))
    assert h.portfolio.position(B).quantity == 0 and g.state is GroupState.COMPLETED


def test_an_activation_price_holds_the_stop_back_until_the_market_reaches_it() -> None:
    h, g = trail(offset="1.00", activation_price="102.00")
    h.feed(q(101.00, 1), q(99.00, 2))
    assert g.orders == [] and g.state is GroupState.WORKING
    h.feed(q(102.50, 3))
    assert triggers(g) == [D("101.50")]
    h.feed(q(101.40, 4))
    assert g.state is GroupState.COMPLETED


def test_without_modify_the_stop_moves_by_cancel_and_replace() -> None:
    h, g = trail(offset="2.00", modify=False)
    h.feed(q(101.00, 1), q(101.00, 2), q(102.00, 3))
    assert [(o.trigger_price, o.status) for o in g.orders] == [
        (D("98.00"), S.CANCELED),
        (D("99.00"), S.CANCELED),
        (D("100.00"), S.ACCEPTED),
    ]
    assert h.reports(OrderUpdated) == []
    h.feed(q(99.90, 4))
    assert g.state is GroupState.COMPLETED and h.portfolio.position(B).quantity == 0


def test_with_latency_one_move_at_a_time_and_the_latest_trigger_wins() -> None:
    h, g = trail(offset="2.00", latency=LatencyModel(fixed_ns=5 * MILLISECOND))
    ms = MILLISECOND
    h.feed(*(quote(B, 100.00 + k, 100.10 + k, T0 + SECOND + k * ms) for k in range(1, 4)))
    h.feed(quote(B, 103.00, 103.10, T0 + 2 * SECOND))
    pending = [e.trigger_price for e in h.reports(OrderPendingUpdate)]  # type: ignore[attr-defined]
    assert pending == [D("99.00"), D("101.00")]  # the 100.00 trigger of +2 ms was skipped
    assert triggers(g) == [D("101.00")]


def test_on_bars_the_stop_trails_the_highs_and_fires_on_a_low() -> None:
    h, g = trail(offset="2.00", kinds=("bars",))
    assert triggers(g) == [D("98.00")]
    h.feed(bar(B, 100, 101, 99, 100, T0 + 60 * SECOND))
    h.feed(bar(B, 100, 105, 100, 104, T0 + 120 * SECOND))
    assert triggers(g) == [D("103.00")]
    h.feed(bar(B, 104, 104, 104, 104, T0 + 180 * SECOND))
    h.feed(bar(B, 104, 104, 102, 102.5, T0 + 240 * SECOND))
    assert h.fills[-1].price == D("103.00") and g.state is GroupState.COMPLETED


def test_a_trailing_stop_without_any_price_yet_asks_for_one() -> None:
    h = EngineHarness(BTC, start_ns=T0)
    s = h.add_strategy(ScriptedStrategy([], [B]))
    h.start()
    with pytest.raises(StrategyError, match="activation_price"):
        s.submit_trailing_stop(B, "SELL", "1.000", offset="1.00")
    with pytest.raises(StrategyError, match="exactly one"):
        s.submit_trailing_stop(B, "SELL", "1.000", offset="1.00", offset_bps="5")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-150, max_value=150), min_size=1, max_size=30))
def test_on_any_price_path_the_trigger_only_rises_and_sits_at_the_best_bid_less_the_offset(
    steps: list[int],
) -> None:
    h, g = trail(offset="1.50")
    offset = D("1.50")
    bid, best = D("100.00"), D("100.00")
    seen: list[Decimal] = []
    for k, step in enumerate(steps, start=1):
        bid = max(D("10.00"), bid + D(step) / 100)
        h.feed(q(float(bid), k))
        stop = g.order("stop")
        assert stop is not None
        if stop.status is not S.ACCEPTED:
            assert bid <= stop.trigger_price  # type: ignore[operator]
            break
        best = max(best, bid)
        assert stop.trigger_price == (best - offset).quantize(D("0.01"), ROUND_FLOOR)
        seen.append(stop.trigger_price)
    assert seen == sorted(seen)
