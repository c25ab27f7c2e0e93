"""``tradewind replay`` as a user runs it: a recording folder through a strategy, paced or not."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tradewind import cli
from tradewind.cli_replay import add_replay_command, data_specs, recording_files
from tradewind.data import write_sample
from tradewind.errors import TradewindError
from tradewind.recorder import MarketRecorder
from tradewind.runtime.backtest import run_backtest
from tradewind.testing import (
    MILLISECOND,
    SECOND,
    T0,
    RecordingStrategy,
    bar,
    instrument,
    quote,
    trade,
)

TRADER = '''
"""Buys every 5th quote and sells every 7th; records each bar's time."""
from tradewind import Strategy


class Churn(Strategy):
    def on_start(self):
        self.n = 0
        self.bars = []
        for iid in self.instruments:
            self.subscribe_quotes(iid)
            self.subscribe_bars(iid)

    def on_quote(self, quote):
        self.n += 1
        if self.n % 5 == 0:
            self.buy(quote.instrument_id, "0.01")
        if self.n % 7 == 0:
            self.sell(quote.instrument_id, "0.01")

    def on_bar(self, bar):
        self.bars.append(bar.ts_init)
'''
OUTPUTS = ("summary.json", "fills.csv", "orders.csv", "equity.csv", "report.html")


def _registered() -> bool:
    """True once ``tradewind.cli`` has the replay command (then tests go through its main)."""
    for action in cli._parser()._actions:
        if isinstance(action, argparse._SubParsersAction) and "replay" in action.choices:
            return True
    return False


def replay(*argv: str) -> int:
    """``tradewind replay ...`` with the exit code and stderr of ``tradewind.cli.main``.

    Until ``replay`` is registered in ``tradewind.cli``, a parser holding only the replay
    command runs it and reports a TradewindError as ``main`` does (one line, exit 2).
    """
    if REGISTERED:
        return cli.main(["replay", *argv])
    parser = argparse.ArgumentParser(prog="tradewind")
    add_replay_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["replay", *argv])
    try:
        return int(args.func(args))
    except TradewindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


REGISTERED = _registered()


def record(folder: Path, venue: str = "SIM", fmt: str = "jsonl", seconds: int = 2) -> int:
    """Record ``seconds`` of quotes every 50 ms, a trade every 150 ms and a bar a second, in
    files of at most 12 rows; returns how many events were recorded."""
    btc = instrument("BTCUSDT", venue)
    with MarketRecorder(folder, format=fmt, rotate_rows=12) as recorder:
        for k in range(seconds * 20 + 1):
            ts = T0 + k * 50 * MILLISECOND
            mid = 100 + (k * 7 % 13) * 0.01
            recorder.record(quote(btc, round(mid - 0.01, 2), round(mid + 0.01, 2), ts))
            if k % 3 == 0:
                recorder.record(trade(btc, round(mid, 2), ts + 1, 0.5, "BUY", f"t{k}"))
            if k and k % 20 == 0:
                recorder.record(bar(btc, 100, 100.2, 99.9, mid, ts + 2, interval_ns=SECOND))
        rows = recorder.rows
        assert len([p for p in recorder.paths if p.name.startswith("quotes-")]) >= 2
    return rows


@pytest.fixture
def strategy(tmp_path: Path) -> str:
    path = tmp_path / "churn.py"
    path.write_text(TRADER)
    return f"{path}:Churn"


def test_a_recording_folder_replays_at_full_speed_with_the_backtest_outputs(
    tmp_path: Path, strategy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = record(tmp_path / "rec")
    assert (
        replay(
            "--strategy", strategy, "--data", str(tmp_path / "rec"), "--out", str(tmp_path / "out")
        )
        == 0
    )
    out = capsys.readouterr().out
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).is_file(), name
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["events"] == rows
    assert summary["instruments"] == ["BTCUSDT.SIM"]
    assert summary["fills"] == len((tmp_path / "out" / "fills.csv").read_text().splitlines()) - 1
    assert summary["fills"] >= 10
    assert "orders / fills" in out and f"{rows:,}" in out


def test_realtime_at_speed_4_paces_a_2_second_recording_with_identical_results(
    tmp_path: Path, strategy: str
) -> None:
    record(tmp_path / "rec")
    common = ["--strategy", strategy, "--data", str(tmp_path / "rec"), "--latency-ms", "20"]
    started = time.monotonic()
    assert replay(*common, "--out", str(tmp_path / "fast")) == 0
    fast_wall = time.monotonic() - started
    started = time.monotonic()
    assert replay(*common, "--realtime", "--speed", "4", "--out", str(tmp_path / "paced")) == 0
    paced_wall = time.monotonic() - started
    assert paced_wall >= 0.45  # 2 s of data at 4x: 0.5 s, less the 1 ms tolerance
    assert paced_wall > fast_wall
    for name in ("fills.csv", "orders.csv", "equity.csv", "summary.json"):
        fast, paced = (tmp_path / d / name for d in ("fast", "paced"))
        assert fast.read_bytes() == paced.read_bytes(), name


def test_bars_of_a_recording_replay_at_their_recorded_close_times(tmp_path: Path) -> None:
    """The recorder writes bars at their close; the replay delivers them at those times."""
    record(tmp_path / "rec")
    files = recording_files(tmp_path / "rec")
    assert [p.name.split("-")[0] for p in files][:3] == ["bars", "quotes", "trades"]
    parser = argparse.ArgumentParser(prog="tradewind")
    add_replay_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["replay", "--strategy", "x", "--data", str(tmp_path / "rec")])
    specs = data_specs(args)
    assert len(specs) == len(files)
    assert [s.bar_ts for s in specs if s.path.name.startswith("bars-")] == ["close"]
    watcher = RecordingStrategy(kinds=("bars",))
    run_backtest(watcher, specs, instruments=[instrument("BTCUSDT")])
    assert [c.now_ns for c in watcher.of("bar")] == [T0 + SECOND + 2, T0 + 2 * SECOND + 2]


def test_a_parquet_recording_on_another_venue_takes_the_grid_of_its_instrument_option(
    tmp_path: Path, strategy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = record(tmp_path / "rec", venue="BINANCE", fmt="parquet")
    code = replay(
        "--strategy",
        strategy,
        "--data",
        str(tmp_path / "rec"),
        "--instrument",
        "BTCUSDT:tick=0.01,lot=0.01",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["instruments"] == ["BTCUSDT.BINANCE"]
    assert summary["events"] == rows
    fills = (tmp_path / "out" / "fills.csv").read_text().splitlines()
    assert len(fills) > 5 and all("BTCUSDT.BINANCE" in line for line in fills[1:])


def test_a_single_recording_file_and_a_plain_data_file_replay_too(
    tmp_path: Path, strategy: str
) -> None:
    record(tmp_path / "rec")
    first = sorted((tmp_path / "rec").glob("quotes-*"))[0]
    plain = write_sample(tmp_path / "eth.parquet", "quotes", 300)
    code = replay(
        "--strategy",
        strategy,
        "--data",
        str(first),
        "--data",
        f"ETHUSDT={plain}",
        "--out",
        str(tmp_path / "two"),
    )
    assert code == 0
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["events"] == 12 + 300
    assert sorted(summary["instruments"]) == ["BTCUSDT.SIM", "ETHUSDT.SIM"]


def assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0], err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--speed", "2"], "add --realtime"),
        (["--realtime", "--speed", "fast"], "--speed 'fast' is not a number"),
        (["--realtime", "--speed", "0"], "--speed 0 must be > 0"),
        (["--realtime", "--speed", "-3"], "--speed -3 must be > 0"),
    ],
)
def test_a_bad_speed_is_one_clear_line(
    tmp_path: Path,
    strategy: str,
    extra: Sequence[str],
    needle: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record(tmp_path / "rec", seconds=1)
    code = replay("--strategy", strategy, "--data", str(tmp_path / "rec"), *extra)
    assert_one_line_error(code, capsys.readouterr().err, needle)
    assert not (tmp_path / "out").exists()


def test_a_folder_without_recording_files_or_a_missing_file_is_one_clear_line(
    tmp_path: Path, strategy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("nothing here")
    code = replay("--strategy", strategy, "--data", str(tmp_path / "empty"))
    assert_one_line_error(code, capsys.readouterr().err, "no recording files in this folder")
    code = replay("--strategy", strategy, "--data", str(tmp_path / "nowhere.jsonl"))
    assert_one_line_error(code, capsys.readouterr().err, "no such file")
