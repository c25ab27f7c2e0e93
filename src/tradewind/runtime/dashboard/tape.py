"""The dashboard's tape: sampled prices, recent fills and denials per strategy, all bounded.

Prices are sampled from the engine's cache (at most every 250 ms, by the dashboard's own task),
never per event; fills and denials arrive through the engine's fill and order listeners,
which the engine calls only when an order changes. Each ring counts what it ever held
(``total``), so a WebSocket connection sends only what came since its last message.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.model.events import Fill, OrderDenied
from tradewind.model.identifiers import InstrumentId
from tradewind.model.orders import Order
from tradewind.strategy.panel import Ring

__all__ = ["SAMPLE_EVERY_S", "MarketTape", "Ring"]

SAMPLE_EVERY_S = 0.25
"""The price chart's resolution: one point per instrument per 250 ms at most."""


class MarketTape:
    """What the dashboard remembers of a run beyond the engine's current state."""

    def __init__(self, *, max_points: int = 1200, max_fills: int = 500) -> None:
        self.max_points = max_points
        self.max_fills = max_fills
        self.prices: dict[InstrumentId, Ring] = {}
        """instrument -> (ts_ns, mark price) samples."""
        self.fills: dict[str, Ring] = {}
        """strategy -> its recent fills (Fill objects), oldest first."""
        self.denials: dict[str, Counter[str]] = {}
        """strategy -> denials per reason code."""
        self.engine: Engine | None = None
        self._last_ts: dict[InstrumentId, int] = {}

    def attach(self, engine: Engine) -> None:
        """Listen to ``engine``'s fills and order changes (call before it starts)."""
        self.engine = engine
        engine.add_fill_listener(self._on_fill)
        engine.add_order_listener(self._on_order)

    def sample(self) -> int:
        """Take the latest mark of every instrument whose market data moved since the last
        sample; returns how many points were added."""
        engine = self.engine
        if engine is None:
            return 0
        cache = engine.cache
        added = 0
        for iid in list(cache.instruments):
            ts = _last_ts(cache.quotes.get(iid), cache.trades.get(iid), cache.bars.get(iid))
            if ts <= self._last_ts.get(iid, 0):
                continue
            price = cache.mark_price(iid)
            if price is None:
                continue
            self._last_ts[iid] = ts
            ring = self.prices.get(iid)
            if ring is None:
                ring = self.prices[iid] = Ring(self.max_points)
            ring.add((ts, price))
            added += 1
        return added

    def _on_fill(self, fill: Fill, order: Order) -> None:
        ring = self.fills.get(order.strategy_id)
        if ring is None:
            ring = self.fills[order.strategy_id] = Ring(self.max_fills)
        ring.add(fill)

    def _on_order(self, order: Order, event: object) -> None:
        if event.__class__ is OrderDenied:
            counts = self.denials.get(order.strategy_id)
            if counts is None:
                counts = self.denials[order.strategy_id] = Counter()
            counts[event.reason] += 1


def _last_ts(*events: Any) -> int:
    return max((e.ts_event for e in events if e is not None), default=0)
