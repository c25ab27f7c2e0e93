"""``tradewind run`` and ``tradewind demo`` as a user runs them: real processes, real signals.

Every test starts ``python -m tradewind.cli`` as a subprocess in its own temporary folder (so
``state/`` and recordings land there) and checks what a user sees: the exit code, the
summary on stdout, one ``error:`` line on stderr for bad input, and the files left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 90.0
"""How long a process may take to finish (generous: only a hang should ever reach it)."""
SETTLE_S = 1.0
"""After the store file appears: time for the bot to finish wiring and install its handlers."""

BOT_TOML = """
[bot]
name = "acc"
shutdown_timeout = "30s"

[[venues]]
name = "SIM"
kind = "mock"
rate_hz = 50
seed = 11
volatility = 4.0
balances = { USDT = "100000" }

[[instruments]]
id = "BTCUSDT.SIM"
tick = "0.01"
lot = "0.001"
price = 60000

[[instruments]]
id = "ETHUSDT.SIM"
tick = "0.01"
lot = "0.001"
price = 3000

[[strategies]]
id = "trend"
strategy = "TREND"
instruments = ["BTCUSDT.SIM"]
params = TREND_PARAMS

[[strategies]]
id = "mom"
strategy = "momentum"
instruments = ["ETHUSDT.SIM"]
params = { lookback = 5, threshold_bps = 1, size = "0.1" }

[store]
url = "sqlite:///state/t.db"
"""

BOOM_STRATEGY = '''
"""A strategy with a bug: it raises on its third quote."""
from tradewind import Strategy


class Boom(Strategy):
    def on_start(self):
        self.seen = 0
        self.subscribe_quotes(self.instruments[0])

    def on_quote(self, quote):
        self.seen += 1
        if self.seen >= 3:
            raise RuntimeError("boom-canary: the strategy divided by nothing")
'''

ENDED_STOPPED = re.compile(r"^ended\s+stopped$", re.MULTILINE)


def bot_toml(trend: str = "ma_crossover") -> str:
    """The test bot: ma_crossover (or ``trend``) on BTC and momentum on ETH, 50 quotes/s."""
    params = '{ fast = 3, slow = 8, size = "0.01" }' if trend == "ma_crossover" else "{}"
    return BOT_TOML.replace("TREND_PARAMS", params).replace("TREND", trend)


def _child_env() -> dict[str, str]:
    # The developer's own TRADEWIND_* settings (store url, preset, log level) stay out.
    return {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}


def _like_a_terminal() -> None:
    # A shell's background job ignores SIGINT; a user's Ctrl-C reaches a default handler.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(cwd: Path, *args: str) -> subprocess.Popen[str]:
    """``tradewind ARGS`` started in ``cwd``, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "tradewind.cli", *args],
        cwd=cwd,
        env=_child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_like_a_terminal,
    )


@dataclass
class Ran:
    """A finished ``tradewind`` process."""

    code: int
    out: str
    err: str


def finish(proc: subprocess.Popen[str]) -> Ran:
    """Wait (generously) for ``proc``; a hang fails the test instead of blocking the suite."""
    try:
        out, err = proc.communicate(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"tradewind did not exit within {WAIT_S:g} s\nstdout:\n{out}\nstderr:\n{err}")
    return Ran(proc.returncode, out, err)


