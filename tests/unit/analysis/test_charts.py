"""The SVG helpers: min-max downsampling keeps spikes, axis numbers read naturally."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tradewind.analysis.charts import (
    Line,
    downsample_minmax,
    format_number,
    format_percent,
    format_utc,
    histogram_chart,
    time_chart,
)

from .builders import T0


def test_downsampling_keeps_the_ends_and_every_spike() -> None:
    ts = np.arange(100_000, dtype=np.int64)
    values = np.zeros(100_000)
    values[12_345], values[77_777] = 50.0, -40.0
    small_ts, small_values = downsample_minmax(ts, values, max_points=500)
    assert len(small_ts) <= 500
    assert small_ts[0] == 0 and small_ts[-1] == 99_999
    assert small_values.max() == 50.0 and small_values.min() == -40.0
    assert bool(np.all(np.diff(small_ts) > 0))


def test_a_short_series_is_not_downsampled() -> None:
    ts, values = np.arange(10, dtype=np.int64), np.arange(10, dtype=np.float64)
    assert downsample_minmax(ts, values)[0] is ts


@pytest.mark.parametrize(
    ("value", "step", "text"),
    [(1234.5, 0.5, "1,234.5"), (2_500_000.0, 500_000.0, "2.5M"), (-0.0, 1.0, "0"), (40, 20, "40")],
)
def test_axis_numbers_use_the_precision_of_the_step(value: float, step: float, text: str) -> None:
    assert format_number(value, step) == text


def test_axis_percentages_scale_fractions() -> None:
    assert format_percent(-0.125, 0.025) == "-12.5%"


def test_times_are_shown_in_utc() -> None:
    assert format_utc(T0) == "2024-01-01 00:00:00"


def test_a_chart_with_no_data_says_so() -> None:
    empty = np.empty(0, dtype=np.int64), np.empty(0)
    assert "no data" in time_chart([Line(*empty, "#000")], label="x")
    assert "no data" in histogram_chart([], label="x")


def test_the_histogram_counts_every_value_in_bars_split_at_zero() -> None:
    svg = histogram_chart([-30.0, -5.0, 5.0, 5.0, 12.0, 47.5], label="PnL")
    counts = [int(n) for n in re.findall(r": (\d+)</title></rect>", svg)]
    assert sum(counts) == 6
    assert 'fill="#dc2626"' in svg and 'fill="#16a34a"' in svg
