"""Reading quotes, trades and bars from Parquet, CSV and JSONL: round trips, aliases, batching."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.data import open_data, write_table
from tradewind.errors import DataError

NS = 1_704_067_200 * 1_000_000_000  # 2024-01-01T00:00:00Z

QUOTES: dict[str, list[Any]] = {
    "ts": [NS, NS + 100, NS + 100, NS + 250],
    "bid": [100.0, 100.5, 100.25, 0.1],
    "ask": [100.25, 100.5, 101.0, 0.30000000000000004],
    "bid_size": [1.0, 2.5, 0.0, 1e-3],
    "ask_size": [3.0, 1.5, 2.0, 12345.678],
}
TRADES: dict[str, list[Any]] = {
    "ts": [NS, NS + 1, NS + 2],
    "price": [40_000.01, 40_000.02, 39_999.99],
    "size": [0.001, 1.5, 2.0],
    "side": ["buy", "sell", ""],
    "trade_id": ["t1", "t2", "t,3"],
    "symbol": ["BTCUSDT", "BTCUSDT", "ETHUSDT"],
}
BARS: dict[str, list[Any]] = {
    "ts": [NS, NS + 60_000_000_000],
    "open": [100.0, 101.0],
    "high": [102.0, 101.0],
    "low": [99.0, 100.5],
    "close": [101.0, 101.0],
    "volume": [10.0, 0.0],
}
TABLES = {"quotes": QUOTES, "trades": TRADES, "bars": BARS}
EXTENSIONS = [".parquet", ".pq", ".csv", ".csv.gz", ".jsonl", ".ndjson", ".json", ".jsonl.gz"]


def read_all(path: Path, kind: str | None = None, batch_rows: int = 65_536) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for batch in open_data(path, kind).batches(batch_rows):
        for name, values in batch.columns.items():
            out.setdefault(name, []).extend(values)
    return out


@pytest.mark.parametrize("kind", ["quotes", "trades", "bars"])
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_every_kind_round_trips_through_every_format(
    tmp_path: Path, kind: str, extension: str
) -> None:
    path = write_table(TABLES[kind], tmp_path / f"data{extension}")
    data = open_data(path)
    assert data.kind == kind
    assert read_all(path) == TABLES[kind]


def test_format_is_chosen_by_extension(tmp_path: Path) -> None:
    formats = {}
    for extension in EXTENSIONS:
        path = write_table(QUOTES, tmp_path / f"q{extension}")
        formats[extension] = open_data(path).format
    assert formats == {
        ".parquet": "parquet",
        ".pq": "parquet",
        ".csv": "csv",
        ".csv.gz": "csv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".json": "jsonl",
        ".jsonl.gz": "jsonl",
    }


def test_parquet_knows_its_row_count_and_text_files_do_not(tmp_path: Path) -> None:
    parquet = open_data(write_table(QUOTES, tmp_path / "q.parquet"))
    csv = open_data(write_table(QUOTES, tmp_path / "q.csv"))
    assert parquet.rows == 4
    assert csv.rows is None
    assert csv.size_bytes == (tmp_path / "q.csv").stat().st_size


def test_an_explicit_kind_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ts,price,size,bid,ask\n1704067200,1.5,2,1,2\n")
    assert open_data(path, "trades").kind == "trades"
    assert read_all(path, "trades") == {"ts": [NS], "price": [1.5], "size": [2.0]}


def test_alias_columns_are_read_under_canonical_names(tmp_path: Path) -> None:
    path = tmp_path / "vendor.csv"
    path.write_text(
        "Timestamp,Instrument,Bid_Price,Ask_Price,bid_qty,ask_qty,exchange\n"
        "1704067200000000,BTC-PERP,10.5,11,1,2,x\n"
    )
    assert read_all(path) == {
        "ts": [NS],
        "bid": [10.5],
        "ask": [11.0],
        "bid_size": [1.0],
        "ask_size": [2.0],
        "symbol": ["BTC-PERP"],
    }


def test_iso_timestamps_in_csv_become_nanoseconds(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "date,o,h,l,c,v\n"
        "2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
        "2024-01-01 00:01:00.5,1.5,2,1,1,3\n"
        "2024-01-01T01:02:00+01:00,1,1,1,1,0\n"
    )
    assert read_all(path)["ts"] == [NS, NS + 60_500_000_000, NS + 120_000_000_000]


def test_millisecond_epochs_in_jsonl_become_nanoseconds(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"time": 1704067200000, "price": 1.5, "qty": 2}\n'
        '{"time": 1704067200001, "price": 1.5, "qty": 2}\n'
    )
    assert read_all(path)["ts"] == [NS, NS + 1_000_000]


def test_jsonl_numbers_written_as_strings_are_read_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"ts": 1704067200, "price": "42000.5", "size": "0.25", "id": 7}\n'
        '{"ts": 1704067201, "price": 42001, "size": "1", "id": 8}\n'
    )
    data = read_all(path)
    assert data["price"] == [42000.5, 42001.0]
    assert data["size"] == [0.25, 1.0]
    assert data["trade_id"] == ["7", "8"]


def test_trade_sides_are_lower_cased_and_unknown_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ts,price,size,side\n1,1,1,BUY\n2,1,1,Sell\n3,1,1,unknown\n4,1,1,\n")
    assert read_all(path)["side"] == ["buy", "sell", "", ""]


def test_parquet_timestamp_and_dictionary_columns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    table = pa.table(
        {
            "ts_event": pa.array([NS, NS + 1], pa.timestamp("ns", "UTC")),
            "bid": pa.array([1, 2], pa.int32()),
            "ask": pa.array([1.5, 2.5], pa.float32()),
            "bid_size": [1.0, 1.0],
            "ask_size": [1.0, 1.0],
            "symbol": pa.array(["A", "B"]).dictionary_encode(),
        }
    )
    pq.write_table(table, path)
    assert read_all(path) == {
        "ts": [NS, NS + 1],
        "bid": [1.0, 2.0],
        "ask": [1.5, 2.5],
        "bid_size": [1.0, 1.0],
        "ask_size": [1.0, 1.0],
        "symbol": ["A", "B"],
    }


def test_csv_batches_know_their_first_line_and_progress(tmp_path: Path) -> None:
    rows = 10
    path = write_table(
        {
            "ts": list(range(NS, NS + rows)),
            "price": [1.0] * rows,
            "size": [1.0] * rows,
        },
        tmp_path / "t.csv",
    )
    batches = list(open_data(path).batches(batch_rows=4))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [b.first_line for b in batches] == [2, 6, 10]
    assert batches[-1].bytes_read == path.stat().st_size


def test_parquet_batches_count_rows_as_progress(tmp_path: Path) -> None:
    path = write_table(QUOTES, tmp_path / "q.parquet")
    batches = list(open_data(path).batches(batch_rows=3))
    assert [(b.first_line, b.bytes_read, len(b)) for b in batches] == [(1, 3, 3), (4, 4, 1)]


def test_jsonl_batches_report_real_line_numbers_across_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    line = '{"ts": %d, "price": 1, "size": 1}\n'
    path.write_text("\n" + line % 1 + "\n\n" + line % 2 + line % 3)
    assert [b.first_line for b in open_data(path).batches(batch_rows=1)] == [2, 5, 6]


def test_gzipped_csv_is_read_like_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"ts,price,size\n1704067200,2.5,1\n"))
    assert read_all(path) == {"ts": [NS], "price": [2.5], "size": [1.0]}


def test_a_csv_with_a_byte_order_mark_and_quoted_header_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeff"ts","price","size"\n1704067200,2.5,1\n'.encode())
    assert read_all(path) == {"ts": [NS], "price": [2.5], "size": [1.0]}


def test_csv_with_windows_line_endings_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"ts,price,size\r\n1704067200,2.5,1\r\n1704067201,3,1\r\n")
    assert read_all(path) == {
        "ts": [NS, NS + 1_000_000_000],
        "price": [2.5, 3.0],
        "size": [1.0, 1.0],
    }


def test_the_same_csv_reads_the_same_in_any_batch_size(tmp_path: Path) -> None:
    path = write_table(QUOTES, tmp_path / "q.csv")
    assert read_all(path, batch_rows=1) == read_all(path, batch_rows=3) == QUOTES


def test_batch_rows_below_one_is_refused(tmp_path: Path) -> None:
    data = open_data(write_table(QUOTES, tmp_path / "q.csv"))
    with pytest.raises(ValueError, match="batch_rows"):
        next(data.batches(0))


def test_unknown_extension_names_the_path_and_accepted_extensions(tmp_path: Path) -> None:
    path = tmp_path / "quotes.xlsx"
    path.write_text("x")
    with pytest.raises(DataError) as caught:
        open_data(path)
    assert str(path) in str(caught.value)
    assert ".parquet" in str(caught.value)
    assert ".csv" in str(caught.value)
    assert ".jsonl" in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        open_data(tmp_path / "absent.csv")


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    path = write_table(QUOTES, tmp_path / "q.csv")
    with pytest.raises(DataError, match="unknown data kind 'ticks'"):
        open_data(path, "ticks")


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(min_value=1, max_value=300),
    batch_rows=st.integers(min_value=1, max_value=120),
    row_group=st.integers(min_value=1, max_value=100),
)
def test_parquet_batches_concatenate_to_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory, rows: int, batch_rows: int, row_group: int
) -> None:
    path = tmp_path_factory.mktemp("pq") / "q.parquet"
    table = pa.table(
        {
            "ts_ns": [NS + i for i in range(rows)],
            "bid": [100.0 + i / 8 for i in range(rows)],
            "ask": [100.5 + i / 8 for i in range(rows)],
            "bid_size": [float(i % 7) for i in range(rows)],
            "ask_size": [1.0] * rows,
        }
    )
    pq.write_table(table, path, row_group_size=row_group)
    batches = list(open_data(path).batches(batch_rows))
    assert all(len(b) == batch_rows for b in batches[:-1])
    assert [b.first_line for b in batches] == [1 + i * batch_rows for i in range(len(batches))]
    assert batches[-1].bytes_read == rows
    whole = read_all(path, batch_rows=batch_rows)
    expected = table.to_pydict()
    expected["ts"] = expected.pop("ts_ns")
    assert whole == expected
