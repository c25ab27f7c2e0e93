"""CircuitBreaker: N losing trades within a sliding window pause a strategy's new entries."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from tradewind.model import exact
from tradewind.model.exact import Exact


def losing_trade(before: Decimal, after: Decimal, realized: Exact, fee: Exact) -> bool:
    """True when a fill closed (part of) a position at a loss net of its fee.

    ``before`` and ``after`` are the strategy's signed position around the fill and
    ``realized`` the PnL the fill realized; a fill that only opens or adds is no trade.
    """
    closed = bool(before) and (not after or (before > 0) != (after > 0) or abs(after) < abs(before))
    return closed and exact.sub(realized, fee) < 0


class CircuitBreaker:
    """Counts each strategy's losing trades; ``losses`` within ``window_ns`` trip it.

    A loss stops counting once it is ``window_ns`` or more older than the latest one. Tripping
    clears the count, so the next trip needs ``losses`` fresh losing trades. The caller pauses
    the strategy's entries for ``cooldown_ns``.
    """

    __slots__ = ("_recent", "cooldown_ns", "losses", "window_ns")

    def __init__(self, losses: int, window_ns: int, cooldown_ns: int) -> None:
        self.losses = losses
        self.window_ns = window_ns
        self.cooldown_ns = cooldown_ns
        self._recent: dict[str, deque[int]] = {}

    def record_loss(self, strategy_id: str, ts: int) -> bool:
        """Count a losing trade at ``ts``; True when it trips the breaker."""
        recent = self._recent.get(strategy_id)
        if recent is None:
            recent = self._recent[strategy_id] = deque()
        recent.append(ts)
        while recent[0] <= ts - self.window_ns:
            recent.popleft()
        if len(recent) < self.losses:
            return False
        recent.clear()
        return True

    def recent_losses(self, strategy_id: str) -> int:
        """Losing trades of a strategy that still count."""
        return len(self._recent.get(strategy_id, ()))
