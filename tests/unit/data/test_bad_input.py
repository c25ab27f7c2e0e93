"""Bad market-data files fail with one line naming the file, the line, the column and the fix."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradewind.data import open_data
from tradewind.errors import DataError

QUOTE_HEADER = "ts,bid,ask,bid_size,ask_size\n"
GOOD_QUOTE = "{ts},100,100.5,1,2\n"


def read_error(path: Path, kind: str | None = None, batch_rows: int = 65_536) -> str:
    """The message of the DataError raised while opening and reading the whole file."""
    with pytest.raises(DataError) as caught:
        for _ in open_data(path, kind).batches(batch_rows):
            pass
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def quotes_csv(tmp_path: Path, *bad_rows: str, good_rows: int = 2) -> Path:
    """A quotes CSV: header on line 1, ``good_rows`` good rows, then ``bad_rows``."""
    path = tmp_path / "quotes.csv"
    good = "".join(GOOD_QUOTE.format(ts=1_704_067_200 + i) for i in range(good_rows))
    path.write_text(QUOTE_HEADER + good + "".join(bad_rows))
    return path


# --- empty files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["q.csv", "q.jsonl", "q.parquet", "q.csv.gz"])
def test_a_zero_byte_file_has_no_rows(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert "the file has no rows" in read_error(path)


def test_a_csv_with_only_a_header_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(QUOTE_HEADER + "\n\n")
    assert "the file has no rows" in read_error(path)


def test_a_parquet_file_with_zero_rows_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    empty = pa.table({c: pa.array([], pa.float64()) for c in QUOTE_HEADER.strip().split(",")})
    pq.write_table(empty, path)
    assert "the file has no rows" in read_error(path)


def test_a_jsonl_file_of_blank_lines_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n  \n\n")
    assert "the file has no rows" in read_error(path)


# --- missing columns -------------------------------------------------------------------


def test_a_missing_column_is_named_with_the_columns_found_and_accepted_names(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.csv"
    path.write_text("ts,bid,ask,bid_size\n1,1,2,3\n")
    message = read_error(path)
    assert "line 1" in message
    assert "missing column(s) ask_size for quotes" in message
    assert "columns found: ts, bid, ask, bid_size" in message
    assert "ask_size (ask_size/ask_qty/ask_volume/ask_amount)" in message


def test_a_missing_timestamp_column_lists_its_aliases(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"price": [1.0], "size": [1.0]}), path)
    message = read_error(path)
    assert "missing column(s) ts for trades" in message
    assert "ts_ns/ts_event/ts/timestamp/time/datetime/date/open_time" in message


def test_columns_that_fit_no_kind_are_listed_with_what_each_kind_needs(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,what\n1,2\n")
    message = read_error(path)
    assert "columns found: when, what" in message
    assert "trades need ts, price, size" in message


# --- malformed CSV rows ----------------------------------------------------------------


def test_csv_row_with_text_price_names_file_line_and_column(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067300,abc,100.5,1,2\n")
    message = read_error(path)
    assert "line 4, column 'bid'" in message
    assert "'abc' is not a number" in message


def test_csv_text_price_deep_in_a_large_file_names_the_exact_line(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704167200,100,oops,1,2\n", good_rows=60_000)
    message = read_error(path, batch_rows=10_000)
    assert "line 60002, column 'ask'" in message
    assert "'oops'" in message


def test_csv_row_with_too_few_fields_names_the_line(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067300,100,100.5\n")
    message = read_error(path)
    assert "line 4" in message
    assert "3 fields where the header has 5" in message


def test_csv_row_with_too_many_fields_names_the_line(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067300,100,100.5,1,2,7\n", good_rows=3)
    assert "line 5: 6 fields where the header has 5" in read_error(path)


@pytest.mark.parametrize("empty_value", ["", "NaN", "null"])
def test_csv_missing_value_in_a_required_column_names_line_and_column(
    tmp_path: Path, empty_value: str
) -> None:
    path = quotes_csv(tmp_path, f"1704067300,100,100.5,{empty_value},2\n")
    message = read_error(path)
    assert "line 4, column 'bid_size'" in message
    assert "missing" in message


def test_csv_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(QUOTE_HEADER + "\n1704067200,100,100.5,1,2\n\n1704067201,100,100.5,-1,2\n")
    assert "line 5, column 'bid_size'" in read_error(path)


def test_csv_integer_timestamps_followed_by_text_name_the_line(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "noon,100,100.5,1,2\n")
    message = read_error(path)
    assert "line 4, column 'ts'" in message
    assert "'noon'" in message


def test_csv_iso_timestamp_that_cannot_be_parsed_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,price,size\n2024-01-01T00:00:00Z,1,1\n2024-13-01T00:00:00Z,1,1\n")
    message = read_error(path)
    assert "line 3, column 'time'" in message
    assert "'2024-13-01T00:00:00Z' is not a timestamp" in message


# --- malformed JSONL lines -------------------------------------------------------------


def test_jsonl_line_with_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": 1, "price": 1, "size": 1}\n\n{"ts": 2, "price": 1, "size": \n')
    message = read_error(path, kind="trades")
    assert "line 3: invalid JSON" in message
    assert "one JSON object per line" in message


def test_jsonl_invalid_line_after_the_first_batch_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    good = "".join(f'{{"ts": {i}, "price": 1, "size": 1}}\n' for i in range(1, 1_200))
    path.write_text(good + "{not json}\n")
    assert "line 1200: invalid JSON" in read_error(path, batch_rows=500)


def test_jsonl_line_that_is_not_an_object_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": 1, "price": 1, "size": 1}\n[2, 1, 1]\n')
    assert "line 2: a JSON list where an object is expected" in read_error(path, kind="trades")


def test_a_json_array_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('[{"ts": 1, "price": 1, "size": 1}]\n')
    assert "one JSON array; write JSON Lines" in read_error(path)


def test_jsonl_text_price_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": 1, "price": 1, "qty": 1}\n\n{"ts": 2, "price": "abc", "qty": 1}\n')
    message = read_error(path)
    assert "line 3, column 'price'" in message
    assert "'abc' is not a number" in message


def test_jsonl_missing_key_reads_as_a_missing_value(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": 1, "price": 1, "qty": 1}\n{"ts": 2, "qty": 1}\n')
    message = read_error(path)
    assert "line 2, column 'price'" in message
    assert "missing" in message


# --- values that break market rules ----------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "problem"),
    [
        ("1704067300,0,100.5,1,2", "bid", "price 0.0 is not positive"),
        ("1704067300,-5,100.5,1,2", "bid", "price -5.0 is not positive"),
        ("1704067300,100,inf,1,2", "ask", "inf is not a finite number"),
        ("1704067300,100,100.5,1,-0.5", "ask_size", "size -0.5 is negative"),
        ("1704067300,101,100.5,1,2", "ask", "crossed quote: ask 100.5 < bid 101.0"),
    ],
)
def test_quote_that_breaks_a_rule_names_line_column_and_problem(
    tmp_path: Path, row: str, column: str, problem: str
) -> None:
    path = quotes_csv(tmp_path, row + "\n")
    message = read_error(path)
    assert f"line 4, column '{column}'" in message
    assert problem in message


def test_the_first_offending_row_is_reported_when_several_are_bad(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067300,100,100.5,1,-1\n", "1704067301,-1,100.5,1,2\n")
    assert "line 4, column 'ask_size'" in read_error(path)


@pytest.mark.parametrize(
    ("bar", "column", "problem"),
    [
        ("100,99,101,100", "high", "high 99.0 < low 101.0"),
        ("98,102,99,100", "open", "open 98.0 is outside [low 99.0, high 102.0]"),
        ("100,102,99,103", "close", "close 103.0 is outside [low 99.0, high 102.0]"),
        ("100,102,99,nan", "close", "missing"),
        ("100,102,99,101,-3", "volume", "size -3.0 is negative"),
    ],
)
def test_bar_that_breaks_a_rule_names_line_column_and_problem(
    tmp_path: Path, bar: str, column: str, problem: str
) -> None:
    values = bar.split(",") + ["5"] * (5 - len(bar.split(",")))
    path = tmp_path / "bars.csv"
    path.write_text(
        "ts,open,high,low,close,volume\n"
        "1704067200,100,101,99,100,5\n"
        f"1704067260,{','.join(values)}\n"
    )
    message = read_error(path)
    assert f"line 3, column '{column}'" in message
    assert problem in message


def test_unknown_trade_side_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ts,price,size,side\n1,1,1,buy\n2,1,1,long\n")
    message = read_error(path)
    assert "line 3, column 'side'" in message
    assert "'long' is not buy, sell or empty" in message


def test_empty_symbol_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ts,price,size,ticker\n1,1,1,BTC\n2,1,1,\n")
    assert "line 3, column 'ticker': the symbol is missing" in read_error(path)


def test_parquet_missing_price_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"ts": [1, 2, 3], "price": [1.0, None, 1.0], "size": [1.0] * 3}), path)
    message = read_error(path)
    assert "row 2, column 'price'" in message
    assert "missing" in message


def test_parquet_nan_price_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"ts": [1, 2], "price": [1.0, float("nan")], "size": [1.0, 1]}), path)
    assert "row 2, column 'price': nan is not a finite number" in read_error(path)


# --- time order ------------------------------------------------------------------------


def test_timestamps_going_backwards_name_the_line_both_times_and_the_fix(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067200,100,100.5,1,2\n", good_rows=3)
    message = read_error(path)
    assert "line 5, column 'ts'" in message
    assert "1704067200000000000 (2024-01-01T00:00:00.000000000Z)" in message
    assert "1704067202000000000" in message
    assert "sort the file by time" in message


def test_timestamps_going_backwards_across_batches_are_caught(tmp_path: Path) -> None:
    path = quotes_csv(tmp_path, "1704067200,100,100.5,1,2\n", good_rows=4)
    assert "line 6, column 'ts'" in read_error(path, batch_rows=4)


def test_parquet_timestamps_going_backwards_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"ts": [1, 3, 2], "price": [1.0] * 3, "size": [1.0] * 3}), path)
    assert "row 3, column 'ts'" in read_error(path)


def test_jsonl_timestamps_going_backwards_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": 5, "price": 1, "size": 1}\n\n{"ts": 4, "price": 1, "size": 1}\n')
    assert "line 3, column 'ts'" in read_error(path)


def test_a_corrupt_parquet_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"this is not parquet at all")
    assert "not a readable Parquet file" in read_error(path)
