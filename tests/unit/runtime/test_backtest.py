"""run_backtest: reproducible outputs, several files merged by time, timers between data events."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind.data import write_table
from tradewind.data.stream import DataSpec
from tradewind.runtime.backtest import run_backtest
from tradewind.runtime.output import OUTPUT_FILES, TRADE_COLUMNS
from tradewind.testing import (
    MILLISECOND,
    SECOND,
    T0,
    Callback,
    RecordingStrategy,
    ScriptedStrategy,
    instrument,
)
from tradewind.venues.simulated import FeeModel, LatencyModel

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")
SOL = instrument("SOLUSDT")
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
OUTPUTS = ("summary.json", "fills.csv", "trades.csv", "orders.csv", "equity.csv", "report.html")


def write_quotes(path: Path, symbols: list[str], start: int, step: int, n: int) -> Path:
    """``n`` quotes per symbol every ``step`` ns from ``start``, prices on a 0.01 grid."""
    rows: dict[str, list[Any]] = {
        k: [] for k in ("ts", "symbol", "bid", "ask", "bid_size", "ask_size")
    }
    for k in range(n):
        for j, symbol in enumerate(symbols):
            bid = round(100 + 10 * j + ((k * 7 + j) % 23) * 0.01, 2)
            rows["ts"].append(start + k * step)
            rows["symbol"].append(symbol)
            rows["bid"].append(bid)
            rows["ask"].append(round(bid + 0.01 * (1 + k % 2), 2))
            rows["bid_size"].append(1.0 + k % 3)
            rows["ask_size"].append(1.5 + k % 4)
    return write_table(rows, path)


def trader(s: ScriptedStrategy, call: Callback) -> None:
    """Buy on every 7th quote, sell twice as much on every 11th, rest a limit every 5th."""
    if call.kind != "quote":
        return
    n = len(s.of("quote"))
    iid = call.event.instrument_id  # type: ignore[union-attr]
    if n % 7 == 0:
        s.submit_market(iid, "BUY", "1.500")
    if n % 11 == 0:
        s.submit_market(iid, "SELL", "3.000")
    if n % 5 == 0:
        s.cancel_all(iid)
        s.submit_limit(iid, "BUY", "0.700", "100.05")


def test_the_same_data_twice_gives_byte_identical_outputs(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "quotes.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 600)
    dirs = []
    for run in ("a", "b"):
        result = run_backtest(
            ScriptedStrategy(trader, kinds=("quotes",)),
            [data],
            instruments=[BTC],
            fees=FeeModel(maker_bps=Decimal(1), taker_bps=Decimal(5)),
            latency=LatencyModel(fixed_ns=MILLISECOND, jitter_ns=50 * MILLISECOND, seed=9),
        )
        dirs.append(result.write(tmp_path / run))
    a, b = dirs
    for name in OUTPUTS:
        assert (a / name).is_file(), name
    assert sorted(OUTPUTS) == sorted(OUTPUT_FILES) == sorted(p.name for p in a.iterdir())
    for name in ("fills.csv", "trades.csv", "orders.csv", "equity.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    fills = (a / "fills.csv").read_text().splitlines()
    assert len(fills) > 50  # a header and many fills: the comparison means something
    summary = json.loads((a / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["events"] == 600
    assert summary["fills"] == len(fills) - 1


def test_several_instruments_in_two_files_are_merged_by_timestamp(tmp_path: Path) -> None:
    first = write_quotes(tmp_path / "a.csv", ["BTCUSDT"], T0, 2 * MILLISECOND, 50)
    second = write_quotes(
        tmp_path / "b.csv", ["ETHUSDT", "SOLUSDT"], T0 + MILLISECOND, 2 * MILLISECOND, 50
    )
    s = RecordingStrategy(kinds=("quotes",))
    result = run_backtest(s, [first, second], instruments=[BTC, ETH, SOL])
    seen = [(c.event.ts_init, c.event.instrument_id) for c in s.of("quote")]  # type: ignore[union-attr]
    assert len(seen) == 150 == result.summary["events"]
    times = [ts for ts, _ in seen]
    assert times == sorted(times)
    assert [iid for _, iid in seen[:6]] == [BTC.id, ETH.id, SOL.id, BTC.id, ETH.id, SOL.id]
    assert all(c.now_ns == c.event.ts_init for c in s.of("quote"))  # type: ignore[union-attr]


def test_a_symbol_given_on_the_command_line_names_a_file_without_a_symbol_column(
    tmp_path: Path,
) -> None:
    rows: dict[str, list[Any]] = {
        "ts": [T0, T0 + SECOND],
        "bid": [100.0, 100.01],
        "ask": [100.02, 100.03],
        "bid_size": [1.0, 1.0],
        "ask_size": [1.0, 1.0],
    }
    path = write_table(rows, tmp_path / "eth.csv")
    s = RecordingStrategy(kinds=("quotes",))
    run_backtest(s, [DataSpec(path, symbol="ETHUSDT")], instruments=[BTC, ETH])
    assert {c.event.instrument_id for c in s.of("quote")} == {ETH.id}  # type: ignore[union-attr]


def test_a_strategy_timer_fires_between_data_events_at_its_own_times(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, SECOND, 6)

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_timer("half", SECOND, start_ns=T0 + SECOND // 2, stop_ns=T0 + 3 * SECOND)

    s = ScriptedStrategy(script, kinds=("quotes",))
    run_backtest(s, [data], instruments=[BTC])
    timeline = [(c.kind, c.now_ns - T0) for c in s.calls if c.kind in ("quote", "timer")]
    half = SECOND // 2
    assert timeline == [
        ("quote", 0),
        ("timer", half),
        ("quote", SECOND),
        ("timer", SECOND + half),
        ("quote", 2 * SECOND),
        ("timer", 2 * SECOND + half),
        ("quote", 3 * SECOND),
        ("quote", 4 * SECOND),
        ("quote", 5 * SECOND),
    ]
    assert all(c.now_ns == c.event.ts_event for c in s.of("timer"))  # type: ignore[union-attr]


def test_on_start_sees_the_clock_at_the_first_events_time(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, SECOND, 4)

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_alarm("soon", s.now_ns + SECOND // 2)

    s = ScriptedStrategy(script, kinds=("quotes",))
    run_backtest(s, [data], instruments=[BTC])
    assert s.of("start")[0].now_ns == T0
    assert [c.now_ns for c in s.of("timer")] == [T0 + SECOND // 2]


def test_reusing_one_latency_model_gives_the_same_fills(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "quotes.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 300)
    latency = LatencyModel(fixed_ns=MILLISECOND, jitter_ns=50 * MILLISECOND, seed=9)
    runs = [
        run_backtest(
            ScriptedStrategy(trader, kinds=("quotes",)), [data], instruments=[BTC], latency=latency
        )
        for _ in range(2)
    ]
    first, second = ([(f["ts_event"], f["price"]) for f in r.fills] for r in runs)
    assert len(first) > 20
    assert first == second


def test_trades_csv_rebuilds_the_round_trips_that_fills_csv_implies(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "quotes.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 600)
    result = run_backtest(
        ScriptedStrategy(trader, kinds=("quotes",)),
        [data],
        instruments=[BTC],
        fees=FeeModel(maker_bps=Decimal(1), taker_bps=Decimal(5)),
    )
    out = result.write(tmp_path / "out")
    with (out / "fills.csv").open() as file:
        fills = list(csv.DictReader(file))
    with (out / "trades.csv").open() as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames or ()) == TRADE_COLUMNS
        trades = list(reader)
    # Walk the fills independently: a trade ends each time the position reaches or crosses 0.
    position, closes, last_close = Decimal(0), 0, -1
    for index, row in enumerate(fills):
        signed = Decimal(row["quantity"]) * (1 if row["side"] == "BUY" else -1)
        after = position + signed
        if position and (after == 0 or (after > 0) != (position > 0)):
            closes, last_close = closes + 1, index
        position = after
    assert closes >= 4  # several trades: the comparisons below mean something
    assert len(trades) == closes == result.summary["statistics"]["round_trips"]
    assert [int(t["trade"]) for t in trades] == list(range(1, closes + 1))
    # Every PnL realized up to the last close belongs to a closed trade (fills.csv rounds
    # each fill's share to 12 places, so allow for that much).
    realized = sum(Decimal(row["realized_pnl"]) for row in fills[: last_close + 1])
    gross = sum(Decimal(t["gross_pnl"]) for t in trades)
    assert abs(realized - gross) <= Decimal("1e-9")
    for t in trades:
        assert Decimal(t["pnl"]) == Decimal(t["gross_pnl"]) - Decimal(t["fees"])
        assert t["side"] in ("LONG", "SHORT") and int(t["exit_ts"]) >= int(t["entry_ts"])
        assert (Decimal(t["return_pct"]) > 0) == (Decimal(t["pnl"]) > 0)
        amounts = ("entry_price", "exit_price", "quantity", "gross_pnl", "fees", "pnl")
        assert not any("E" in t[name] for name in (*amounts, "return_pct"))  # plain digits
    assert "<h2>Trades</h2>" in (out / "report.html").read_text()
