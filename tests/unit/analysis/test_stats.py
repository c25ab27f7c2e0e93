"""compute_stats against values worked out by hand or with plain Python on small series."""

from __future__ import annotations

import itertools
import math
import random
import statistics
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.analysis import compute_stats, drawdown_series
from tradewind.errors import ConfigError, DataError

from .builders import DAY, HOUR, SECOND, T0, at, curve, fill

# 100 -> 120 -> 90 -> 130 over exactly one 365-day year: the peak of 120 (day 100) is
# regained only at the end (day 365), 25% below it at the bottom.
YEAR_PATH = at([(T0, 100), (T0 + 100 * DAY, 120), (T0 + 200 * DAY, 90), (T0 + 365 * DAY, 130)])
SHORT = ["100", "104", "101", "107", "110", "108", "111.5"]


def _returns(values: list[str]) -> list[float]:
    floats = [float(v) for v in values]
    return [b / a - 1 for a, b in itertools.pairwise(floats)]


def _sharpe(returns: list[float], periods: float, risk_free: float = 0.0) -> float:
    excess = [r - risk_free / periods for r in returns]
    return statistics.mean(excess) / statistics.stdev(excess) * math.sqrt(periods)


def _sortino(returns: list[float], periods: float) -> float:
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    return statistics.mean(returns) / downside * math.sqrt(periods)


def test_total_return_is_the_last_equity_over_the_first_minus_one() -> None:
    stats = compute_stats(curve([200, 150, 230]), [])
    assert stats["total_return"] == pytest.approx(0.15)
    assert stats["net_pnl"] == Decimal(30)
    assert stats["start_equity"] == Decimal(200)
    assert stats["end_equity"] == Decimal(230)


def test_max_drawdown_of_100_120_90_130_is_a_quarter() -> None:
    assert compute_stats(YEAR_PATH, [])["max_drawdown"] == pytest.approx(0.25)


def test_drawdown_duration_runs_from_the_peak_until_equity_is_back_above_it() -> None:
    stats = compute_stats(YEAR_PATH, [])
    assert stats["max_drawdown_duration_s"] == pytest.approx(265 * 86_400)


def test_drawdown_duration_of_an_unrecovered_drawdown_runs_to_the_last_point() -> None:
    equity = at([(T0, 100), (T0 + 3 * DAY, 120), (T0 + 4 * DAY, 90), (T0 + 9 * DAY, 110)])
    assert compute_stats(equity, [])["max_drawdown_duration_s"] == pytest.approx(6 * 86_400)


def test_cagr_over_exactly_one_year_equals_the_total_return() -> None:
    assert compute_stats(YEAR_PATH, [])["cagr"] == pytest.approx(0.30)


def test_cagr_over_two_years_is_the_square_root_of_the_growth() -> None:
    equity = at([(T0, 100), (T0 + 730 * DAY, 121)])
    assert compute_stats(equity, [])["cagr"] == pytest.approx(0.10)


def test_calmar_is_cagr_over_max_drawdown() -> None:
    assert compute_stats(YEAR_PATH, [])["calmar"] == pytest.approx(0.30 / 0.25)


def test_sharpe_and_sortino_with_periods_per_year_given_match_a_plain_python_computation() -> None:
    stats = compute_stats(curve(SHORT), [], periods_per_year=252)
    returns = _returns(SHORT)
    assert stats["periods_per_year"] == 252
    assert stats["sharpe"] == pytest.approx(_sharpe(returns, 252), rel=1e-12)
    assert stats["sortino"] == pytest.approx(_sortino(returns, 252), rel=1e-12)
    assert stats["volatility"] == pytest.approx(statistics.stdev(returns) * math.sqrt(252))


def test_periods_per_year_is_inferred_from_daily_spacing_as_365() -> None:
    stats = compute_stats(curve(SHORT, step=DAY), [])
    returns = _returns(SHORT)
    assert stats["periods_per_year"] == pytest.approx(365)
    assert stats["sharpe"] == pytest.approx(_sharpe(returns, 365), rel=1e-12)
    assert stats["sortino"] == pytest.approx(_sortino(returns, 365), rel=1e-12)


def test_periods_per_year_is_inferred_from_hourly_spacing_as_8760() -> None:
    stats = compute_stats(curve(SHORT, step=HOUR), [])
    assert stats["periods_per_year"] == pytest.approx(8_760)
    assert stats["sharpe"] == pytest.approx(_sharpe(_returns(SHORT), 8_760), rel=1e-12)


def test_inferred_periods_per_year_uses_the_median_spacing_so_one_gap_does_not_matter() -> None:
    equity = at([(T0, 100), (T0 + HOUR, 101), (T0 + 2 * HOUR, 100), (T0 + 50 * HOUR, 102)])
    assert compute_stats(equity, [])["periods_per_year"] == pytest.approx(8_760)


def test_an_annual_risk_free_rate_is_taken_off_each_period_return() -> None:
    stats = compute_stats(curve(SHORT), [], periods_per_year=365, risk_free=0.05)
    assert stats["sharpe"] == pytest.approx(_sharpe(_returns(SHORT), 365, 0.05), rel=1e-12)
    without = compute_stats(curve(SHORT), [], periods_per_year=365)["sharpe"]
    assert isinstance(stats["sharpe"], float) and isinstance(without, float)
    assert stats["sharpe"] < without


