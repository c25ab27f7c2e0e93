"""MaCrossover: trades SMA crosses, with a minimum edge, a cooldown and an optional no-short."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.strategy.library import MaCrossover

from .synthetic import Market, fill, fills, held

FLAT = [100.0] * 4
# fast=2, slow=4 on FLAT + ...: at t4 SMA2 100.5 > SMA4 100.25 (up-cross);
# at t7 SMA2 100.5 < SMA4 101 (down-cross); t8 stays below.
RISE_THEN_FALL = [*FLAT, 101.0, 102.0, 102.0, 99.0, 98.0]


def crossover(**params: object) -> MaCrossover:
    return MaCrossover({"fast": 2, "slow": 4, **params})


def test_buys_after_the_up_cross_and_reverses_short_after_the_down_cross(market: Market) -> None:
    strategy = crossover()
    result = market.run(strategy, market.quotes(RISE_THEN_FALL))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "101.01"),
        fill(7, "SELL", "0.02", "98.99"),
    ]
    assert held(result, strategy) == Decimal("-0.01")


def test_without_shorting_the_down_cross_only_flattens(market: Market) -> None:
    strategy = crossover(allow_short=False)
    result = market.run(strategy, market.quotes(RISE_THEN_FALL))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "101.01"),
        fill(7, "SELL", "0.01", "98.99"),
    ]
    assert held(result, strategy) == 0
    assert result.fills[-1]["realized_pnl"] == Decimal("-0.0202")


def test_trades_print_prices_and_fills_on_the_next_print(market: Market) -> None:
    result = market.run(crossover(), market.trades(RISE_THEN_FALL))
    assert fills(result) == [
        fill(5, "BUY", "0.01", "102"),
        fill(8, "SELL", "0.02", "98"),
    ]


def test_trades_bar_closes_and_fills_at_the_next_open(market: Market) -> None:
    # Bar k is stamped at k minutes, seen at its close (k + 1) and fills at bar k + 1's open.
    result = market.run(crossover(), market.bars(RISE_THEN_FALL))
    assert fills(result) == [
        fill(6 * 60, "BUY", "0.01", "101"),
        fill(9 * 60, "SELL", "0.02", "99"),
    ]


def test_holds_no_position_until_the_slow_average_is_full(market: Market) -> None:
    # Rising from the first price: SMA2 > SMA3 from t2 on, but SMA4 is only ready at t3.
    result = market.run(crossover(), market.quotes([100.0, 101.0, 102.0, 103.0, 104.0]))
    assert fills(result) == [fill(3, "BUY", "0.01", "103.01")]


# Up-cross at t4; down-cross at t5 and back up at t6 (a whipsaw); down-cross again at t10.
WHIPSAW = [*FLAT, 101.0, 98.0, 104.0, 104.0, 104.0, 104.0, 95.0]


def test_whipsaw_crosses_trade_without_a_cooldown(market: Market) -> None:
    result = market.run(crossover(), market.quotes(WHIPSAW))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "101.01"),
        fill(5, "SELL", "0.02", "97.99"),
        fill(6, "BUY", "0.02", "104.01"),
        fill(10, "SELL", "0.02", "94.99"),
    ]


def test_cooldown_suppresses_a_second_cross_inside_the_window(market: Market) -> None:
    result = market.run(crossover(cooldown_s=5.0), market.quotes(WHIPSAW))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "101.01"),
        fill(10, "SELL", "0.02", "94.99"),
    ]


def test_a_cross_that_still_holds_when_the_cooldown_ends_is_traded_then(market: Market) -> None:
    # Down-cross at t5 (1 s after the buy), still down at t6 and t7; cooldown ends at t7.
    path = [*FLAT, 101.0, 98.0, 97.0, 96.0]
    result = market.run(crossover(cooldown_s=3.0), market.quotes(path))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "101.01"),
        fill(7, "SELL", "0.02", "95.99"),
    ]


# t4: SMA2 100.25 vs SMA4 100.125, 12.5 bp apart; t5: 102.25 vs 101.125, 111 bp apart.
SMALL_THEN_LARGE = [*FLAT, 100.5, 104.0]


def test_a_cross_smaller_than_min_edge_is_ignored(market: Market) -> None:
    result = market.run(crossover(min_edge_bps=100.0), market.quotes(SMALL_THEN_LARGE))
    assert fills(result) == [fill(5, "BUY", "0.01", "104.01")]


def test_without_min_edge_the_small_cross_trades(market: Market) -> None:
    result = market.run(crossover(), market.quotes(SMALL_THEN_LARGE))
    assert fills(result) == [fill(4, "BUY", "0.01", "100.51")]


@pytest.mark.parametrize("kind", ["quotes", "trades", "bars"])
def test_equal_averages_are_no_cross(market: Market, kind: str) -> None:
    result = market.run(crossover(), market.path(kind, [100.0] * 8))
    assert result.fills == []
    assert result.orders == []
