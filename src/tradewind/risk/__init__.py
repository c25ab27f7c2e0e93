"""Risk: pre-trade checks, loss controls, trading state and position sizing.

Attach it to an engine with ``RiskEngine(engine, RiskConfig(...))``, or pass
``risk=RiskConfig(...)`` to ``run_backtest``. Refused orders reach the strategy's ``on_order``
as an ``OrderDenied`` whose ``reason`` is a ``DenyReason`` code.
"""

from tradewind.risk.breaker import CircuitBreaker
from tradewind.risk.config import RiskConfig
from tradewind.risk.engine import RiskEngine
from tradewind.risk.limits import DailyLossHalt
from tradewind.risk.reasons import DenyReason
from tradewind.risk.session import SessionPnl
from tradewind.risk.sizing import PositionSizer
from tradewind.risk.state import Halt, TradingState
from tradewind.risk.throttle import TokenBucket

__all__ = [
    "CircuitBreaker",
    "DailyLossHalt",
    "DenyReason",
    "Halt",
    "PositionSizer",
    "RiskConfig",
    "RiskEngine",
    "SessionPnl",
    "TokenBucket",
    "TradingState",
]