def tradewind(cwd: Path, *args: str) -> Ran:
    """Run ``tradewind ARGS`` in ``cwd`` to the end."""
    return finish(start(cwd, *args))


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until ``path`` exists (the bot opened its store), failing if the bot died first."""
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        if proc.poll() is not None:
            ran = finish(proc)
            pytest.fail(f"the bot exited ({ran.code}) before starting:\n{ran.out}\n{ran.err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path} never appeared")
        time.sleep(0.02)


def assert_clean(ran: Ran) -> None:
    """Exit 0 after a clean stop: the summary on stdout, no traceback or error on stderr."""
    assert ran.code == 0, f"exit {ran.code}\nstdout:\n{ran.out}\nstderr:\n{ran.err}"
    assert ENDED_STOPPED.search(ran.out), ran.out
    assert "Traceback" not in ran.err, ran.err
    assert "error:" not in ran.err, ran.err


def summary_events(out: str) -> int:
    """The ``events`` count of the printed summary."""
    found = re.search(r"^events\s+([\d,]+)$", out, re.MULTILINE)
    assert found, out
    return int(found.group(1).replace(",", ""))


def one_error_line(ran: Ran, code: int) -> str:
    """The single ``error: ...`` line a refused or failed run leaves on stderr."""
    assert ran.code == code, f"exit {ran.code}\nstdout:\n{ran.out}\nstderr:\n{ran.err}"
    errors = [line for line in ran.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, ran.err
    return errors[0]


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    """A folder holding ``bot.toml``; the bot runs with it as the working directory."""
    (tmp_path / "bot.toml").write_text(bot_toml())
    return tmp_path


# ------------------------------------------------------------------------------- stopping


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_bot_cleanly(bot: Path, sig: signal.Signals) -> None:
    proc = start(bot, "run", "--config", "bot.toml")
    wait_for(bot / "state" / "t.db", proc)
    time.sleep(SETTLE_S)
    assert proc.poll() is None, "the bot stopped by itself: it has no --duration"
    proc.send_signal(sig)
    ran = finish(proc)
    assert_clean(ran)
    assert re.search(r"^bot\s+acc \(mode mock, run 1\)$", ran.out, re.MULTILINE), ran.out
    assert summary_events(ran.out) > 0


def test_a_duration_run_writes_its_summary_and_a_replayable_recording(bot: Path) -> None:
    ran = tradewind(
        bot, "run", "--config", "bot.toml", "--duration", "2s", "--summary-json", "out.json",
        "--record", "rec",
    )  # fmt: skip
    assert_clean(ran)
    summary = json.loads((bot / "out.json").read_text())
    assert summary["phase"] == "stopped"
    assert {"orders", "fills", "positions"} <= set(summary)
    assert summary["events"] > 0 and summary["orders"] > 0 and summary["fills"] > 0
    assert set(summary["strategies"]) == {"trend", "mom"}
    quotes = sorted((bot / "rec").glob("quotes-*.jsonl"))
    assert quotes, sorted(p.name for p in (bot / "rec").iterdir())
    rows = [json.loads(line) for p in quotes for line in p.read_text().splitlines()]
    assert {row["symbol"] for row in rows} == {"BTCUSDT.SIM", "ETHUSDT.SIM"}
    assert all(row["bid"] < row["ask"] for row in rows)
    recorded = sum(len(p.read_text().splitlines()) for p in (bot / "rec").iterdir() if p.is_file())

    replay = (
        "replay", "--strategy", "ma_crossover", "--data", "rec",
        "--instrument", "BTCUSDT:tick=0.01,lot=0.001",
        "--instrument", "ETHUSDT:tick=0.01,lot=0.001",
        "--param", "fast=3", "--param", "slow=8",
    )  # fmt: skip
    fast = tradewind(bot, *replay, "--out", "o2")
    assert fast.code == 0, fast.err
    replayed = json.loads((bot / "o2" / "summary.json").read_text())
    assert replayed["events"] == recorded
    assert replayed["orders"] > 0

    paced = tradewind(bot, *replay, "--out", "o3", "--realtime", "--speed", "4")
    assert paced.code == 0, paced.err
    assert json.loads((bot / "o3" / "summary.json").read_text())["events"] == recorded


# ------------------------------------------------------------------------------ restarting


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """The test bot run twice for 1.5 s on the same SQLite store; both summaries."""
    folder = tmp_path_factory.mktemp("restart")
    (folder / "bot.toml").write_text(bot_toml())
    summaries = []
    for n in (1, 2):
        ran = tradewind(
            folder, "run", "--config", "bot.toml", "--duration", "1.5s",
            "--summary-json", f"run{n}.json",
        )  # fmt: skip
        assert_clean(ran)
        summaries.append(json.loads((folder / f"run{n}.json").read_text()))
    return folder, summaries


def test_a_restart_recovers_the_previous_run(
    two_runs: tuple[Path, list[dict[str, Any]]],
) -> None:
    _, (first, second) = two_runs
    assert (first["run"], second["run"]) == (1, 2)
    assert first["fills"] > 0
    recovery = second["recovery"]
    assert recovery["mismatches"] == []
    assert recovery["fills_replayed"] == first["fills"]
    recovered = {k: Decimal(v) for k, v in recovery["positions"].items() if Decimal(v)}
    assert recovered == {k: Decimal(v) for k, v in first["positions"].items()}
    assert second["phase"] == "stopped"


def test_a_restarted_run_keeps_every_fill_in_the_store(
    two_runs: tuple[Path, list[dict[str, Any]]],
) -> None:
    folder, (_, second) = two_runs
    with sqlite3.connect(folder / "state" / "t.db") as db:
        (stored,) = db.execute("SELECT count(*) FROM fills").fetchone()
    assert stored == second["fills"] + second["fills_recovered"]  # both runs, each once


# ----------------------------------------------------------------------------- bad input

_UNKNOWN_KEY = bot_toml().replace('name = "acc"', 'name = "acc"\ndurration = "5s"')


@pytest.mark.parametrize(
    ("files", "args", "needles"),
    [
        pytest.param(
            {"bot.toml": _UNKNOWN_KEY}, (), ("unknown key", "bot.durration"), id="unknown-key"
        ),
        pytest.param(
            {"bot.toml": "[bot\nname = 'x'\n"}, (), ("bot.toml", "not valid TOML"), id="not-toml"
        ),
        pytest.param({}, (), ("bot.toml", "no such file"), id="missing-config"),
        pytest.param(
            {"bot.toml": bot_toml(), ".env.live": "TRADEWIND_MODE=live\n"},
            ("--env", "live"),
            ("TRADEWIND_MODE=live", "--live"),
            id="live-without-flag",
        ),
        pytest.param(
            {"bot.toml": bot_toml()}, ("--env", "sandbox"), (".env.sandbox",), id="no-sandbox-env"
        ),
        pytest.param(
            {"bot.toml": bot_toml(), ".env.mock": "BINANCE_API_KEY=TWCANARY-xyz\n"},
            ("--env", "mock"),
            (".env.mock", "BINANCE_API_KEY", "secret"),
            id="secret-in-env-file",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, files: dict[str, str], args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ran = tradewind(tmp_path, "run", "--config", "bot.toml", *args)
    line = one_error_line(ran, 2)
    assert ran.err.strip() == line, ran.err
    for needle in needles:
        assert needle in line, line
    assert "TWCANARY" not in ran.out + ran.err
    assert not (tmp_path / "state").exists(), "a refused run opened its store"


# ------------------------------------------------------------------ demo and the example


def test_the_demo_runs_three_strategies_and_prints_its_summary(tmp_path: Path) -> None:
    ran = tradewind(tmp_path, "demo", "--duration", "3s")
    assert_clean(ran)
    for sid in ("btc_trend", "eth_revert", "majors_momentum"):
        assert re.search(rf"^  {sid}\s+\d+ orders on ", ran.out, re.MULTILINE), ran.out
    assert summary_events(ran.out) > 0


def test_the_mock_multi_example_runs(tmp_path: Path) -> None:
    shutil.copy(REPO / "examples" / "mock_multi.toml", tmp_path / "mock_multi.toml")
    ran = tradewind(
        tmp_path, "run", "--config", "mock_multi.toml", "--duration", "2s",
        "--summary-json", "s.json",
    )  # fmt: skip
    assert_clean(ran)
    summary = json.loads((tmp_path / "s.json").read_text())
    assert set(summary["strategies"]) == {
        "btc_trend", "eth_revert", "sol_breakout", "majors_momentum",
    }  # fmt: skip
    assert (tmp_path / "state" / "mock_multi.db").is_file()


# ------------------------------------------------------------------------- strategy bugs


@pytest.fixture(scope="module")
def boom(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ran, dict[str, Any]]:
    """The test bot with ``boom.py:Boom`` (raises on its third quote) in place of ma_crossover."""
    folder = tmp_path_factory.mktemp("boom")
    (folder / "boom.py").write_text(BOOM_STRATEGY)
    (folder / "bot.toml").write_text(bot_toml("boom.py:Boom"))
    ran = tradewind(folder, "run", "--config", "bot.toml", "--summary-json", "s.json")
    return ran, json.loads((folder / "s.json").read_text())


def test_a_strategy_that_raises_stops_the_bot_with_exit_1(
    boom: tuple[Ran, dict[str, Any]],
) -> None:
    ran, summary = boom
    line = one_error_line(ran, 1)
    assert "boom-canary: the strategy divided by nothing" in line
    assert "RuntimeError" in line
    assert re.search(r"^ended\s+failed: .*boom-canary", ran.out, re.MULTILINE), ran.out
    assert summary["phase"] == "failed"
    assert "boom-canary" in summary["error"]


def test_a_strategy_that_raises_leaves_no_traceback(boom: tuple[Ran, dict[str, Any]]) -> None:
    ran, _ = boom
    assert "Traceback" not in ran.err, ran.err
    # the log says which service stopped; the last line is the one error line
    assert ran.err.strip().splitlines()[-1] == one_error_line(ran, 1)


def test_amounts_are_written_without_an_exponent(boom: tuple[Ran, dict[str, Any]]) -> None:
    ran, summary = boom
    assert summary["equity"] == "100000"
    assert re.search(r"^equity\s+100000 USDT$", ran.out, re.MULTILINE), ran.out
