"""compute_stats on degenerate inputs: nothing undefined ever comes out as NaN or infinity."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal

import pytest

from tradewind.analysis import EquityPoint, TradeRecord, compute_stats
from tradewind.errors import DataError

from .builders import DAY, SECOND, T0, at, curve, fill

UNDEFINED_ON_ONE_POINT = ("cagr", "volatility", "sharpe", "sortino", "calmar", "exposure")

SCENARIOS = {
    "empty": ([], []),
    "one point": (curve([100]), [fill(5)]),
    "flat": (curve([100] * 30), []),
    "all wins": (curve([100, 105, 110]), [fill(5), fill(5)]),
    "all losses": (curve([100, 95, 90]), [fill(-5), fill(-5)]),
    "only opening fills": (curve([100, 100]), [fill(0, side="BUY")]),
    "starts at zero": (curve([0, 10, 20]), []),
    "wiped out": (curve([100, 50, 0]), [fill(-100)]),
    "goes negative": (curve([100, -50, -20, 10]), []),
    "all at one instant": (at([(T0, 100), (T0, 110), (T0, 90)]), []),
    "one nanosecond, doubling": (at([(T0, 100), (T0 + 1, 200)]), []),
    "one nanosecond, halving": (at([(T0, 100), (T0 + 1, 50)]), []),
    "tiny amounts": (curve(["1E-30", "2E-30", "1E-30"]), [fill("1E-30")]),
    "huge amounts": (curve(["1E+300", "2E+300", "1E+300"]), [fill("1E+300"), fill("-1E-300")]),
}


def _assert_all_finite(stats: Mapping[str, object]) -> None:
    for key, value in stats.items():
        if isinstance(value, float):
            assert math.isfinite(value), f"{key} = {value}"
        elif isinstance(value, Decimal):
            assert value.is_finite(), f"{key} = {value}"
        else:
            assert value is None or isinstance(value, int | str), f"{key} = {value!r}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_statistic_is_ever_nan_or_infinite(name: str) -> None:
    equity, trades = SCENARIOS[name]
    _assert_all_finite(compute_stats(equity, trades))


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_statistics_dump_to_strict_json_once_decimals_are_strings(name: str) -> None:
    equity, trades = SCENARIOS[name]
    stats = compute_stats(equity, trades)
    text = json.dumps(stats, default=str, allow_nan=False)
    assert set(json.loads(text)) == set(stats)


def test_empty_equity_gives_counts_of_zero_and_everything_else_undefined() -> None:
    stats = compute_stats([], [])
    assert stats["periods"] == 0
    assert stats["fills"] == 0
    assert stats["trades"] == 0
    assert stats["fees"] == Decimal(0)
    assert stats["realized_pnl"] == Decimal(0)
    undefined = ("start", "end", "total_return", "sharpe", "max_drawdown", "start_equity")
    for key in (*undefined, "max_drawdown_duration_s"):
        assert stats[key] is None, key


def test_one_point_has_no_return_spread_so_ratios_are_undefined() -> None:
    stats = compute_stats(curve([100]), [])
    assert stats["periods"] == 1
    assert stats["total_return"] == 0.0
    assert stats["max_drawdown"] == 0.0
    assert stats["start"] == stats["end"] == "2024-01-01T00:00:00Z"
    for key in UNDEFINED_ON_ONE_POINT:
        assert stats[key] is None, key


def test_flat_equity_has_zero_volatility_and_no_sharpe_or_sortino() -> None:
    stats = compute_stats(curve([100] * 30), [])
    assert stats["volatility"] == 0.0
    assert stats["sharpe"] is None
    assert stats["sortino"] is None
    assert stats["total_return"] == 0.0
    assert stats["max_drawdown"] == 0.0


def test_all_winning_trades_leave_profit_factor_and_average_loss_undefined() -> None:
    stats = compute_stats(curve([100, 110]), [fill(4), fill(6)])
    assert stats["win_rate"] == 1.0
    assert stats["profit_factor"] is None
    assert stats["avg_loss"] is None
    assert stats["largest_loss"] is None
    assert stats["avg_win"] == Decimal(5)


def test_only_opening_fills_leave_win_rate_undefined() -> None:
    stats = compute_stats(curve([100, 100]), [fill(0, side="BUY"), fill(0, side="BUY")])
    assert stats["fills"] == 2
    assert stats["trades"] == 0
    assert stats["win_rate"] is None


def test_a_curve_that_never_falls_has_no_drawdown_and_no_calmar() -> None:
    stats = compute_stats(curve([100, 101, 103, 103, 110]), [])
    assert stats["max_drawdown"] == 0.0
    assert stats["max_drawdown_duration_s"] == 0.0
    assert stats["calmar"] is None
    assert stats["sortino"] is None
    assert stats["sharpe"] is not None


def test_equity_wiped_out_gives_a_cagr_of_minus_one_and_a_full_drawdown() -> None:
    stats = compute_stats(curve([100, 50, 0]), [])
    assert stats["cagr"] == -1.0
    assert stats["max_drawdown"] == 1.0
    assert stats["total_return"] == -1.0


def test_a_curve_starting_at_zero_has_no_total_return() -> None:
    stats = compute_stats(curve([0, 10, 20]), [])
    assert stats["total_return"] is None
    assert stats["cagr"] is None


def test_all_points_at_one_instant_cannot_infer_periods_per_year() -> None:
    stats = compute_stats(at([(T0, 100), (T0, 110), (T0, 90)]), [])
    assert stats["periods_per_year"] is None
    assert stats["sharpe"] is None
    assert stats["max_drawdown"] == pytest.approx(1 - 90 / 110)


def test_a_growth_too_fast_to_annualise_leaves_cagr_and_calmar_undefined() -> None:
    stats = compute_stats(at([(T0, 100), (T0 + SECOND, 300), (T0 + 2 * SECOND, 200)]), [])
    assert stats["cagr"] is None
    assert stats["calmar"] is None


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_equity_is_refused_when_the_point_is_made(bad: str) -> None:
    with pytest.raises(DataError, match="finite"):
        EquityPoint(T0, Decimal(bad))


@pytest.mark.parametrize("field", ["quantity", "price", "fee", "realized_pnl"])
def test_a_non_finite_amount_on_a_fill_is_refused_naming_the_field(field: str) -> None:
    amounts = {"quantity": Decimal(1), "price": Decimal(1), "fee": Decimal(0)}
    amounts["realized_pnl"] = Decimal(0)
    amounts[field] = Decimal("NaN")
    with pytest.raises(DataError, match=field):
        TradeRecord(ts=T0 + DAY, instrument_id="X", side="BUY", **amounts)


def test_a_lower_case_side_is_refused() -> None:
    with pytest.raises(DataError, match="upper case"):
        fill(side="buy")
