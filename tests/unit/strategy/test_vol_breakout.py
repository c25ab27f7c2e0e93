"""VolBreakout: enters on a break of the previous prices' range, with a cooldown and a stop."""

from __future__ import annotations

from decimal import Decimal

from tradewind.strategy.library import VolBreakout

from .synthetic import Market, fill, fills, held

# window=3, edge 10 bp. t3: 100.55 tops the range high 100.5 but not by 10 bp (100.6005);
# t4: 100.7 breaks 100.55 * 1.001 = 100.65055.
RANGE_THEN_BREAK_UP = [100.0, 100.5, 99.5, 100.55, 100.7]


def breakout(**params: object) -> VolBreakout:
    return VolBreakout({"window": 3, "edge_bps": 10.0, **params})


def test_enters_long_on_the_break_above_the_range_and_not_before(market: Market) -> None:
    strategy = breakout()
    result = market.run(strategy, market.quotes([*RANGE_THEN_BREAK_UP, 100.6]))
    assert fills(result) == [fill(4, "BUY", "0.01", "100.71")]
    assert held(result, strategy) == Decimal("0.01")


def test_enters_short_on_the_break_below_the_range(market: Market) -> None:
    # t3: 99.45 is under the low 99.5 but not by 10 bp; t4: 99.3 breaks 99.45 * 0.999.
    result = market.run(breakout(), market.quotes([100.0, 99.5, 100.5, 99.45, 99.3]))
    assert fills(result) == [fill(4, "SELL", "0.01", "99.29")]


def test_the_range_is_of_the_previous_prices_only(market: Market) -> None:
    # Each price is a new high; were it part of its own range it could never break it.
    result = market.run(breakout(edge_bps=0.0), market.quotes([100.0, 100.1, 100.2, 100.3]))
    assert fills(result) == [fill(3, "BUY", "0.01", "100.31")]


# After the t4 entry the price falls 0.5 a second: every step breaks the range low.
BREAK_UP_THEN_SLIDE = [*RANGE_THEN_BREAK_UP, *(99.0 - 0.5 * k for k in range(10))]


def test_without_a_cooldown_the_opposite_break_reverses_at_once(market: Market) -> None:
    result = market.run(breakout(cooldown_s=0.0), market.quotes(BREAK_UP_THEN_SLIDE))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "100.71"),
        fill(5, "SELL", "0.02", "98.99"),
    ]


def test_cooldown_holds_back_the_next_entry_until_it_ends(market: Market) -> None:
    # Entry at t4; the breaks at t5..t13 fall inside 10 s; t14 (94.5) is the first after.
    result = market.run(breakout(cooldown_s=10.0), market.quotes(BREAK_UP_THEN_SLIDE))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "100.71"),
        fill(14, "SELL", "0.02", "94.49"),
    ]


def test_the_stop_flattens_a_position_that_moves_against_its_entry_price(market: Market) -> None:
    # Bought at 100.71; a 20 bp stop is at 100.5086. t5 100.6 holds; t6 100.5 is through it
    # (measured from the fill at 100.71, not the 100.7 mid) and breaks no range (low 100.449).
    strategy = breakout(stop_bps=20.0)
    result = market.run(strategy, market.quotes([*RANGE_THEN_BREAK_UP, 100.6, 100.5, 100.9]))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "100.71"),
        fill(6, "SELL", "0.01", "100.49"),
    ]
    assert held(result, strategy) == 0


def test_without_a_stop_the_position_rides_the_same_path(market: Market) -> None:
    strategy = breakout()
    result = market.run(strategy, market.quotes([*RANGE_THEN_BREAK_UP, 100.6, 100.5, 100.9]))
    assert fills(result) == [fill(4, "BUY", "0.01", "100.71")]


def test_a_short_is_stopped_out_when_the_price_rises_past_the_stop(market: Market) -> None:
    # Sold at 99.29; a 20 bp stop is at 99.4886; t6 99.5 is through it.
    path = [100.0, 99.5, 100.5, 99.45, 99.3, 99.4, 99.5]
    result = market.run(breakout(stop_bps=20.0), market.quotes(path))
    assert fills(result) == [fill(4, "SELL", "0.01", "99.29"), fill(6, "BUY", "0.01", "99.51")]


def test_bars_break_on_the_close_and_fill_at_the_next_open(market: Market) -> None:
    result = market.run(breakout(), market.bars([*RANGE_THEN_BREAK_UP, 100.8]))
    assert fills(result) == [fill(6 * 60, "BUY", "0.01", "100.7")]
