"""LiveDriver: the engine on the asyncio loop, conflation, drops, loop lag, stop; paper mode."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from tradewind.model.data import QuoteTick, TradeTick
from tradewind.model.enums import OrderSide
from tradewind.model.events import Fill, OrderAccepted, TimeEvent
from tradewind.model.identifiers import ClientOrderId
from tradewind.runtime.live import LiveDriver, paper_engine
from tradewind.testing import MILLISECOND, T0, RecordingStrategy, ScriptedStrategy, at, instrument
from tradewind.testing import quote as make_quote
from tradewind.venues.mock.feed import MockFeed
from tradewind.venues.simulated import LatencyModel

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")


class RecordingKernel:
    """Stands in for the engine: records what it is given."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self.calls: list[str] = []

    def process(self, event: object) -> None:
        self.events.append(event)

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


def accepted(n: int) -> OrderAccepted:
    return OrderAccepted(ClientOrderId(f"O-{n:03d}"), f"V-{n}", T0 + n, T0 + n)


async def drained(driver: LiveDriver, timeout: float = 2.0) -> None:
    """Yield to the loop until the driver's queue is empty."""
    deadline = time.monotonic() + timeout
    while driver.stats()["queue_depth"] and time.monotonic() < deadline:
        await asyncio.sleep(0.001)


async def test_a_mock_feed_trades_through_the_simulated_venue_after_its_latency() -> None:
    rig = paper_engine([BTC, ETH], latency=LatencyModel.from_ms(20))
    buy = at("quote", 1, lambda s: s.submit_market(BTC.id, "BUY", "0.001"))
    sell = at("fill", 1, lambda s: s.submit_market(BTC.id, "SELL", "0.001"))
    strategy = ScriptedStrategy([buy, sell], [BTC.id, ETH.id])
    rig.engine.add_strategy(strategy)
    feed = MockFeed([BTC, ETH], rate_hz=200, seed=7, clock=rig.clock)
    feed.subscribe(BTC.id)
    feed.subscribe(ETH.id)

    runner = asyncio.create_task(rig.driver.run())
    await feed.run(rig.driver.put, duration=0.5)
    await asyncio.sleep(0.05)  # the last order's latency
    rig.driver.stop()
    await asyncio.wait_for(runner, 2)

    quotes = strategy.of("quote")
    assert {c.event.instrument_id for c in quotes} == {BTC.id, ETH.id}  # type: ignore[union-attr]
    assert len(quotes) >= 100  # ~100 steps x 2 symbols, less what a slow machine skips
    acks = [c for c in strategy.of("order") if isinstance(c.event, OrderAccepted)]
    assert len(acks) == 2
    # the ack came through a LiveClock alarm, i.e. the queue, no sooner than the latency
    assert acks[0].now_ns - quotes[0].now_ns >= 20 * MILLISECOND
    fills = [c.event for c in strategy.of("fill") if isinstance(c.event, Fill)]
    assert [f.side for f in fills] == [OrderSide.BUY, OrderSide.SELL]
    portfolio = rig.portfolio
    assert portfolio.fills == 2
    assert portfolio.positions[BTC.id].quantity == 0
    bought, sold = fills
    cash = (
        Decimal(100_000)
        - bought.price * bought.quantity
        + sold.price * sold.quantity
        - sum((f.fee for f in fills), Decimal(0))
    )
    assert portfolio.balances("SIM")["USDT"] == cash
    stats = rig.driver.stats()
    assert stats["processed"] >= len(quotes) + 2  # quotes and the two arrival alarms at least
    assert stats["dropped"] == 0
    assert stats["stopped"] and not stats["running"]
    assert strategy.calls[-1].kind == "stop"


