"""run_backtest(speed=...): events held back to their wall time, results as unpaced."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.errors import ConfigError
from tradewind.model.data import QuoteTick
from tradewind.runtime.backtest import _Pacer, run_backtest
from tradewind.testing import MILLISECOND, SECOND, T0, Callback, ScriptedStrategy, instrument
from tradewind.testing import quote as make_quote
from tradewind.venues.simulated import FeeModel, LatencyModel

from .test_backtest import trader, write_quotes

BTC = instrument("BTCUSDT")


def run(data: Path, speed: float | None, out: Path) -> tuple[Path, ScriptedStrategy, float]:
    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_timer("tick", 3 * SECOND + 7)  # timers between events, as in live drills
        trader(s, call)

    strategy = ScriptedStrategy(script, kinds=("quotes",))
    started = time.monotonic()
    result = run_backtest(
        strategy,
        [data],
        instruments=[BTC],
        fees=FeeModel(maker_bps=Decimal(1), taker_bps=Decimal(5)),
        latency=LatencyModel(fixed_ns=MILLISECOND, jitter_ns=50 * MILLISECOND, seed=9),
        speed=speed,
    )
    wall = time.monotonic() - started
    return result.write(out), strategy, wall


def test_a_paced_run_gives_the_same_orders_fills_and_summary_as_unpaced(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 600)  # 60 s
    fast, fast_strategy, _ = run(data, None, tmp_path / "fast")
    paced, paced_strategy, wall = run(data, 1000.0, tmp_path / "paced")
    for name in ("fills.csv", "orders.csv", "equity.csv", "summary.json"):
        assert (fast / name).read_bytes() == (paced / name).read_bytes(), name
    assert len((fast / "fills.csv").read_text().splitlines()) > 50
    timeline = [(c.kind, c.now_ns) for c in fast_strategy.calls]
    assert timeline == [(c.kind, c.now_ns) for c in paced_strategy.calls]
    assert len(fast_strategy.of("timer")) == 19
    assert wall >= 0.055  # 59.9 s of data at 1000x: ~60 ms at least


def test_each_event_arrives_no_earlier_than_its_distance_from_the_first_over_speed(
    tmp_path: Path,
) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, 25 * MILLISECOND, 41)  # 1 s
    seen: list[tuple[int, float]] = []

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote":
            seen.append((call.now_ns, time.monotonic()))

    result = run_backtest(
        ScriptedStrategy(script, kinds=("quotes",)), [data], instruments=[BTC], speed=10.0
    )
    assert len(seen) == 41
    ts0, wall0 = seen[0]
    for ts, wall in seen:
        scheduled = (ts - ts0) / 1e9 / 10.0
        assert wall - wall0 >= scheduled - 0.0015  # early by the 1 ms tolerance at most
    assert seen[-1][1] - wall0 >= 0.095
    assert result.run_seconds >= 0.095  # the wait counts as run time, not as loading


def test_the_pacer_aims_every_event_at_its_own_time_so_oversleeping_never_adds_up() -> None:
    now = [100.0]
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        now[0] += seconds + 0.004  # every sleep overshoots by 4 ms

    pacer = _Pacer(2.0, clock=lambda: now[0], sleep=sleep)
    quotes = [make_quote(BTC, 100.0, 100.1, T0 + k * 100 * MILLISECOND) for k in range(21)]
    delivered: list[tuple[float, QuoteTick]] = []
    batches: list[list[Any]] = [quotes[:7], quotes[7:15], quotes[15:]]
    for chunk in pacer.paced(batches[0], iter(batches[1:])):
        delivered.extend((now[0], q) for q in chunk)
    assert [q for _, q in delivered] == quotes
    for at, q in delivered:
        due = 100.0 + (q.ts_init - T0) / 1e9 / 2.0
        assert due - 0.001 <= at <= due + 0.0041  # late by one overshoot at most, never more
    assert len(asked) == 20  # each 50 ms step waited for, from the start's schedule
    assert asked[0] == pytest.approx(0.050)
    assert asked[1:] == pytest.approx([0.046] * 19)  # 50 ms less the last overshoot
    assert pacer.slept == pytest.approx(1.004)  # the wait actually done: 1 s + one overshoot


def test_events_already_due_go_in_one_slice_without_sleeping() -> None:
    slept: list[float] = []
    pacer = _Pacer(1.0, clock=lambda: 0.0, sleep=slept.append)
    same_ms = [make_quote(BTC, 100.0, 100.1, T0 + k * 100_000) for k in range(10)]  # 0.9 ms
    assert list(pacer.paced(same_ms, iter([]))) == [same_ms]
    assert slept == []


@pytest.mark.parametrize("speed", [0, -1.0, float("nan"), float("inf")])
def test_speed_must_be_a_positive_number(tmp_path: Path, speed: float) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, SECOND, 3)
    with pytest.raises(ConfigError, match="speed must be a number > 0") as info:
        run_backtest(ScriptedStrategy([]), [data], instruments=[BTC], speed=speed)
    assert "\n" not in str(info.value)
