"""The ``tradewind`` command as a user runs it: results on disk, one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.cli import main
from tradewind.data import write_sample

SUMMARY_KEYS = {
    "events",
    "orders",
    "fills",
    "realized_pnl",
    "total_return",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "fees",
}

OFF_GRID_STRATEGY = '''
"""A strategy that sends a limit price off the tick grid."""
from tradewind import Strategy, QuoteTick


class OffGrid(Strategy):
    def on_start(self):
        self.subscribe_quotes(self.instruments[0])

    def on_quote(self, quote: QuoteTick):
        self.buy(quote.instrument_id, "0.01", price=quote.bid - 0.005)
'''

BUGGY_STRATEGY = '''
"""A strategy with a bug in it."""
from tradewind import Strategy


class Buggy(Strategy):
    def on_start(self):
        self.subscribe_quotes(self.instruments[0])

    def on_quote(self, quote):
        return 1 / 0
'''


@pytest.fixture(scope="module")
def quotes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "btc_quotes.parquet"
    write_sample(path, "quotes", 20_000)
    return path


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "btc_bars.csv"
    write_sample(path, "bars", 5_000)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"


def test_backtest_writes_summary_fills_orders_equity_and_report(
    capsys: pytest.CaptureFixture[str], quotes: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    code, stdout, _ = run(
        capsys,
        "backtest",
        "--strategy",
        "ma_crossover",
        "--data",
        str(quotes),
        "--param",
        "fast=5",
        "--param",
        "slow=40",
        "--taker-bps",
        "5",
        "--out",
        str(out),
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["events"] == 20_000
    assert summary["fills"] > 0
    assert float(summary["fees"]) > 0
    fills = (out / "fills.csv").read_text().splitlines()
    assert len(fills) == summary["fills"] + 1
    assert (out / "orders.csv").read_text().count("\n") == summary["orders"] + 1
    assert (out / "equity.csv").stat().st_size > 0
    trades = (out / "trades.csv").read_text().splitlines()
    assert trades[0].startswith("trade,instrument_id,side,entry_ts,")
    assert len(trades) == summary["statistics"]["round_trips"] + 1 > 1
    report = (out / "report.html").read_text()
    assert "<svg" in report and "http://" not in report and "https://" not in report
    assert "<h2>Trade returns</h2>" in report and "<h2>Trades</h2>" in report
    assert "realized PnL" in stdout


def test_same_backtest_twice_gives_byte_identical_fills(
    capsys: pytest.CaptureFixture[str], quotes: Path, tmp_path: Path
) -> None:
    args = [
        "backtest",
        "--strategy",
        "mean_reversion",
        "--data",
        str(quotes),
        "--param",
        "window=30",
        "--param",
        "entry_bps=0.5",
        "--latency-ms",
        "5",
        "--latency-jitter-ms",
        "20",
        "--seed",
        "7",
    ]
    assert run(capsys, *args, "--out", str(tmp_path / "a"))[0] == 0
    assert run(capsys, *args, "--out", str(tmp_path / "b"))[0] == 0
    first = (tmp_path / "a" / "fills.csv").read_bytes()
    assert first.count(b"\n") > 10
    assert first == (tmp_path / "b" / "fills.csv").read_bytes()
    assert (tmp_path / "a" / "report.html").read_bytes() == (
        tmp_path / "b" / "report.html"
    ).read_bytes()


def test_bars_from_csv_run_and_two_files_merge_by_time(
    capsys: pytest.CaptureFixture[str], bars_csv: Path, quotes: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "backtest",
        "--strategy",
        "momentum",
        "--data",
        f"BTCUSDT={bars_csv}",
        "--data",
        f"ETHUSDT={quotes}",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 0, err
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["events"] == 25_000
    assert summary["instruments"] == ["BTCUSDT.SIM", "ETHUSDT.SIM"]


def test_malformed_row_names_file_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ts_ns,bid,ask,bid_size,ask_size\n"
        "1704067200000000000,100.0,100.1,1,1\n"
        "1704067200100000000,abc,100.1,1,1\n"
    )
    code, _, err = run(capsys, "backtest", "--strategy", "ma_crossover", "--data", str(bad))
    assert_one_line_error(code, err, "bad.csv", "3", "bid")


def test_missing_column_names_it_and_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "noask.csv"
    bad.write_text("ts_ns,bid,bid_size,ask_size\n1704067200000000000,100.0,1,1\n")
    code, _, err = run(capsys, "backtest", "--strategy", "ma_crossover", "--data", str(bad))
    assert_one_line_error(code, err, "noask.csv")


def test_empty_file_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(capsys, "backtest", "--strategy", "ma_crossover", "--data", str(empty))
    assert_one_line_error(code, err, "empty.csv")


def test_missing_file_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "backtest", "--strategy", "ma_crossover", "--data", str(tmp_path / "nope.parquet")
    )
    assert_one_line_error(code, err, "nope.parquet", "no such file")


def test_unknown_strategy_lists_the_builtins(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, _, err = run(capsys, "backtest", "--strategy", "moonshot", "--data", str(quotes))
    assert_one_line_error(code, err, "moonshot", "ma_crossover")


def test_unknown_parameter_names_it_and_the_known_ones(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, _, err = run(
        capsys, "backtest", "--strategy", "ma_crossover", "--data", str(quotes), "--param", "fsat=3"
    )
    assert_one_line_error(code, err, "fsat", "fast")


def test_bad_parameter_value_names_it(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    code, _, err = run(
        capsys, "backtest", "--strategy", "ma_crossover", "--data", str(quotes), "--param", "fast=x"
    )
    assert_one_line_error(code, err, "fast")


def test_parameter_without_equals_sign_is_refused(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, _, err = run(
        capsys, "backtest", "--strategy", "ma_crossover", "--data", str(quotes), "--param", "fast"
    )
    assert_one_line_error(code, err, "KEY=VALUE")


def test_order_off_the_tick_grid_names_the_price_and_the_fix(
    capsys: pytest.CaptureFixture[str], quotes: Path, tmp_path: Path
) -> None:
    strategy = tmp_path / "offgrid.py"
    strategy.write_text(OFF_GRID_STRATEGY)
    code, _, err = run(
        capsys,
        "backtest",
        "--strategy",
        f"{strategy}:OffGrid",
        "--data",
        str(quotes),
        "--out",
        str(tmp_path / "o"),
    )
    assert_one_line_error(code, err, "off the tick grid", "0.01", "round_price")


def test_bad_instrument_definition_is_refused(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, _, err = run(
        capsys,
        "backtest",
        "--strategy",
        "ma_crossover",
        "--data",
        str(quotes),
        "--instrument",
        "BTCUSDT:tick=0.01,lots=1",
    )
    assert_one_line_error(code, err, "lots")


def test_a_bug_in_strategy_code_points_at_the_users_line(
    capsys: pytest.CaptureFixture[str], quotes: Path, tmp_path: Path
) -> None:
    strategy = tmp_path / "buggy.py"
    strategy.write_text(BUGGY_STRATEGY)
    code, _, err = run(
        capsys,
        "backtest",
        "--strategy",
        f"{strategy}:Buggy",
        "--data",
        str(quotes),
        "--out",
        str(tmp_path / "b"),
    )
    assert code == 1
    assert "buggy.py:11" in err and "ZeroDivisionError" in err
    assert "Traceback" not in err


def test_strategies_lists_every_builtin_with_its_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "strategies")
    assert code == 0
    for name in ("ma_crossover", "mean_reversion", "vol_breakout", "momentum"):
        assert f"{name}:" in out
    assert "--param fast=<int>" in out and "--param window=" in out


def test_progress_bar_is_drawn_when_asked(
    capsys: pytest.CaptureFixture[str], quotes: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "backtest",
        "--strategy",
        "momentum",
        "--data",
        str(quotes),
        "--progress",
        "--out",
        str(tmp_path / "p"),
    )
    assert code == 0
    assert "100.0%" in err and "events" in err


def test_installed_command_runs_as_a_process(quotes: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradewind",
            "backtest",
            "--strategy",
            "momentum",
            "--data",
            str(quotes),
            "--param",
            "lookback=5",
            "--out",
            str(tmp_path / "proc"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "proc" / "summary.json").exists()
