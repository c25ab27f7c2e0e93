"""MeanReversion: buys a dip at the ask, sells a rally at the bid, flattens back at the mean."""

from __future__ import annotations

from decimal import Decimal

from tradewind.strategy.library import MeanReversion

from .synthetic import Market, fill, fills, held

FLAT = [100.0] * 4
# window=4, entry 50 bp. t4: ask 99.71 is 29 bp under the mean of 100 (too small);
# t6: ask 99.31 is under 99.925 * (1 - 0.005) = 99.4254 (a dip); t7: 99.5 is still under the
# mean 99.75; t8: 100 is back above the mean 99.625.
DIP_AND_BACK = [*FLAT, 99.7, 100.0, 99.3, 99.5, 100.0]


def reversion(**params: object) -> MeanReversion:
    return MeanReversion({"window": 4, "entry_bps": 50.0, **params})


def test_buys_the_dip_below_the_mean_by_more_than_the_edge_and_not_a_smaller_one(
    market: Market,
) -> None:
    strategy = reversion()
    result = market.run(strategy, market.quotes(DIP_AND_BACK))
    assert fills(result) == [
        fill(6, "BUY", "0.01", "99.31"),
        fill(8, "SELL", "0.01", "99.99"),
    ]
    assert held(result, strategy) == 0
    assert result.fills[-1]["realized_pnl"] == Decimal("0.0068")


def test_the_entry_looks_at_the_ask_not_the_mid(market: Market) -> None:
    # The mid 99.3 is 70 bp under the mean, but with a 1.00 spread the ask 99.8 is only 20 bp.
    path = [*FLAT, 99.3, 99.3]
    assert market.run(reversion(), market.quotes(path, half_spread=0.5)).fills == []
    narrow = market.run(reversion(), market.quotes(path))
    assert fills(narrow) == [fill(4, "BUY", "0.01", "99.31")]


def test_exit_bps_takes_the_exit_before_the_mean_is_reached(market: Market) -> None:
    # After the t6 buy, t7's 99.6 is 15 bp under the mean 99.75: inside 20 bp, not at the mean.
    path = [*FLAT, 99.7, 100.0, 99.3, 99.6]
    early = market.run(reversion(exit_bps=20.0), market.quotes(path))
    assert fills(early) == [fill(6, "BUY", "0.01", "99.31"), fill(7, "SELL", "0.01", "99.59")]
    at_mean = market.run(reversion(), market.quotes(path))
    assert fills(at_mean) == [fill(6, "BUY", "0.01", "99.31")]


# t4: bid 100.69 is over 100 * 1.005 (a rally); t5: 100.3 is still over the mean 100.175;
# t6: 100.0 is back under the mean 100.25.
RALLY_AND_BACK = [*FLAT, 100.7, 100.3, 100.0]


def test_sells_short_a_rally_above_the_mean_and_buys_back_at_the_mean(market: Market) -> None:
    strategy = reversion()
    result = market.run(strategy, market.quotes(RALLY_AND_BACK))
    assert fills(result) == [
        fill(4, "SELL", "0.01", "100.69"),
        fill(6, "BUY", "0.01", "100.01"),
    ]
    assert held(result, strategy) == 0


def test_without_shorting_a_rally_is_not_sold(market: Market) -> None:
    result = market.run(reversion(allow_short=False), market.quotes(RALLY_AND_BACK))
    assert result.fills == []


def test_a_rally_after_a_dip_reverses_the_long_into_a_short(market: Market) -> None:
    # t4 dips (buy); t5's bid 101.49 is over the mean 99.825 * 1.005 = 100.324 (sell 2x).
    result = market.run(reversion(), market.quotes([*FLAT, 99.3, 101.5]))
    assert fills(result) == [fill(4, "BUY", "0.01", "99.31"), fill(5, "SELL", "0.02", "101.49")]


def test_bars_use_the_close_and_fill_at_the_next_open(market: Market) -> None:
    # Bar 4 closes at 99.3, 70 bp under the mean: buy at bar 5's open; bar 5 closes at 100,
    # above the mean 99.825: sell at bar 6's open.
    result = market.run(reversion(), market.bars([*FLAT, 99.3, 100.0, 100.0]))
    assert fills(result) == [
        fill(6 * 60, "BUY", "0.01", "99.3"),
        fill(7 * 60, "SELL", "0.01", "100"),
    ]


def test_trades_use_the_print_for_both_sides(market: Market) -> None:
    # A print 40 bp under the mean is not a dip at 50 bp; one 70 bp under is.
    result = market.run(reversion(), market.trades([*FLAT, 99.6, 99.3, 99.3]))
    assert fills(result) == [fill(6, "BUY", "0.01", "99.3")]
