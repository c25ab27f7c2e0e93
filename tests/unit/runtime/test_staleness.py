"""StalenessMonitor: quiet feeds are marked stale and fresh again, on a fake clock (no sleeps)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.model import OrderStatus
from tradewind.model.events import OrderDenied
from tradewind.model.identifiers import InstrumentId
from tradewind.risk import RiskConfig, RiskEngine
from tradewind.runtime.staleness import StaleChange, StalenessMonitor, stale_data_check
from tradewind.testing import MILLISECOND, SECOND, T0, EngineHarness, RecordingStrategy, instrument
from tradewind.testing import quote as make_quote

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")
SOL = instrument("SOLUSDT")


class Watcher(RecordingStrategy):
    """Records ``on_data_stale`` besides every other callback."""

    def __init__(self, instruments: Sequence[str], strategy_id: str) -> None:
        super().__init__(instruments, strategy_id=strategy_id)
        self.stale_calls: list[tuple[str, bool, str, int]] = []

    def on_data_stale(self, instrument_id: InstrumentId, stale: bool, reason: str) -> None:
        self.stale_calls.append((instrument_id, stale, reason, self.now_ns))


class Floor:
    """A harness with BTC, ETH and SOL; "a" watches BTC, "b" BTC and ETH, nobody SOL."""

    def __init__(self, *, risk: bool = True) -> None:
        self.h = EngineHarness([BTC, ETH, SOL], start_ns=T0)
        self.a = self.h.add_strategy(Watcher([BTC.id], "a"))
        self.b = self.h.add_strategy(Watcher([BTC.id, ETH.id], "b"))
        self.risk = RiskEngine(self.h.engine, RiskConfig()) if risk else None
        self.h.start()
        self.monitor = StalenessMonitor(self.h.engine, max_quiet_s=5, clock=self.h.clock)
        self.quote(BTC.id, T0)
        self.quote(ETH.id, T0)

    @property
    def engine(self) -> Engine:
        return self.h.engine

    def quote(self, iid: str, at: int) -> None:
        bid = 10.0 if iid == ETH.id else 100.0
        self.h.feed(make_quote(iid, bid, bid + 0.1, at))

    def step(self, ts: int) -> None:
        """Process one event nobody watches (a SOL quote): what is queued is handled."""
        self.quote(SOL.id, ts)

    def at(self, ts: int) -> list[StaleChange]:
        """Move the clock to ``ts`` (timers first) and run one check there."""
        self.h.advance_to(ts)
        return self.monitor.check(ts)


def test_a_quiet_feed_is_marked_stale_after_the_limit_and_its_strategies_are_told() -> None:
    f = Floor()
    assert f.at(T0 + 4 * SECOND) == []
    f.quote(ETH.id, T0 + 4 * SECOND)
    changes = f.at(T0 + 7_200 * MILLISECOND)
    reason = "no market data for 7.2 s (limit 5 s)"
    assert changes == [StaleChange(BTC.id, True, reason)]
    assert f.engine.stale == {BTC.id}
    assert f.a.stale_calls == [(BTC.id, True, reason, T0 + 7_200 * MILLISECOND)]
    assert f.b.stale_calls == [(BTC.id, True, reason, T0 + 7_200 * MILLISECOND)]
    assert f.at(T0 + 8 * SECOND) == []  # told once, not at every check
    assert [c.instrument_id for c in f.at(T0 + 9_500 * MILLISECOND)] == [ETH.id]
    assert f.a.stale_calls[1:] == []  # "a" does not watch ETH
    assert [(c[0], c[1]) for c in f.b.stale_calls] == [(BTC.id, True), (ETH.id, True)]


def test_an_entry_is_denied_on_stale_data_while_an_exit_goes_and_entries_resume_with_data() -> None:
    f = Floor()
    f.a.buy(BTC.id, "0.5")
    f.quote(BTC.id, T0 + 1)
    assert f.a.position(BTC.id).quantity == Decimal("0.5")
    f.at(T0 + 7 * SECOND)
    assert f.engine.stale == {BTC.id, ETH.id}
    entry = f.a.buy(BTC.id, "0.1")
    exit_ = f.a.sell(BTC.id, "0.2")
    f.step(T0 + 7 * SECOND + 1)  # the denial is handled like any report
    assert entry.status is OrderStatus.DENIED and entry.reason == "STALE_DATA"
    (denial,) = [c.event for c in f.a.of("order") if isinstance(c.event, OrderDenied)]
    assert denial.message.startswith("BTCUSDT.SIM: market data is stale (no event for 7.0 s)")
    assert exit_.status is OrderStatus.FILLED
    assert f.a.position(BTC.id).quantity == Decimal("0.3")

    f.quote(BTC.id, T0 + 8 * SECOND)
    assert f.at(T0 + 8_100 * MILLISECOND) == [StaleChange(BTC.id, False, "market data resumed")]
    assert f.engine.stale == {ETH.id}
    assert f.a.stale_calls[-1][:3] == (BTC.id, False, "market data resumed")
    again = f.a.buy(BTC.id, "0.1")
    f.quote(BTC.id, T0 + 8_200 * MILLISECOND)
    assert again.status is OrderStatus.FILLED
    assert f.risk is not None and f.risk.denials == {"STALE_DATA": 1}


def test_an_instrument_nobody_subscribes_to_is_never_marked() -> None:
    f = Floor()
    f.at(T0 + 60 * SECOND)
    assert f.engine.stale == {BTC.id, ETH.id}
    assert SOL.id not in f.monitor.watched
    assert SOL.id not in f.monitor.status()


def test_losing_the_last_subscriber_clears_the_mark_and_stops_watching() -> None:
    f = Floor()
    f.at(T0 + 6 * SECOND)
    assert f.engine.stale == {BTC.id, ETH.id}
    f.b.unsubscribe("quotes", ETH.id)
    assert f.engine.stale == {BTC.id}
    assert f.monitor.watched == [BTC.id]
    f.b.subscribe("quotes", ETH.id)  # watched again, from now: not stale before the limit
    assert f.at(T0 + 10 * SECOND) == []
    assert [c.instrument_id for c in f.at(T0 + 11_500 * MILLISECOND)] == [ETH.id]


def test_a_mark_someone_else_set_is_theirs_to_clear_and_a_cleared_mark_comes_back() -> None:
    f = Floor()
    f.engine.set_stale(ETH.id, True, "venue disconnected")  # e.g. the data client's own mark
    f.quote(ETH.id, T0 + 3 * SECOND)
    assert f.at(T0 + 4 * SECOND) == []  # data flows, but the mark is not the monitor's
    assert f.engine.stale == {ETH.id}
    assert [c.instrument_id for c in f.at(T0 + 6 * SECOND)] == [BTC.id]
    f.engine.set_stale(BTC.id, False, "cleared by hand")  # while still quiet
    assert [c.instrument_id for c in f.at(T0 + 7 * SECOND)] == [BTC.id]  # marked again
    assert f.engine.stale == {BTC.id, ETH.id}


def test_an_instrument_subscribed_without_any_data_goes_stale_after_the_limit() -> None:
    h = EngineHarness([BTC], start_ns=T0)
    watcher = h.add_strategy(Watcher([BTC.id], "w"))
    h.start()
    monitor = StalenessMonitor(h.engine, max_quiet_s=2, clock=h.clock)
    assert monitor.check(T0 + 2 * SECOND) == []
    assert monitor.check(T0 + 2 * SECOND + 1) == [
        StaleChange(BTC.id, True, "no market data for 2.0 s (limit 2 s)")
    ]
    assert watcher.stale_calls[0][:2] == (BTC.id, True)
    assert monitor.status(T0 + 3 * SECOND) == {BTC.id: {"age_s": 3.0, "stale": True, "seen": False}}


def test_status_gives_each_watched_instrument_its_age_and_state_as_json() -> None:
    f = Floor()
    f.quote(ETH.id, T0 + 5 * SECOND)
    f.at(T0 + 6 * SECOND)
    status = f.monitor.status(T0 + 6_500 * MILLISECOND)
    assert status == {
        BTC.id: {"age_s": 6.5, "stale": True, "seen": True},
        ETH.id: {"age_s": 1.5, "stale": False, "seen": True},
    }
    assert json.loads(json.dumps(status)) == status


def test_the_standalone_check_applies_the_same_rule_on_an_engine_without_risk() -> None:
    f = Floor(risk=False)
    f.engine.add_pre_trade_check(stale_data_check)
    f.a.buy(BTC.id, "0.5")
    f.quote(BTC.id, T0 + 1)
    f.at(T0 + 6 * SECOND)
    entry = f.a.buy(BTC.id, "0.1")
    exit_ = f.a.sell(BTC.id, "0.5")
    f.step(T0 + 6 * SECOND + 1)
    assert entry.status is OrderStatus.DENIED and entry.reason == "STALE_DATA"
    assert exit_.status is OrderStatus.FILLED
    assert f.a.position(BTC.id).quantity == 0


def test_with_a_risk_engine_too_the_standalone_check_steps_aside_and_risk_counts_once() -> None:
    f = Floor()
    f.engine.add_pre_trade_check(stale_data_check)
    f.at(T0 + 6 * SECOND)
    built = f.a.market_order(BTC.id, "BUY", "0.1")  # built, not sent
    assert stale_data_check(built, f.engine) is None  # the RiskEngine judges it
    entry = f.a.buy(BTC.id, "0.1")
    f.step(T0 + 6 * SECOND + 1)
    denials = [c.event for c in f.a.of("order") if isinstance(c.event, OrderDenied)]
    assert [d.client_order_id for d in denials] == [entry.client_order_id]
    assert f.risk is not None and f.risk.denials == {"STALE_DATA": 1}


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5"])
def test_max_quiet_must_be_a_positive_number_of_seconds(bad: object) -> None:
    h = EngineHarness([BTC])
    with pytest.raises(ConfigError, match="max_quiet_s must be a number of seconds > 0") as info:
        StalenessMonitor(h.engine, max_quiet_s=bad)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_the_check_period_defaults_to_a_quarter_of_the_limit_and_at_least_50_ms() -> None:
    h = EngineHarness([BTC])
    assert StalenessMonitor(h.engine, max_quiet_s=8).check_every_s == 2.0
    assert StalenessMonitor(h.engine, max_quiet_s=0.1).check_every_s == 0.05
    assert StalenessMonitor(h.engine, max_quiet_s=8, check_every_s=0.5).check_every_s == 0.5
    with pytest.raises(ConfigError, match="check_every_s"):
        StalenessMonitor(h.engine, max_quiet_s=8, check_every_s=0)


class FakeTime:
    """A clock whose time the test sets."""

    def __init__(self, now: int) -> None:
        self.now = now

    def timestamp_ns(self) -> int:
        return self.now


async def test_run_checks_on_its_period_until_cancelled() -> None:
    f = Floor()
    fake = FakeTime(T0)
    monitor = StalenessMonitor(f.engine, max_quiet_s=5, check_every_s=0.001, clock=fake)
    fake.now = T0 + 10 * SECOND
    task = asyncio.create_task(monitor.run())
    for _ in range(1_000):
        if monitor.checks >= 3:
            break
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert monitor.checks >= 3
    assert f.engine.stale == {BTC.id, ETH.id}