def test_win_rate_and_profit_factor_count_only_fills_that_realized_pnl() -> None:
    trades = [fill(0, side="BUY"), fill(30), fill(0, side="BUY"), fill(10), fill(-20)]
    stats = compute_stats(curve([100, 101]), trades)
    assert stats["fills"] == 5
    assert stats["trades"] == 3
    assert stats["win_rate"] == pytest.approx(2 / 3)
    assert stats["profit_factor"] == pytest.approx(40 / 20)
    assert stats["avg_win"] == Decimal(20)
    assert stats["avg_loss"] == Decimal(-20)
    assert stats["largest_win"] == Decimal(30)
    assert stats["largest_loss"] == Decimal(-20)


def test_fees_and_realized_pnl_are_exact_decimal_sums() -> None:
    trades = [fill("0.1", fee="0.1") for _ in range(10)]
    stats = compute_stats(curve([100, 101]), trades)
    assert stats["fees"] == Decimal("1.0")
    assert stats["realized_pnl"] == Decimal("1.0")
    assert isinstance(stats["fees"], Decimal)
    assert isinstance(stats["realized_pnl"], Decimal)


def test_sums_stay_exact_past_the_default_28_digit_decimal_precision() -> None:
    big = "123456789012345678901234.5678"
    trades = [fill(big, fee=big), fill("0.00000001", fee="0.00000001")]
    stats = compute_stats(curve([100, 101]), trades)
    assert stats["fees"] == Decimal("123456789012345678901234.56780001")
    assert stats["realized_pnl"] == Decimal("123456789012345678901234.56780001")


def test_average_win_and_loss_are_rounded_to_at_most_8_decimal_places() -> None:
    trades = [fill(1), fill(1), fill(2), fill(-1), fill(-1)]
    stats = compute_stats(curve([100, 101]), trades)
    assert stats["avg_win"] == Decimal("1.33333333")
    assert str(stats["avg_win"]) == "1.33333333"
    assert stats["avg_loss"] == Decimal(-1)


def test_average_win_rounds_half_even_and_drops_the_zeros_rounding_leaves() -> None:
    tie = compute_stats(curve([100, 101]), [fill("0.000000025"), fill(0)])
    assert tie["avg_win"] == Decimal("0.00000002")
    almost_two = compute_stats(curve([100, 101]), [fill("2.000000001")])
    assert str(almost_two["avg_win"]) == "2"
    exact = compute_stats(curve([100, 101]), [fill("0.5"), fill("1.5")])
    assert exact["avg_win"] == Decimal(1)


def test_exact_amounts_never_come_out_in_exponent_notation() -> None:
    trades = [fill(Decimal("1E+2")), fill(Decimal("-2E+1"), fee="1E+1")]
    stats = compute_stats(curve(["1E+3", "2E+3"]), trades)
    for key in ("largest_win", "largest_loss", "fees", "realized_pnl", "start_equity", "net_pnl"):
        assert "E" not in str(stats[key]), key
    assert str(stats["largest_win"]) == "100"


def test_exposure_is_the_share_of_the_run_with_any_position_open() -> None:
    equity = curve([100] * 11)  # days 0 .. 10
    trades = [
        fill(ts=T0 + 1 * DAY, side="BUY", instrument="A"),
        fill(ts=T0 + 3 * DAY, side="SELL", instrument="B"),
        fill(ts=T0 + 4 * DAY, side="SELL", instrument="A"),
        fill(ts=T0 + 6 * DAY, side="BUY", instrument="B"),
        fill(ts=T0 + 8 * DAY, side="BUY", instrument="A"),
    ]
    # Open days 1..6 (A then B overlapping) and 8..10 (A still open at the end): 7 of 10.
    assert compute_stats(equity, trades)["exposure"] == pytest.approx(0.7)


def test_a_non_positive_periods_per_year_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="periods_per_year"):
        compute_stats(curve(SHORT), [], periods_per_year=0)


def test_a_non_finite_risk_free_rate_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="risk_free"):
        compute_stats(curve(SHORT), [], risk_free=math.nan)


def test_equity_out_of_time_order_is_a_data_error_naming_the_point() -> None:
    equity = at([(T0, 100), (T0 + 2 * SECOND, 101), (T0 + SECOND, 102)])
    with pytest.raises(DataError, match="point 2"):
        compute_stats(equity, [])


def test_sharpe_of_a_steady_return_with_jitter_matches_plain_python() -> None:
    rng = random.Random(42)
    values = [1_000.0]
    for _ in range(250):
        values.append(values[-1] * (1.001 + rng.uniform(-0.0005, 0.0005)))
    equity = curve([f"{v:.6f}" for v in values])
    returns = _returns([f"{v:.6f}" for v in values])
    stats = compute_stats(equity, [], periods_per_year=365)
    expected = statistics.mean(returns) / statistics.stdev(returns) * math.sqrt(365)
    assert expected > 30  # a steady climb: a very high Sharpe, but a finite one
    assert stats["sharpe"] == pytest.approx(expected, rel=1e-9)
    assert stats["sortino"] is None  # no period lost money


@settings(max_examples=200, deadline=None)
@given(st.lists(st.decimals(min_value=1, max_value=10**9, places=2), min_size=1, max_size=60))
def test_max_drawdown_is_the_deepest_point_of_the_drawdown_series(values: list[Decimal]) -> None:
    equity = curve(values)
    series = drawdown_series(equity)
    stats = compute_stats(equity, [])
    assert all(0.0 <= d < 1.0 for d in series)
    assert stats["max_drawdown"] == max(series)
    never_fell = all(b >= a for a, b in itertools.pairwise(values))
    assert (stats["max_drawdown"] == 0.0) == never_fell
