"""Market data events: quotes, trades and bars, immutable, with venue and receive times."""

from __future__ import annotations

import msgspec

from tradewind.model.identifiers import InstrumentId


class QuoteTick(msgspec.Struct, frozen=True, gc=False):
    """Top of book: best bid and ask with their sizes.

    ``ts_event`` is the venue's time, ``ts_init`` when we received it; both integer
    nanoseconds since the epoch, UTC. Prices are floats on the hot path: orders are
    snapped to the instrument's grid and accounting is exact.
    """

    instrument_id: InstrumentId
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    ts_event: int
    ts_init: int

    @property
    def mid(self) -> float:
        """Halfway between bid and ask."""
        return (self.bid + self.ask) * 0.5


class TradeTick(msgspec.Struct, frozen=True, gc=False):
    """One print on the tape. ``aggressor`` is "BUY", "SELL" or "" when unknown."""

    instrument_id: InstrumentId
    price: float
    size: float
    aggressor: str
    trade_id: str
    ts_event: int
    ts_init: int


class Bar(msgspec.Struct, frozen=True, gc=False):
    """An OHLCV bar. ``ts_event`` is the bar's close time: no one sees a bar before it ends."""

    instrument_id: InstrumentId
    open: float
    high: float
    low: float
    close: float
    volume: float
    interval_ns: int
    ts_event: int
    ts_init: int

    @property
    def ts_open(self) -> int:
        """When the bar's interval began."""
        return self.ts_event - self.interval_ns


MarketData = QuoteTick | TradeTick | Bar
"""Any market-data event."""
