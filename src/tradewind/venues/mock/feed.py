"""MockFeed: a seeded, multi-symbol random-walk quote and trade feed for mock mode and tests."""

from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from tradewind.engine.clock import Clock, LiveClock
from tradewind.errors import ConfigError, InstrumentError
from tradewind.model import Instrument, InstrumentId, QuoteTick, TradeTick

SECONDS_PER_YEAR = 365 * 24 * 3600
"""Annualisation base: markets that trade around the clock (crypto), 365 days a year."""

DEFAULT_START_NS = 1_704_067_200_000_000_000
"""2024-01-01T00:00:00Z: where the synthetic timestamps of ``events()`` begin by default."""

MockEvent = QuoteTick | TradeTick


class _Walk:
    """One instrument's state: its fair price and precomputed grid constants."""

    __slots__ = ("instrument", "max_lots", "min_lots", "price", "tick", "trades")

    def __init__(self, instrument: Instrument, price: float) -> None:
        self.instrument = instrument
        self.price = price
        self.tick = float(instrument.tick_size)
        self.min_lots = max(1, math.ceil(instrument.min_quantity / instrument.lot_size))
        self.max_lots = self.min_lots + 99
        self.trades = 0

    def on_tick(self, ticks: int) -> float:
        """``ticks`` x tick size, exactly on the grid, as a float."""
        return float(ticks * self.instrument.tick_size)

    def on_lot(self, lots: int) -> float:
        """``lots`` x lot size, exactly on the grid, as a float."""
        return float(lots * self.instrument.lot_size)


