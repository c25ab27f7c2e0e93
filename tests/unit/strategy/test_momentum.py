"""Momentum: long above +threshold rate of change, short below -threshold, flat in between."""

from __future__ import annotations

from decimal import Decimal

from tradewind.strategy.library import Momentum

from .synthetic import Market, fill, fills, held

FLAT = [100.0] * 4
# lookback=3, threshold 100 bp. t4: 102 / 100 = +2 % (long); t7: 101.5 / 102 = -0.5 % (flat);
# t8: 99 / 102 = -2.9 % (short); t9: 97 / 102 stays short.
UP_FADE_DOWN = [*FLAT, 102.0, 102.0, 102.0, 101.5, 99.0, 97.0]


def momentum(**params: object) -> Momentum:
    return Momentum({"lookback": 3, "threshold_bps": 100.0, **params})


def test_goes_long_then_flat_then_short_as_the_rate_of_change_flips(market: Market) -> None:
    strategy = momentum()
    result = market.run(strategy, market.quotes(UP_FADE_DOWN))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "102.01"),
        fill(7, "SELL", "0.01", "101.49"),
        fill(8, "SELL", "0.01", "98.99"),
    ]
    assert held(result, strategy) == Decimal("-0.01")


def test_a_sharp_reversal_goes_from_long_to_short_in_one_order(market: Market) -> None:
    # t7: 99 / 102 = -2.9 % straight after holding long.
    result = market.run(momentum(), market.quotes([*FLAT, 102.0, 102.0, 102.0, 99.0]))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "102.01"),
        fill(7, "SELL", "0.02", "98.99"),
    ]


def test_without_shorting_a_fall_leaves_it_flat(market: Market) -> None:
    strategy = momentum(allow_short=False)
    result = market.run(strategy, market.quotes(UP_FADE_DOWN))
    assert fills(result) == [
        fill(4, "BUY", "0.01", "102.01"),
        fill(7, "SELL", "0.01", "101.49"),
    ]
    assert held(result, strategy) == 0


def test_a_move_within_the_threshold_is_not_traded(market: Market) -> None:
    # +0.9 % over 3 prices, then -0.9 %: both inside 100 bp.
    result = market.run(momentum(), market.quotes([*FLAT, 100.9, 100.9, 100.9, 100.0]))
    assert result.fills == []


def test_the_rate_of_change_spans_exactly_lookback_prices(market: Market) -> None:
    # +1.5 % in total, but only 0.5 % per step: over lookback=1 nothing passes 100 bp.
    path = [100.0, 100.5, 101.0, 101.5]
    assert market.run(momentum(lookback=1), market.quotes(path)).fills == []
    assert fills(market.run(momentum(), market.quotes(path))) == [fill(3, "BUY", "0.01", "101.51")]


def test_trades_and_bars_fill_on_the_next_print_or_open(market: Market) -> None:
    path = [*FLAT, 102.0, 102.0, 102.0, 99.0, 99.0]
    on_trades = market.run(momentum(), market.trades(path))
    assert fills(on_trades) == [fill(5, "BUY", "0.01", "102"), fill(8, "SELL", "0.02", "99")]
    on_bars = market.run(momentum(), market.bars(path))
    assert fills(on_bars) == [
        fill(6 * 60, "BUY", "0.01", "102"),
        fill(9 * 60, "SELL", "0.02", "99"),
    ]
