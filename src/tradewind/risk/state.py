"""Trading state: enabled, reducing-only or halted, globally and per strategy.

Each scope (the whole account, or one strategy) holds restrictions under named keys — a
command, the kill switch, the daily loss limit, the session drawdown cap, the circuit breaker —
so lifting one (the breaker's cooldown ends) never lifts another (a halt by command). An
order sees the worst restriction of its strategy and of the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tradewind.risk.reasons import DenyReason


class TradingState(StrEnum):
    """What may trade: everything, only orders that reduce a position, or nothing new."""

    ENABLED = "enabled"
    REDUCING = "reducing"
    HALTED = "halted"


_SEVERITY = {TradingState.ENABLED: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


@dataclass(frozen=True, slots=True)
class Restriction:
    """One reason a scope is not fully enabled: the state it imposes, its code and why."""

    state: TradingState
    code: DenyReason
    cause: str
    """A short name of what imposed it: ``manual``, ``kill``, ``daily_loss``, ..."""
    message: str
    """The detail a person reads."""


class TradingStates:
    """The restrictions in force, by scope (None: the whole account) and key."""

    __slots__ = ("_scopes", "restricted")

    def __init__(self) -> None:
        self._scopes: dict[str | None, dict[str, Restriction]] = {}
        self.restricted = False
        """True while any restriction is in force (the order path checks only this flag)."""

    def set(self, key: str, restriction: Restriction, strategy_id: str | None = None) -> bool:
        """Impose ``restriction`` under ``key``; False when exactly that was already in force."""
        scope = self._scopes.setdefault(strategy_id, {})
        if scope.get(key) == restriction:
            return False
        scope[key] = restriction
        self.restricted = True
        return True

    def clear(self, key: str, strategy_id: str | None = None) -> bool:
        """Lift the restriction under ``key``; False when there was none."""
        scope = self._scopes.get(strategy_id)
        if not scope or scope.pop(key, None) is None:
            return False
        if not scope:
            del self._scopes[strategy_id]
        self.restricted = bool(self._scopes)
        return True

    def get(self, key: str, strategy_id: str | None = None) -> Restriction | None:
        """The restriction under ``key`` in one scope, if any."""
        return self._scopes.get(strategy_id, {}).get(key)

    def effective(self, strategy_id: str | None) -> Restriction | None:
        """The worst restriction an order of ``strategy_id`` meets (the account's first on a
        tie); None when it may trade freely."""
        worst: Restriction | None = None
        for scope in (None, strategy_id) if strategy_id is not None else (None,):
            for restriction in self._scopes.get(scope, {}).values():
                if worst is None or _SEVERITY[restriction.state] > _SEVERITY[worst.state]:
                    worst = restriction
        return worst

    def state(self, strategy_id: str | None = None) -> TradingState:
        """The state orders of ``strategy_id`` (or of any strategy, for None) trade in."""
        worst = self.effective(strategy_id)
        return TradingState.ENABLED if worst is None else worst.state

    def scope_state(self, strategy_id: str | None = None) -> TradingState:
        """The state imposed on one scope itself, ignoring the account's restrictions."""
        states = [r.state for r in self._scopes.get(strategy_id, {}).values()]
        return max(states, key=_SEVERITY.__getitem__, default=TradingState.ENABLED)

    def export(self) -> list[dict[str, Any]]:
        """Every restriction in force, JSON-ready: scope (None: the account), key, state, code,
        cause and message (``restriction_from`` reads one back)."""
        return [
            {
                "scope": scope,
                "key": key,
                "state": r.state.value,
                "code": r.code.value,
                "cause": r.cause,
                "message": r.message,
            }
            for scope, held in self._scopes.items()
            for key, r in held.items()
        ]


def restriction_from(doc: Mapping[str, Any]) -> tuple[str | None, str, Restriction]:
    """(scope, key, restriction) of one entry of ``TradingStates.export``."""
    restriction = Restriction(
        TradingState(doc["state"]), DenyReason(doc["code"]), str(doc["cause"]), str(doc["message"])
    )
    scope = doc.get("scope")
    return (None if scope is None else str(scope)), str(doc["key"]), restriction


@dataclass(frozen=True, slots=True)
class Halt:
    """Trading was disabled: when, into which state, by what (``cause``), where, and why."""

    ts: int
    state: TradingState
    cause: str
    scope: str
    """``global`` or ``strategy:<id>``."""
    message: str

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Halt:
        """The halt ``to_dict`` wrote."""
        return cls(
            int(doc["ts"]),
            TradingState(doc["state"]),
            str(doc["cause"]),
            str(doc["scope"]),
            str(doc["message"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``time`` is ISO-8601 UTC)."""
        return {
            "time": iso(self.ts),
            "ts": self.ts,
            "state": self.state.value,
            "cause": self.cause,
            "scope": self.scope,
            "message": self.message,
        }


def iso(ts: int) -> str:
    """Nanoseconds since the epoch as ISO-8601 UTC with microseconds."""
    seconds, nanos = divmod(ts, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
