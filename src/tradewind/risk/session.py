"""Session PnL: each strategy's PnL since 00:00 UTC, its session high and the drawdown from it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tradewind.model import exact
from tradewind.model.exact import Exact

_ZERO = Decimal(0)


class SessionPnl:
    """One strategy's session: PnL since the session began, the session high, the drawdown.

    Totals given to ``update`` are the strategy's running PnL (realized less fees plus
    unrealized); the session measures from the total it started at.
    """

    __slots__ = ("high", "pnl", "start")

    def __init__(self, start: Exact = _ZERO) -> None:
        self.start: Exact = start
        self.pnl: Exact = _ZERO
        self.high: Exact = _ZERO

    def update(self, total: Exact) -> Exact:
        """Take the strategy's running total; return the drawdown from the session high."""
        self.pnl = exact.sub(total, self.start)
        if self.pnl > self.high:
            self.high = self.pnl
        return self.drawdown

    @property
    def drawdown(self) -> Exact:
        """How far the session PnL is below its high (never negative)."""
        return exact.sub(self.high, self.pnl)

    def reset(self, total: Exact) -> None:
        """Begin a new session at the strategy's running total ``total``."""
        self.start = total
        self.pnl = self.high = _ZERO


class SessionDrawdown:
    """Every strategy's SessionPnl against one drawdown cap; all sessions restart together.

    A strategy first seen mid-session has had a PnL of zero since the session began, so its
    session starts at zero.
    """

    __slots__ = ("changed", "limit", "sessions", "tripped")

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self.sessions: dict[str, SessionPnl] = {}
        self.tripped: set[str] = set()
        """Strategies whose drawdown reached the cap this session."""
        self.changed = False
        """Set when a session begins or reaches a new high (what a restart must not lose);
        whoever saves the state clears it."""

    def update(self, totals: Mapping[str, Exact]) -> list[tuple[str, Exact]]:
        """Take every strategy's running total; return the (strategy, drawdown) pairs that reach
        the cap now (each strategy once per session)."""
        hits = []
        for sid, total in totals.items():
            session = self.sessions.get(sid)
            if session is None:
                session = self.sessions[sid] = SessionPnl()
                self.changed = True
            high = session.high
            drawdown = session.update(total)
            if session.high != high:
                self.changed = True
            if drawdown >= self.limit and sid not in self.tripped:
                self.tripped.add(sid)
                hits.append((sid, drawdown))
        return hits

    def reset(self, totals: Mapping[str, Exact]) -> list[str]:
        """Start a new session for everyone; return the strategies that had tripped."""
        for sid, total in totals.items():
            session = self.sessions.get(sid)
            if session is None:
                session = self.sessions[sid] = SessionPnl()
            session.reset(total)
        tripped = sorted(self.tripped)
        self.tripped.clear()
        return tripped

    def export(self) -> dict[str, Any]:
        """Each strategy's session (start, PnL, high) and who tripped, JSON-ready and exact."""
        return {
            "sessions": {
                sid: {
                    "start": exact_text(s.start),
                    "pnl": exact_text(s.pnl),
                    "high": exact_text(s.high),
                }
                for sid, s in self.sessions.items()
            },
            "tripped": sorted(self.tripped),
        }

    def restore(self, doc: Mapping[str, Any]) -> None:
        """Take back the sessions ``export`` wrote (same UTC day: the session goes on)."""
        for sid, saved in doc.get("sessions", {}).items():
            session = self.sessions[sid] = SessionPnl(exact_value(saved["start"]))
            session.pnl = exact_value(saved["pnl"])
            session.high = exact_value(saved["high"])
        self.tripped.update(doc.get("tripped", ()))


def exact_text(value: Exact | None) -> str | None:
    """An exact amount as text that ``exact_value`` reads back: ``"1.50"``, or ``"1/3"``."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def exact_value(text: str) -> Exact:
    """The exact amount ``exact_text`` wrote."""
    return Fraction(text) if "/" in text else Decimal(text)
