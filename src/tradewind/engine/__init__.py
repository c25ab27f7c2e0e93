"""The kernel: ``Engine.process(event)``, clocks, the state cache and the seams to venues."""

from tradewind.engine.cache import Cache
from tradewind.engine.clock import NEVER, Clock, HistoricalClock, LiveClock
from tradewind.engine.engine import Engine, EngineStrategy, PreTradeCheck
from tradewind.engine.protocols import (
    NO_CAPABILITIES,
    AuditSink,
    ContingentOrders,
    EventSink,
    ExecutionClient,
    GroupExecutionClient,
    MatchingVenue,
    OrderListener,
    PortfolioView,
    VenueCapabilities,
)

__all__ = [
    "NEVER",
    "NO_CAPABILITIES",
    "AuditSink",
    "Cache",
    "Clock",
    "ContingentOrders",
    "Engine",
    "EngineStrategy",
    "EventSink",
    "ExecutionClient",
    "GroupExecutionClient",
    "HistoricalClock",
    "LiveClock",
    "MatchingVenue",
    "OrderListener",
    "PortfolioView",
    "PreTradeCheck",
    "VenueCapabilities",
]
