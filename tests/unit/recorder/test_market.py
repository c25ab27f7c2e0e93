"""MarketRecorder: recordings rotate in time order and backtest as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradewind.data.readers import open_data
from tradewind.data.stream import DataSpec
from tradewind.errors import ConfigError, DataError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.recorder import MarketRecorder, trim_partial_line
from tradewind.runtime.backtest import run_backtest
from tradewind.testing.factories import SECOND, T0, bar, instrument, quote, trade
from tradewind.testing.harness import RecordingStrategy

BTC = instrument("BTCUSDT", "SIM")
DAY = 86_400 * SECOND


def market_events(n: int = 10) -> list[QuoteTick | TradeTick | Bar]:
    """Quotes, trades and bars interleaved in time, with distinct prices."""
    events: list[QuoteTick | TradeTick | Bar] = []
    for k in range(n):
        ts = T0 + (k + 1) * 60 * SECOND
        p = 100.0 + k * 0.25
        events.append(quote(BTC, p - 0.01, p + 0.01, ts, 1.5 + k, 2.5 + k))
        side = "BUY" if k % 2 else "SELL"
        events.append(trade(BTC, p, ts + 1, 0.1 * (k + 1), side, f"t{k}"))
        events.append(bar(BTC, p, p + 1, p - 1, p + 0.5, ts + 2, volume=10.0 + k))
    return events


def record(folder: Path, events: list[Any], **kw: Any) -> MarketRecorder:
    with MarketRecorder(folder, **kw) as recorder:
        recorder.record_many(events)
    return recorder


def spec_for(path: Path) -> DataSpec:
    # Bars are recorded at their close time, the model's convention.
    return DataSpec(path, bar_ts="close") if path.name.startswith("bars") else DataSpec(path)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_recording_replays_through_a_backtest_as_the_same_events(
    tmp_path: Path, fmt: str
) -> None:
    events = market_events()
    recorder = record(tmp_path, events, format=fmt, rotate_rows=4)

    strategy = RecordingStrategy(kinds=("quotes", "trades", "bars"))
    run_backtest(strategy, [spec_for(p) for p in recorder.paths], instruments=[BTC])

    for kind, cls in (("quote", QuoteTick), ("trade", TradeTick), ("bar", Bar)):
        got = [c.event for c in strategy.of(kind)]
        want = [e for e in events if isinstance(e, cls)]
        assert got == want, kind


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_rotation_by_rows_makes_several_files_whose_names_sort_in_time_order(
    tmp_path: Path, fmt: str
) -> None:
    recorder = record(tmp_path, market_events(10), format=fmt, rotate_rows=4)

    quotes = sorted(p.name for p in tmp_path.glob("quotes-*"))
    assert quotes == [f"quotes-2024-01-01-{n:04d}.{fmt}" for n in (1, 2, 3)]
    assert len(recorder.paths) == 9
    previous = -1
    rows = 0
    for name in quotes:
        data = open_data(tmp_path / name)
        assert data.kind == "quotes"
        for batch in data.batches():
            assert batch.columns["ts"][0] > previous
            previous = batch.columns["ts"][-1]
            rows += len(batch)
            assert set(batch.columns["symbol"]) == {"BTCUSDT.SIM"}
    assert rows == 10


def test_the_file_columns_are_the_documented_ones(tmp_path: Path) -> None:
    record(tmp_path, market_events(1))

    first = (tmp_path / "quotes-2024-01-01-0001.jsonl").read_text().splitlines()[0]
    assert first.startswith('{"ts_event":')
    assert list(__import__("json").loads(first)) == [
        "ts_event",
        "ts_init",
        "symbol",
        "bid",
        "ask",
        "bid_size",
        "ask_size",
    ]


def test_rotation_by_seconds_and_at_midnight_starts_new_files(tmp_path: Path) -> None:
    late = T0 + DAY - 30 * SECOND
    events = [quote(BTC, 100, 101, late + k * 20 * SECOND) for k in range(5)]

    record(tmp_path, events, rotate_seconds=30)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "quotes-2024-01-01-0001.jsonl",  # 23:59:30 and 23:59:50
        "quotes-2024-01-02-0001.jsonl",  # 00:00:10 and 00:00:30
        "quotes-2024-01-02-0002.jsonl",  # 00:00:50: 40 s after the file began
    ]


def test_a_restarted_recorder_continues_the_numbering_instead_of_overwriting(
    tmp_path: Path,
) -> None:
    record(tmp_path, [quote(BTC, 100, 101, T0 + SECOND)])
    record(tmp_path, [quote(BTC, 100, 101, T0 + 2 * SECOND)])

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["quotes-2024-01-01-0001.jsonl", "quotes-2024-01-01-0002.jsonl"]


def test_parquet_is_written_in_row_groups_and_completed_on_close(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    record(tmp_path, market_events(10), format="parquet", group_rows=3)

    meta = pq.ParquetFile(tmp_path / "quotes-2024-01-01-0001.parquet").metadata
    assert meta.num_rows == 10
    assert meta.num_row_groups == 4


def test_jsonl_rows_reach_the_file_on_each_batch_before_close(tmp_path: Path) -> None:
    recorder = MarketRecorder(tmp_path)
    recorder.record_many([quote(BTC, 100, 101, T0 + SECOND)])

    assert open_data(tmp_path / "quotes-2024-01-01-0001.jsonl").rows is None
    assert len((tmp_path / "quotes-2024-01-01-0001.jsonl").read_text().splitlines()) == 1
    recorder.close()


def test_a_partial_last_line_after_a_crash_is_a_clear_reader_error_until_trimmed(
    tmp_path: Path,
) -> None:
    record(tmp_path, market_events(3))
    path = tmp_path / "quotes-2024-01-01-0001.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[:-20])  # the recorder died mid-line

    with pytest.raises(DataError, match=r"line 3: invalid JSON"):
        for _ in open_data(path).batches():
            pass

    assert trim_partial_line(path) == len(data[:-20]) - len(b"".join(data.splitlines(True)[:2]))
    assert sum(len(b) for b in open_data(path).batches()) == 2
    assert trim_partial_line(path) == 0


def test_recording_anything_but_market_data_is_refused(tmp_path: Path) -> None:
    with MarketRecorder(tmp_path) as recorder, pytest.raises(TypeError, match="not str"):
        recorder.record("quote")  # type: ignore[arg-type]


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'csv'"):
        MarketRecorder(tmp_path, format="csv")


def test_venue_times_arriving_out_of_order_are_counted(tmp_path: Path) -> None:
    events = [
        quote(BTC, 100, 101, T0 + 2 * SECOND),
        quote(BTC, 100, 101, T0 + 3 * SECOND, ts_event=T0 + SECOND),
        quote(BTC, 100, 101, T0 + 4 * SECOND),
    ]

    recorder = record(tmp_path, events)

    assert recorder.out_of_order == 1
