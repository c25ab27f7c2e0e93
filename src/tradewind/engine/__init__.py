"""The kernel: ``Engine.process(event)``, clocks, the state cache and the seams to venues."""

from tradewind.engine.cache import Cache
from tradewind.engine.clock import NEVER, Clock, HistoricalClock, LiveClock
from tradewind.engine.engine import Engine, EngineStrategy, PreTradeCheck
from tradewind.engine.protocols import (
    AuditSink,
    EventSink,
    ExecutionClient,
    MatchingVenue,
    PortfolioView,
)

__all__ = [
    "NEVER",
    "AuditSink",
    "Cache",
    "Clock",
    "Engine",
    "EngineStrategy",
    "EventSink",
    "ExecutionClient",
    "HistoricalClock",
    "LiveClock",
    "MatchingVenue",
    "PortfolioView",
    "PreTradeCheck",
]