class MockFeed:
    """A synthetic market: one geometric random walk per instrument, quoted on its grid.

    Every step moves *every* instrument's fair price by a log-normal increment with
    ``volatility`` (annualised over ``SECONDS_PER_YEAR``, one step = ``1 / rate_hz`` s), then
    emits, for each **subscribed** instrument in construction order, a ``QuoteTick`` (bid
    on the tick grid just below fair, ask 1 or 2 ticks above the bid, sizes whole lots
    and at least ``min_quantity``) and, with probability ``trade_probability``, a
    ``TradeTick`` at the ask (aggressor ``"BUY"``) or the bid (``"SELL"``) with a trade id
    ``SYMBOL.VENUE-n``, unique within the feed.

    Only subscribed instruments emit; nothing is subscribed at construction. Unsubscribed
    instruments keep walking, so a seed gives the same prices whatever is subscribed.
    All randomness comes from one ``random.Random(seed)``: the same seed and the same
    calls give the same events, whatever the wall time. ``events()`` and ``run()`` share
    the walk; only their timestamps differ (synthetic vs. ``clock``).
    """

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        rate_hz: float = 10.0,
        seed: int = 0,
        volatility: float = 0.35,
        start_prices: Mapping[str, float] | None = None,
        trade_probability: float = 0.3,
        clock: Clock | None = None,
        start_ns: int = DEFAULT_START_NS,
    ) -> None:
        if not rate_hz > 0 or not math.isfinite(rate_hz):
            raise ConfigError(f"MockFeed: rate_hz must be a finite number > 0 (got {rate_hz})")
        if not volatility >= 0 or not math.isfinite(volatility):
            raise ConfigError(f"MockFeed: volatility must be >= 0 (got {volatility})")
        if not 0.0 <= trade_probability <= 1.0:
            raise ConfigError(
                f"MockFeed: trade_probability must be in [0, 1] (got {trade_probability})"
            )
        prices = dict(start_prices or {})
        self._walks: dict[InstrumentId, _Walk] = {}
        for inst in instruments:
            price = float(prices.pop(inst.id, prices.pop(inst.symbol, 100.0)))
            if not price > 0 or not math.isfinite(price):
                raise ConfigError(f"MockFeed: start price for {inst.id} must be > 0 (got {price})")
            self._walks[inst.id] = _Walk(inst, price)
        if not self._walks:
            raise ConfigError("MockFeed: give at least one instrument")
        if prices:
            raise ConfigError(f"MockFeed: start_prices for unknown instruments: {sorted(prices)}")
        self.rate_hz = float(rate_hz)
        self.interval_ns = max(1, round(1e9 / rate_hz))
        self.trade_probability = trade_probability
        self.clock: Clock = clock if clock is not None else LiveClock()
        self._sigma = volatility / math.sqrt(rate_hz * SECONDS_PER_YEAR)  # per step
        self._drift = -0.5 * self._sigma * self._sigma  # keeps E[price] constant
        self._rng = random.Random(seed)
        self._start_ns = start_ns
        self._steps = 0
        self._subscribed: set[InstrumentId] = set()
        self._pending: deque[MockEvent] = deque()

    @property
    def subscriptions(self) -> frozenset[InstrumentId]:
        """The instruments that currently emit events."""
        return frozenset(self._subscribed)

    def subscribe(self, instrument_id: str) -> None:
        """Start emitting events for ``instrument_id`` (``SYMBOL.VENUE``) from the next step."""
        self._subscribed.add(self._known(instrument_id))

    def unsubscribe(self, instrument_id: str) -> None:
        """Stop emitting events for ``instrument_id`` from the next step (idempotent)."""
        self._subscribed.discard(self._known(instrument_id))

    def price(self, instrument_id: str) -> float:
        """The walk's current fair price (off-grid) for ``instrument_id``."""
        return self._walks[self._known(instrument_id)].price

    def events(self, n: int) -> Iterator[MockEvent]:
        """Yield the next ``n`` events, stamped with synthetic times (``start_ns`` + step/rate).

        A step cut short by ``n`` carries on in the next call. Raises ``ConfigError`` when
        nothing is subscribed (there would be nothing to yield).
        """
        emitted = 0
        while emitted < n:
            if not self._pending:
                if not self._subscribed:
                    raise ConfigError("MockFeed.events: nothing subscribed: call subscribe() first")
                ts = self._start_ns + self._steps * self.interval_ns
                self._pending.extend(self._step(ts))
                continue
            yield self._pending.popleft()
            emitted += 1

    async def run(self, sink: Callable[[object], None], *, duration: float | None = None) -> None:
        """Emit one step every ``1 / rate_hz`` s of real time into ``sink`` until cancelled.

        Events are stamped ``ts_event = ts_init = clock.timestamp_ns()`` at the step.
        Returns after ``duration`` seconds if given; on cancellation ``CancelledError``
        propagates (as asyncio expects) after the step in hand has been fully emitted.
        Steps are scheduled on a fixed grid, so a slow sink does not make the feed drift.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()
        period = 1.0 / self.rate_hz
        deadline = math.inf if duration is None else start + duration
        k = 0
        while True:
            now = loop.time()
            if now >= deadline:
                return
            for event in self._step(self.clock.timestamp_ns()):
                sink(event)
            k += 1
            wake = start + k * period
            if wake >= deadline:
                await asyncio.sleep(max(0.0, deadline - loop.time()))
                return
            await asyncio.sleep(max(0.0, wake - loop.time()))

    def _known(self, instrument_id: str) -> InstrumentId:
        if instrument_id not in self._walks:
            raise InstrumentError(
                f"MockFeed: unknown instrument {instrument_id!r}: known are {sorted(self._walks)}"
            )
        return InstrumentId(instrument_id)

    def _step(self, ts: int) -> list[MockEvent]:
        """Move every walk once (fixed number of draws each) and build the subscribed events."""
        rng = self._rng
        out: list[MockEvent] = []
        for iid, w in self._walks.items():
            w.price *= math.exp(self._drift + self._sigma * rng.gauss(0.0, 1.0))
            spread = rng.randint(1, 2)
            bid_lots = rng.randint(w.min_lots, w.max_lots)
            ask_lots = rng.randint(w.min_lots, w.max_lots)
            trade_draw = rng.random()
            buy = rng.random() < 0.5
            trade_lots = rng.randint(w.min_lots, w.max_lots)
            if iid not in self._subscribed:
                continue
            bid_ticks = max(1, math.floor(w.price / w.tick - spread / 2.0 + 0.5))
            bid, ask = w.on_tick(bid_ticks), w.on_tick(bid_ticks + spread)
            out.append(QuoteTick(iid, bid, ask, w.on_lot(bid_lots), w.on_lot(ask_lots), ts, ts))
            if trade_draw < self.trade_probability:
                w.trades += 1
                tid = f"{iid}-{w.trades}"
                side, px = ("BUY", ask) if buy else ("SELL", bid)
                out.append(TradeTick(iid, px, w.on_lot(trade_lots), side, tid, ts, ts))
        self._steps += 1
        return out