async def test_a_burst_of_quotes_is_conflated_while_interleaved_order_events_stay_in_order() -> (
    None
):
    kernel = RecordingKernel()
    driver = LiveDriver(kernel, max_queue=1_000, high_water=8)
    runner = asyncio.create_task(driver.run())
    await asyncio.sleep(0)  # run() waits for events
    pushed = []
    for k in range(10_000):  # no await in here: the loop is blocked the whole time
        q = make_quote(BTC, 100 + (k % 50) * 0.01, 100.5, T0 + k)
        pushed.append(q)
        driver.put(q)
        if k % 100 == 99:
            driver.put(accepted(k // 100))
    assert driver.stats()["queue_depth"] <= 8 + 1 + 100
    await drained(driver)
    driver.stop()
    await asyncio.wait_for(runner, 2)

    quotes = [e for e in kernel.events if isinstance(e, QuoteTick)]
    orders = [e for e in kernel.events if isinstance(e, OrderAccepted)]
    assert orders == [accepted(n) for n in range(100)]
    assert len(quotes) <= 9  # the few queued below the high-water mark, then the latest
    assert quotes[-1] is pushed[-1]
    assert [q.ts_init for q in quotes] == sorted(q.ts_init for q in quotes)
    stats = driver.stats()
    assert stats["conflated"] == 10_000 - len(quotes)
    assert stats["dropped"] == 0
    assert kernel.calls == ["start", "stop"]


async def test_with_conflation_off_a_full_queue_drops_market_data_counted_never_orders() -> None:
    kernel = RecordingKernel()
    driver = LiveDriver(kernel, max_queue=10, conflate=False)
    for k in range(12):
        driver.put(make_quote(BTC, 100.0, 100.1, T0 + k))
    driver.put(TradeTick(BTC.id, 100.0, 1.0, "BUY", "t-1", T0, T0))
    for n in range(3):
        driver.put(accepted(n))
    stats = driver.stats()
    assert (stats["dropped"], stats["overflow"], stats["conflated"]) == (3, 3, 0)
    assert stats["queue_depth"] == stats["queue_max_depth"] == 13

    runner = asyncio.create_task(driver.run())
    await drained(driver)
    driver.stop()
    await asyncio.wait_for(runner, 2)
    assert [e.ts_init for e in kernel.events[:10]] == [T0 + k for k in range(10)]  # type: ignore[attr-defined]
    assert kernel.events[10:] == [accepted(n) for n in range(3)]


async def test_the_loop_lag_stat_rises_when_a_callback_blocks_the_loop_for_50_ms() -> None:
    driver = LiveDriver(RecordingKernel(), lag_interval=0.005)
    runner = asyncio.create_task(driver.run())
    await asyncio.sleep(0.05)
    before = driver.stats()["loop_lag_max_ms"]
    asyncio.get_running_loop().call_soon(time.sleep, 0.05)
    await asyncio.sleep(0.05)
    after = driver.stats()
    driver.stop()
    await asyncio.wait_for(runner, 2)
    assert after["loop_lag_max_ms"] >= 40 > before
    assert after["loop_lag_p99_ms"] >= 40


async def test_stop_drains_order_events_calls_on_stop_and_ends_run() -> None:
    rig = paper_engine([BTC])
    strategy = RecordingStrategy([BTC.id])
    rig.engine.add_strategy(strategy)
    runner = asyncio.create_task(rig.driver.run())
    rig.driver.put(make_quote(BTC, 100.0, 100.1, T0))
    await drained(rig.driver)
    # queued but not yet processed when stop() comes: the timer and the report are kept
    rig.driver.put(make_quote(BTC, 100.2, 100.3, T0 + 1))
    rig.driver.put(TimeEvent("tick", f"strategy:{strategy.id}", T0 + 2, T0 + 2))
    rig.driver.put(accepted(1))  # unknown to the engine: refused, but processed
    rig.driver.stop()
    await asyncio.wait_for(runner, 2)

    assert [c.kind for c in strategy.calls] == ["start", "quote", "timer", "stop"]
    assert rig.engine.illegal_reports == 1
    stats = rig.driver.stats()
    assert stats["discarded"] == 1
    assert stats["stopped"] and not stats["running"]
    rig.driver.put(make_quote(BTC, 100.4, 100.5, T0 + 3))  # after stop: discarded, counted
    assert rig.driver.stats()["discarded"] == 2


async def test_a_strategy_can_stop_the_driver_from_inside_its_handler() -> None:
    kernel = RecordingKernel()
    driver = LiveDriver(kernel)
    original = kernel.process

    def process(event: object) -> None:
        original(event)
        if isinstance(event, OrderAccepted) and event.client_order_id == "O-001":
            driver.stop()  # re-entrant: takes effect right after this event

    kernel.process = process  # type: ignore[method-assign]
    for n in range(3):
        driver.put(accepted(n))
    driver.put(make_quote(BTC, 100.0, 100.1, T0))
    await asyncio.wait_for(driver.run(), 2)
    assert kernel.events == [accepted(n) for n in range(3)]  # the rest drained, the quote not
    assert kernel.calls == ["start", "stop"]
    assert driver.stats()["discarded"] == 1
