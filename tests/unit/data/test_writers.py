"""Writing tables as CSV, JSONL and Parquet: exact, deterministic, and readable back."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.data import JsonlWriter, open_data, write_table
from tradewind.errors import DataError

FILLS: list[dict[str, Any]] = [
    {"ts": 1, "side": "BUY", "price": Decimal("40000.10"), "qty": Decimal("0.001"), "fee": 0.1},
    {"ts": 2, "side": "SELL", "price": Decimal("40001"), "qty": Decimal("2"), "note": "partial"},
]


def read_all(path: Path) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for batch in open_data(path).batches():
        for name, values in batch.columns.items():
            out.setdefault(name, []).extend(values)
    return out


def test_csv_floats_are_written_by_repr_and_decimals_by_str(tmp_path: Path) -> None:
    path = write_table(
        [{"price": 0.1 + 0.2, "qty": Decimal("1.50"), "n": 3, "note": None, "ok": True}],
        tmp_path / "fills.csv",
    )
    assert path.read_text() == "price,qty,n,note,ok\n0.30000000000000004,1.50,3,,true\n"


def test_numpy_scalars_are_written_as_plain_numbers(tmp_path: Path) -> None:
    path = write_table({"x": [np.float64(1.5)], "n": [np.int64(7)]}, tmp_path / "n.csv")
    assert path.read_text() == "x,n\n1.5,7\n"


def test_rows_with_different_keys_share_one_header_in_first_seen_order(tmp_path: Path) -> None:
    path = write_table(FILLS, tmp_path / "fills.csv")
    assert path.read_text().splitlines() == [
        "ts,side,price,qty,fee,note",
        "1,BUY,40000.10,0.001,0.1,",
        "2,SELL,40001,2,,partial",
    ]


def test_text_with_commas_and_quotes_is_quoted(tmp_path: Path) -> None:
    path = write_table({"reason": ['max position, "hard" limit']}, tmp_path / "d.csv")
    assert path.read_text() == 'reason\n"max position, ""hard"" limit"\n'


@pytest.mark.parametrize("name", ["f.csv", "f.csv.gz", "f.jsonl", "f.jsonl.gz", "f.parquet"])
def test_the_same_rows_give_a_byte_identical_file(tmp_path: Path, name: str) -> None:
    first = write_table(FILLS, tmp_path / "a" / name).read_bytes()
    second = write_table(FILLS, tmp_path / "b" / name).read_bytes()
    assert first == second


def test_jsonl_keeps_decimals_exact_as_strings(tmp_path: Path) -> None:
    path = write_table(FILLS, tmp_path / "fills.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {
        "ts": 1,
        "side": "BUY",
        "price": "40000.10",
        "qty": "0.001",
        "fee": 0.1,
        "note": None,
    }


def test_parquet_keeps_column_types(tmp_path: Path) -> None:
    path = write_table({"ts": [1, 2], "equity": [100.0, 101.5]}, tmp_path / "equity.parquet")
    assert pq.read_table(path).to_pydict() == {"ts": [1, 2], "equity": [100.0, 101.5]}


def test_parquet_refuses_a_column_of_mixed_types_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="column 'x' cannot be written to Parquet"):
        write_table({"x": [1.5, "two"]}, tmp_path / "x.parquet")


def test_columns_of_different_lengths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="differ in length"):
        write_table({"a": [1, 2], "b": [1]}, tmp_path / "x.csv")


def test_an_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown file extension"):
        write_table(FILLS, tmp_path / "fills.txt")


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        write_table({"x": [1.5, "two"]}, tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []


def test_a_rewrite_replaces_the_old_file(tmp_path: Path) -> None:
    write_table({"a": [1, 2, 3]}, tmp_path / "x.csv")
    assert write_table({"a": [9]}, tmp_path / "x.csv").read_text() == "a\n9\n"


def test_jsonl_writer_writes_one_object_per_line_and_flushes_on_close(tmp_path: Path) -> None:
    path = tmp_path / "rec" / "quotes.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"ts": 1_704_067_200_000, "bid": 1.0, "ask": 1.5, "bid_qty": 2, "ask_qty": 3})
        writer.write({"ts": 1_704_067_200_001, "bid": 1.0, "ask": 1.5, "bid_qty": 2, "ask_qty": 3})
    assert read_all(path)["ask_size"] == [3.0, 3.0]


def test_jsonl_writer_appends_when_asked_and_starts_afresh_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"n": 1})
    with JsonlWriter(path, append=True) as writer:
        writer.write({"n": 2})
    assert path.read_text() == '{"n":1}\n{"n":2}\n'
    with JsonlWriter(path) as writer:
        writer.write({"n": 3})
    assert path.read_text() == '{"n":3}\n'


def test_jsonl_writer_gzips_and_appended_members_read_back(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    for n in (1, 2):
        with JsonlWriter(path, append=True) as writer:
            writer.write({"n": n})
    assert gzip.decompress(path.read_bytes()) == b'{"n":1}\n{"n":2}\n'


def test_jsonl_writer_refuses_rows_after_close(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path / "r.jsonl")
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write({"n": 1})


NS = 1_704_067_200 * 1_000_000_000
prices = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False)
sizes = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)
symbols = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12
)


@st.composite
def quote_tables(draw: st.DrawFn) -> dict[str, list[Any]]:
    n = draw(st.integers(min_value=1, max_value=40))
    steps = draw(st.lists(st.integers(0, 10**12), min_size=n, max_size=n))
    bids = draw(st.lists(prices, min_size=n, max_size=n))
    spreads = draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n))
    table: dict[str, list[Any]] = {
        "ts": list(np.cumsum([NS, *steps[1:]]).tolist()),
        "bid": bids,
        "ask": [max(b + s, b) for b, s in zip(bids, spreads, strict=True)],
        "bid_size": draw(st.lists(sizes, min_size=n, max_size=n)),
        "ask_size": draw(st.lists(sizes, min_size=n, max_size=n)),
    }
    if draw(st.booleans()):
        table["symbol"] = draw(st.lists(symbols, min_size=n, max_size=n))
    return table


@settings(max_examples=60, deadline=None)
@given(table=quote_tables())
def test_csv_written_by_write_table_reads_back_identically(
    tmp_path_factory: pytest.TempPathFactory, table: dict[str, list[Any]]
) -> None:
    path = write_table(table, tmp_path_factory.mktemp("csv") / "quotes.csv")
    assert read_all(path) == table
