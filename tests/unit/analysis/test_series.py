"""drawdown_series and monthly_returns: per-point drawdown and calendar months in UTC."""

from __future__ import annotations

import pytest

from tradewind.analysis import drawdown_series, monthly_returns

from .builders import SECOND, at, curve, ns


def test_drawdown_series_is_the_fraction_below_the_running_peak() -> None:
    assert drawdown_series(curve([100, 120, 90, 130, 117])) == pytest.approx(
        [0.0, 0.0, 0.25, 0.0, 0.1]
    )


def test_drawdown_series_is_zero_while_the_peak_is_not_positive() -> None:
    assert drawdown_series(curve([0, -5, 10, 5])) == pytest.approx([0.0, 0.0, 0.0, 0.5])


def test_drawdown_series_of_no_equity_is_empty() -> None:
    assert drawdown_series([]) == []


def test_monthly_returns_chain_month_ends_across_a_year_boundary() -> None:
    equity = at(
        [
            (ns(2023, 11, 15), 100),
            (ns(2023, 11, 30), 110),
            (ns(2023, 12, 31, 23, 59, 59), 99),
            (ns(2024, 1, 1), 120),
            (ns(2024, 1, 31), 108.9),
            (ns(2024, 3, 10), 119.79),
        ]
    )
    months = monthly_returns(equity)
    assert list(months) == [(2023, 11), (2023, 12), (2024, 1), (2024, 3)]
    assert months[(2023, 11)] == pytest.approx(0.10)  # from the first point
    assert months[(2023, 12)] == pytest.approx(-0.10)  # 99 / 110
    assert months[(2024, 1)] == pytest.approx(0.10)  # 108.9 / 99
    assert months[(2024, 3)] == pytest.approx(0.10)  # 119.79 / 108.9: February had no point


def test_the_last_nanosecond_of_december_belongs_to_december() -> None:
    equity = at([(ns(2023, 12, 1), 100), (ns(2024, 1, 1) - 1, 105), (ns(2024, 1, 1), 107.1)])
    months = monthly_returns(equity)
    assert months == pytest.approx({(2023, 12): 0.05, (2024, 1): 0.02})


def test_a_month_whose_base_equity_is_not_positive_is_left_out() -> None:
    equity = at([(ns(2024, 1, 5), 100), (ns(2024, 1, 20), 0), (ns(2024, 2, 3), 50)])
    assert monthly_returns(equity) == pytest.approx({(2024, 1): -1.0})


def test_monthly_returns_of_no_equity_is_empty() -> None:
    assert monthly_returns([]) == {}


def test_dates_before_1970_map_to_the_right_month() -> None:
    equity = at([(ns(1969, 12, 1), 100), (ns(1969, 12, 31), 110), (ns(1970, 1, 2) + SECOND, 121)])
    assert monthly_returns(equity) == pytest.approx({(1969, 12): 0.10, (1970, 1): 0.10})
