"""The web dashboard: a tab per strategy, live over a WebSocket, token-guarded controls.

``Dashboard(bot, token)`` serves a running bot (``tradewind run --dashboard PORT``);
``Dashboard(ReplaySource(...))`` a paced replay (``tradewind replay --realtime --dashboard
PORT``). It needs the ``dashboard`` extra (FastAPI, uvicorn). See docs/dashboard.md.
"""

from tradewind.runtime.dashboard.server import Dashboard, check_exposure, is_loopback
from tradewind.runtime.dashboard.source import (
    BotSource,
    ControlUnavailable,
    DashboardSource,
    ReplaySource,
)

__all__ = [
    "BotSource",
    "ControlUnavailable",
    "Dashboard",
    "DashboardSource",
    "ReplaySource",
    "check_exposure",
    "is_loopback",
]
