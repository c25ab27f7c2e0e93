"""The live bot: several strategies sharing one connection per venue, the handle, services,
staleness, recording, restarts and shutdown — on the mock venue, for real, in short runs."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind import Bot, ConfigError
from tradewind.model import QuoteTick
from tradewind.model.identifiers import InstrumentId
from tradewind.runtime.supervisor import Phase
from tradewind.store import InMemoryStore
from tradewind.strategy import Strategy, StrategyParams
from tradewind.testing import RecordingStrategy

BTC, ETH, SOL = "BTCUSDT.SIM", "ETHUSDT.SIM", "SOLUSDT.SIM"


def builder(name: str = "t", rate_hz: float = 200.0, **bot: Any) -> Any:
    return (
        Bot.builder(name)
        .mock_venue("SIM", rate_hz=rate_hz, seed=3, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .instrument(ETH, tick="0.01", lot="0.001", price=3000)
        .instrument(SOL, tick="0.001", lot="0.01", price=150)
        .options(shutdown_timeout="5s", **bot)
    )


async def running(bot: Bot) -> asyncio.Task[dict[str, Any]]:
    task = asyncio.create_task(bot.run_until_shutdown(install_signals=False))
    while bot.phase in ("created", "starting", "recovering"):
        await asyncio.sleep(0.005)
    assert bot.phase == "running", bot.error
    return task


async def until(predicate: Any, seconds: float = 5.0) -> None:
    end = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < end, "condition not met in time"
        await asyncio.sleep(0.01)


class Subscriber(RecordingStrategy):
    """Records its events; subscribes to ``later`` once it has seen 20 quotes."""

    def __init__(self, instruments: list[str], later: str | None = None, **kw: Any) -> None:
        super().__init__(instruments, **kw)
        self.later = later

    def _react(self, call: Any) -> None:
        if self.later and call.kind == "quote" and len(self.of("quote")) == 20:
            self.subscribe_quotes(self.later)
            self.later = None


async def test_strategies_share_one_connection_and_get_only_their_instruments() -> None:
    one = Subscriber([BTC], strategy_id="one")
    two = Subscriber([BTC, ETH], strategy_id="two", later=SOL)
    bot = builder().strategy(one).strategy(two).store("memory").build()
    task = await running(bot)
    client = bot.venues.data["SIM"]
    await until(lambda: any(c.event.instrument_id == SOL for c in two.of("quote")))
    await until(lambda: len(one.of("quote")) > 30)
    bot.handle.shutdown()
    summary = await task
    assert summary["phase"] == "stopped"
    assert {c.event.instrument_id for c in one.of("quote")} == {InstrumentId(BTC)}
    assert {c.event.instrument_id for c in two.of("quote")} == {
        InstrumentId(i) for i in (BTC, ETH, SOL)
    }
    # one connection: the client heard of BTC once for two subscribers, SOL when it was added
    assert sorted(str(i) for i in client.feed.subscriptions) == [BTC, ETH, SOL]
    assert bot.hub.counters["SIM"]["subscribe"] == 3
    # a quote's instruments reach strategies in the order the feed sent them, nothing lost
    btc_one = [c.event for c in one.of("quote")]
    btc_two = [c.event for c in two.of("quote") if c.event.instrument_id == BTC]
    assert btc_one == btc_two


class Trader(Strategy[StrategyParams]):
    """Buys one lot on every 10th quote, alternating sides."""

    def on_start(self) -> None:
        self.n = 0
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        if self.n % 10 == 0:
            side = self.buy if self.n % 20 else self.sell
            side(quote.instrument_id, Decimal("0.001"))

    def on_save(self) -> dict[str, Any]:
        return {"quotes": self.n}

    def on_load(self, state: Any) -> None:
        self.loaded = state


async def test_handle_commands_pause_resume_kill_and_health() -> None:
    bot = (
        builder().strategy(Trader(instruments=[BTC], strategy_id="trader")).store("memory").build()
    )
    handle = bot.handle.clone()
    assert handle is not bot.handle and handle.name == "t"
    task = await running(bot)
    await until(lambda: bot.summary()["fills"] > 0)
    health = handle.health()
    assert health["phase"] == "running" and health["trading"] == "enabled"
    assert health["services"]["engine"]["phase"] == Phase.RUNNING
    assert health["services"]["feed:SIM"]["phase"] == Phase.RUNNING
    assert health["driver"]["processed"] > 0
    assert await handle.request("pause", strategy="trader") == "reducing"
    orders_before = len(bot.engine.cache.orders)
    await asyncio.sleep(0.3)
    denied = [o for o in bot.engine.cache.orders.values() if o.status.value == "DENIED"]
    assert denied, "orders that add to the position are denied while paused"
    assert await handle.request("resume", strategy="trader") == "enabled"
    with pytest.raises(ConfigError, match="no strategy 'nope'"):
        await handle.request("pause", strategy="nope")
    with pytest.raises(ConfigError, match="unknown bot command 'explode'"):
        await handle.request("explode")
    await handle.request("kill", reason="test kill")
    await until(lambda: bot.portfolio.position(InstrumentId(BTC)).quantity == 0)
    assert bot.risk.state().value == "halted"
    assert len(bot.engine.cache.orders) >= orders_before
    await handle.request("shutdown")
    summary = await task
    assert summary["phase"] == "stopped" and summary["halts"]
    with pytest.raises(ConfigError, match="is not running"):
        handle.pause("trader").result()


def test_handle_works_from_another_thread() -> None:
    bot = (
        builder().strategy(Trader(instruments=[ETH], strategy_id="trader")).store("memory").build()
    )
    done: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: done.update(
            summary=asyncio.run(bot.run_until_shutdown(install_signals=False))
        )
    )
    thread.start()
    handle = bot.handle.clone()
    for _ in range(500):
        if handle.phase == "running":
            break
        threading.Event().wait(0.01)
    assert handle.health()["services"]["engine"]["phase"] == "running"
    assert handle.pause("trader").result(timeout=5) == "reducing"
    assert handle.cancel_all().result(timeout=5) is not None
    assert handle.shutdown().result(timeout=5) == "stopping"
    thread.join(10)
    assert not thread.is_alive() and done["summary"]["phase"] == "stopped"


class Boom(Strategy[StrategyParams]):
    """Raises on the 5th quote: a bug in a strategy."""

    def on_start(self) -> None:
        self.n = 0
        self.subscribe_quotes(self.instruments[0])

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        if self.n == 5:
            raise ZeroDivisionError("strategy bug")


async def test_a_strategy_that_raises_stops_the_bot_with_the_error() -> None:
    bot = builder().strategy(Boom(instruments=[BTC], strategy_id="boom")).store("memory").build()
    summary = await bot.run_until_shutdown(duration=10, install_signals=False)
    assert summary["phase"] == "failed"
    assert "ZeroDivisionError: strategy bug" in summary["error"]
    assert summary["services"]["engine"]["restarts"] == 0  # the engine is never restarted


class Watcher(RecordingStrategy):
    def on_start(self) -> None:
        super().on_start()
        self.stale: list[tuple[str, bool, str]] = []
        self.sent: list[Any] = []

    def on_data_stale(self, instrument_id: InstrumentId, stale: bool, reason: str) -> None:
        self.stale.append((str(instrument_id), stale, reason))
        if stale:
            self.sent.append(self.buy(instrument_id, Decimal("0.001")))


async def test_a_quiet_feed_is_marked_stale_and_entries_are_denied() -> None:
    watcher = Watcher([BTC], strategy_id="watcher")
    bot = builder(rate_hz=2).strategy(watcher).store("memory").feed(max_quiet="0.2s").build()
    task = await running(bot)
    await until(lambda: any(not s for _, s, _ in watcher.stale[1:]), seconds=8)
    bot.handle.shutdown()
    await task
    assert watcher.stale[0][:2] == (BTC, True) and "no market data" in watcher.stale[0][2]
    assert watcher.sent and watcher.sent[0].status.value == "DENIED"
    assert watcher.sent[0].reason == "STALE_DATA"


async def test_recording_replays_as_a_backtest(tmp_path: Path) -> None:
    from tradewind.runtime.backtest import run_backtest

    one = RecordingStrategy([BTC, ETH], strategy_id="rec", kinds=("quotes", "trades"))
    bot = builder().strategy(one).store("memory").record(tmp_path / "rec", audit=True).build()
    task = await running(bot)
    await until(lambda: len(one.of("quote")) > 50)
    bot.handle.shutdown()
    summary = await task
    assert summary["recorded"]
    files = sorted((tmp_path / "rec").glob("quotes*.jsonl"))
    assert files and any((tmp_path / "rec" / "audit").iterdir()) is not None
    again = RecordingStrategy([BTC, ETH], strategy_id="again")
    run_backtest(again, [str(f) for f in files], instruments=bot.config.instrument_list())
    live = [(c.event.instrument_id, c.event.bid, c.event.ask) for c in one.of("quote")]
    replay = [(c.event.instrument_id, c.event.bid, c.event.ask) for c in again.of("quote")]
    assert replay[: len(live)] == live[: len(replay)] and len(replay) >= len(live) - 5


async def test_state_survives_a_restart_with_the_same_store() -> None:
    store = InMemoryStore()
    first = Trader(instruments=[BTC], strategy_id="trader")
    bot = builder("r", cancel_orders_on_stop=False).strategy(first).store(store).build()
    task = await running(bot)
    await until(lambda: bot.summary()["fills"] >= 3)
    bot.handle.shutdown()
    one = await task
    position = bot.portfolio.position(InstrumentId(BTC)).quantity
    second = Trader(instruments=[BTC], strategy_id="trader")
    again = builder("r").strategy(second).store(store).build()
    task = await running(again)
    assert second.loaded == {"quotes": first.n}
    assert again.run_number == bot.run_number + 1
    assert again.portfolio.position(InstrumentId(BTC)).quantity == position
    assert again.venues.simulated["SIM"].position(InstrumentId(BTC)) == position
    again.handle.shutdown()
    await task
    ids = [str(o.client_order_id) for o in again.engine.cache.orders.values()]
    assert all(i.startswith(("r-1-", "r-2-")) for i in ids) and len(set(ids)) == len(ids)
    assert one["fills"] >= 3


def test_sandbox_and_live_modes_say_no_adapter_yet() -> None:
    from tradewind.runtime.env import Environment

    config = builder().strategy("ma_crossover", id="m", instruments=[BTC]).config()
    with pytest.raises(ConfigError, match=r"no real venue adapter|has none yet"):
        Bot(config, env=Environment("sandbox", "sandbox", None))


async def test_a_stop_asked_during_start_up_shuts_down_cleanly_once_up() -> None:
    bot = (
        builder().strategy(Trader(instruments=[BTC], strategy_id="trader")).store("memory").build()
    )
    asyncio.get_running_loop().call_soon(bot.request_stop, "signal SIGTERM")  # mid start-up
    summary = await bot.run_until_shutdown(duration=30, install_signals=False)
    assert summary["phase"] == "stopped" and summary["run"] == 1
    assert summary["services"]["engine"]["phase"] == "stopped"
