"""Performance statistics of a run, its round-trip trades and its self-contained HTML tearsheet.

Feed plain records (``EquityPoint``, ``TradeRecord`` for each fill, ``PricePoint``) to
``compute_stats`` for the numbers, to ``round_trips`` / ``trade_log`` for the trades flat to
flat, and to ``render_report`` / ``write_report`` for an offline HTML page.
"""

from tradewind.analysis.records import EquityPoint, PricePoint, TradeRecord
from tradewind.analysis.report import render_report, write_report
from tradewind.analysis.round_trips import OpenTrade, RoundTrip, TradeLog, round_trips, trade_log
from tradewind.analysis.stats import compute_stats, drawdown_series, monthly_returns
from tradewind.analysis.trade_stats import round_trip_stats

__all__ = [
    "EquityPoint",
    "OpenTrade",
    "PricePoint",
    "RoundTrip",
    "TradeLog",
    "TradeRecord",
    "compute_stats",
    "drawdown_series",
    "monthly_returns",
    "render_report",
    "round_trip_stats",
    "round_trips",
    "trade_log",
    "write_report",
]
