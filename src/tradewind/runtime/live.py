"""The live driver: the same ``Engine.process``, fed from a queue on the asyncio loop.

Data clients, venue adapters and the ``LiveClock`` push events with ``LiveDriver.put``;
``LiveDriver.run`` feeds them to the engine. Plus ``paper_engine`` for paper and mock mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from tradewind.engine.clock import LiveClock
from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.execution import install as install_execution
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.portfolio.portfolio import Portfolio
from tradewind.runtime.wiring import wire_simulated
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

__all__ = ["Kernel", "LiveDriver", "PaperSetup", "paper_engine"]

_MARKET: frozenset[type] = frozenset({QuoteTick, TradeTick, Bar})  # may be conflated, dropped


class Kernel(Protocol):
    """What the driver needs of the engine (``Engine`` provides it)."""

    def process(self, event: object) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


class _Slot:
    """A queue place holding the latest waiting quote of one instrument (replaced in place)."""

    __slots__ = ("event",)

    def __init__(self, event: QuoteTick) -> None:
        self.event = event


class LiveDriver:
    """Runs ``engine.process`` over a bounded event queue on the asyncio loop.

    Above ``high_water`` queued events (default ``max_queue // 10``) and with ``conflate``, a
    new QuoteTick replaces its instrument's quote still waiting, in that quote's place (so
    an instrument's quotes stay in order and a busy one is never starved); each replacement
    counts in ``conflated``. A market event that finds the queue full (``max_queue``) and
    cannot be conflated is dropped and counts in ``dropped``; with ``conflate`` off that is
    every market event. Order events, fills and TimeEvents are never dropped or conflated,
    and keep their order: past ``max_queue`` they are queued anyway and count in ``overflow``.
    """

    def __init__(
        self,
        engine: Kernel,
        *,
        max_queue: int = 100_000,
        conflate: bool = True,
        high_water: int | None = None,
        batch_size: int = 512,
        lag_interval: float = 0.01,
        lag_window: int = 1_000,
    ) -> None:
        hwm = max(1, max_queue // 10) if high_water is None else high_water
        bad = min(max_queue, batch_size, lag_window) < 1 or not 0 <= hwm <= max_queue
        if bad or not lag_interval > 0:
            raise ConfigError(
                f"LiveDriver: need max_queue ({max_queue}), batch_size ({batch_size}), lag_window "
                f"({lag_window}) >= 1, 0 <= high_water ({hwm}) <= max_queue, lag_interval > 0"
            )
        self.engine = engine
        self.max_queue = max_queue
        self.high_water = hwm
        self.conflate = conflate
        self.batch_size = batch_size
        self.lag_interval = lag_interval
        self._queue: deque[object] = deque()
        self._waiting: dict[InstrumentId, _Slot] = {}
        self._wakeup: asyncio.Future[None] | None = None
        self._lags: deque[float] = deque(maxlen=lag_window)
        self._running = self._started = self._stopping = self._finished = False
        self.processed = self.batches = self.conflated = self.dropped = self.overflow = 0
        self.discarded = 0  # market events thrown away by stop(): queued, or arriving after
        self.max_depth = 0
        self.max_lag = 0.0

    def put(self, event: object) -> None:
        """Enqueue one event (call only from the loop's thread: this is not thread-safe)."""
        queue = self._queue
        depth = len(queue)
        cls = event.__class__
        if cls in _MARKET:
            if self._stopping:
                self.discarded += 1
                return
            if cls is QuoteTick:
                iid: InstrumentId = event.instrument_id  # type: ignore[attr-defined]
                waiting = self._waiting
                if self.conflate and depth >= self.high_water:
                    slot = waiting.get(iid)
                    if slot is not None:
                        slot.event = event  # type: ignore[assignment]
                        self.conflated += 1
                        return
                    if depth < self.max_queue:
                        slot = waiting[iid] = _Slot(event)  # type: ignore[arg-type]
                        self._append(slot, depth)
                        return
                elif waiting:
                    waiting.pop(iid, None)  # a later raw quote: the slot must not jump it
            if depth >= self.max_queue:
                self.dropped += 1
                return
        elif depth >= self.max_queue:
            self.overflow += 1
        self._append(event, depth)

    def _append(self, item: object, depth: int) -> None:
        self._queue.append(item)
        if depth >= self.max_depth:
            self.max_depth = depth + 1
        if self._wakeup is not None:
            self._wake()

    def _wake(self) -> None:
        wakeup, self._wakeup = self._wakeup, None
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    async def run(self) -> None:
        """Start the engine (once), then process events in batches until ``stop()``.

        Each batch of up to ``batch_size`` events runs with no await; the loop runs between
        batches. An engine exception ends ``run``; cancelling it leaves the engine running.
        """
        if self._running:
            raise ConfigError("LiveDriver.run is already running: run it once")
        if self._stopping:
            return
        loop = asyncio.get_running_loop()
        self._running = True
        probe = loop.create_task(self._probe())
        try:
            if not self._started:
                self._started = True
                self.engine.start()
            queue, waiting, process = self._queue, self._waiting, self.engine.process
            while not self._stopping:
                if not queue:
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    continue
                for _ in range(min(self.batch_size, len(queue))):
                    item = queue.popleft()
                    if item.__class__ is _Slot:
                        event: Any = item.event
                        if waiting.get(event.instrument_id) is item:
                            del waiting[event.instrument_id]
                        item = event
                    self.processed += 1
                    process(item)
                    if self._stopping:
                        break
                self.batches += 1
                await asyncio.sleep(0)
            self._finish()
        finally:
            self._running = False
            self._wakeup = None
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe

    def stop(self) -> None:
        """Drain queued order events, call ``engine.stop()`` and end ``run()`` (idempotent).

        Queued market data is discarded (counted). From inside the engine (a strategy) or
        while ``run()`` is active, the work happens in ``run()`` right after the current event.
        """
        if self._stopping:
            return
        self._stopping = True
        if self._running:
            self._wake()
        else:
            self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._drain_orders()
        if self._started:
            self.engine.stop()
            self._drain_orders()  # what on_stop caused synchronously

    def _drain_orders(self) -> None:
        queue = self._queue
        self._waiting.clear()
        while queue:
            item = queue.popleft()
            if item.__class__ is _Slot or item.__class__ in _MARKET:
                self.discarded += 1
                continue
            self.processed += 1
            self.engine.process(item)

    async def _probe(self) -> None:
        """Sleep ``lag_interval`` again and again; the late wake-up is the loop's lag."""
        loop = asyncio.get_running_loop()
        interval, lags = self.lag_interval, self._lags
        while True:
            start = loop.time()
            await asyncio.sleep(interval)
            lag = max(0.0, loop.time() - start - interval)
            lags.append(lag)
            if lag > self.max_lag:
                self.max_lag = lag

    def stats(self) -> dict[str, Any]:
        """Counters, queue depth and event-loop lag (milliseconds) as a plain dict."""
        lags = sorted(self._lags)
        p99 = lags[math.ceil(0.99 * len(lags)) - 1] if lags else 0.0
        return {
            "running": self._running,
            "stopped": self._finished,
            "processed": self.processed,
            "batches": self.batches,
            "queue_depth": len(self._queue),
            "queue_max_depth": self.max_depth,
            "conflated": self.conflated,
            "dropped": self.dropped,
            "overflow": self.overflow,
            "discarded": self.discarded,
            "loop_lag_ms": self._lags[-1] * 1e3 if self._lags else 0.0,
            "loop_lag_max_ms": self.max_lag * 1e3,
            "loop_lag_p99_ms": p99 * 1e3,
        }


@dataclass
class PaperSetup:
    """The pieces ``paper_engine`` wired: feed market data into ``driver.put`` and ``run`` it."""

    engine: Engine
    driver: LiveDriver
    clock: LiveClock
    portfolio: Portfolio
    venues: dict[str, SimulatedVenue]


def paper_engine(
    instruments: Sequence[Instrument],
    *,
    fees: FeeModel | Mapping[str, FeeModel] | None = None,
    latency: LatencyModel | Mapping[str, LatencyModel] | None = None,
    balances: Mapping[str, Decimal | int | str] | None = None,
    base_currency: str | None = None,
    **driver_options: Any,
) -> PaperSetup:
    """Engine + LiveClock (bound to a LiveDriver) + a SimulatedVenue per venue + Portfolio.

    Wired as ``run_backtest`` wires them, for paper and mock mode (live or synthetic data,
    simulated venue). ``fees`` and ``latency`` are one model or a mapping venue -> model;
    ``balances`` (asset -> amount, per venue) default to 100,000 of the first instrument's
    quote currency. ``driver_options`` go to ``LiveDriver``. Add strategies to ``engine``.
    """
    clock = LiveClock()
    engine = Engine(clock)
    driver = LiveDriver(engine, **driver_options)
    clock.bind(driver.put)
    install_execution(engine)
    venues, portfolio = wire_simulated(
        engine,
        instruments,
        fees=fees,
        latency=latency,
        balances=balances,
        base_currency=base_currency,
    )
    return PaperSetup(engine, driver, clock, portfolio, venues)
