"""Synthetic sample data: the same numbers as bench/make_data.py, in any format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.data import open_data, write_sample
from tradewind.data.sample import sample_bars, sample_quotes, write_sample_bars
from tradewind.errors import DataError


def test_sample_quotes_match_make_data_for_the_default_seed() -> None:
    assert sample_quotes(3).to_pydict() == {
        "ts_ns": [1704067200000000000, 1704067200100000000, 1704067200200000000],
        "bid": [40000.0, 40000.64, 40000.9],
        "ask": [40000.02, 40000.65, 40000.91],
        "bid_size": [7.399, 3.496, 3.654],
        "ask_size": [2.089, 4.292, 5.124],
    }


def test_sample_bars_match_make_data_for_the_default_seed() -> None:
    assert sample_bars(3).to_pydict() == {
        "ts_ns": [1704067200000000000, 1704067260000000000, 1704067320000000000],
        "open": [40000.0, 39989.91, 39981.93],
        "high": [40007.81, 39998.53, 39983.52],
        "low": [39988.79, 39978.68, 39931.14],
        "close": [39989.91, 39981.93, 39934.84],
        "volume": [63.387, 24.723, 24.457],
    }


def test_another_seed_gives_other_prices() -> None:
    assert sample_quotes(5, seed=7).column("bid") != sample_quotes(5).column("bid")


@pytest.mark.parametrize("name", ["q.parquet", "q.csv", "q.jsonl"])
def test_written_sample_quotes_read_back_as_generated(tmp_path: Path, name: str) -> None:
    path = write_sample(tmp_path / name, "quotes", 500)
    expected = sample_quotes(500).to_pydict()
    expected["ts"] = expected.pop("ts_ns")
    got: dict[str, list[float]] = {}
    for batch in open_data(path).batches(200):
        for column, values in batch.columns.items():
            got.setdefault(column, []).extend(values)
    assert got == expected


def test_written_sample_bars_pass_every_bar_check(tmp_path: Path) -> None:
    path = write_sample_bars(tmp_path / "bars.csv", n=2_000)
    data = open_data(path)
    assert data.kind == "bars"
    assert sum(len(b) for b in data.batches()) == 2_000


def test_a_sample_of_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="use 'quotes' or 'bars'"):
        write_sample(tmp_path / "t.csv", "trades", 10)


def test_a_sample_needs_at_least_one_row(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="at least one row"):
        write_sample(tmp_path / "q.csv", "quotes", 0)
