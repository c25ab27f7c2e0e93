"""Recording: market data to files that backtest as is, the audit journal, paced replay."""

from tradewind.recorder.audit import AuditRecorder
from tradewind.recorder.files import trim_partial_line
from tradewind.recorder.market import MarketRecorder
from tradewind.recorder.replay import ReplayStats, replay_paced

__all__ = ["AuditRecorder", "MarketRecorder", "ReplayStats", "replay_paced", "trim_partial_line"]
