"""Performance statistics of a run and its self-contained HTML report.

Feed plain records (``EquityPoint``, ``TradeRecord``, ``PricePoint``) to ``compute_stats``
for the numbers and to ``render_report`` / ``write_report`` for an offline HTML page.
"""

from tradewind.analysis.records import EquityPoint, PricePoint, TradeRecord
from tradewind.analysis.report import render_report, write_report
from tradewind.analysis.stats import compute_stats, drawdown_series, monthly_returns

__all__ = [
    "EquityPoint",
    "PricePoint",
    "TradeRecord",
    "compute_stats",
    "drawdown_series",
    "monthly_returns",
    "render_report",
    "write_report",
]
