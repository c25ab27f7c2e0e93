"""Stale feeds: instruments whose market data went quiet are marked stale, and fresh again.

``StalenessMonitor`` watches every instrument a strategy subscribes to. It reads the receive
time (``ts_init``) of the latest quote, trade or bar in the engine's cache at each check, so
it adds nothing to the per-event path; with a ``LiveClock`` that is the wall time the event
arrived. An instrument subscribed for longer than ``max_quiet_s`` whose latest event is older
than that is marked with ``engine.set_stale(iid, True, reason)``: its strategies hear of it
in ``on_data_stale``, and risk then refuses orders that would open or add to a position
(``DenyReason.STALE_DATA``). At the first check after an event arrives again it is marked
fresh. Choose ``max_quiet_s`` above the longest normal gap of what is subscribed (a bar
interval, a quiet market's trade gaps).

Which pre-trade check enforces the rule: a ``RiskEngine`` does it itself (and counts the
denials); on an engine without one, install ``stale_data_check`` with
``engine.add_pre_trade_check(stale_data_check)``. Installed next to a ``RiskEngine`` it
steps aside, so an order is judged (and counted) once.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any, Protocol

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.model.events import OrderDenied
from tradewind.model.identifiers import InstrumentId
from tradewind.model.orders import Order
from tradewind.risk.book import RiskBook
from tradewind.risk.engine import RiskEngine, last_market_ns, stale_data_verdict

_NS = 1_000_000_000
MIN_CHECK_EVERY_S = 0.05
"""The shortest default check period."""


class TimeSource(Protocol):
    """Anything that says the time in nanoseconds (every tradewind clock does)."""

    def timestamp_ns(self) -> int:
        """Now, in nanoseconds since the epoch, UTC."""
        ...


@dataclass(frozen=True, slots=True)
class StaleChange:
    """One mark a check made: the instrument went ``stale`` (True) or came back (False)."""

    instrument_id: InstrumentId
    stale: bool
    reason: str


class StalenessMonitor:
    """Marks subscribed instruments stale after ``max_quiet_s`` without market data.

    ``check(now_ns)`` does one pass (tests drive it with a fake time); ``run()`` checks every
    ``check_every_s`` (default ``max_quiet_s / 4``, at least 0.05 s) until cancelled: run it
    on the engine's event loop, as a supervised service. ``clock`` defaults to the engine's.
    It clears only the marks it set (an instrument another party marked stale stays so until
    that party clears it), and an instrument that loses its last subscriber is no longer
    watched (its mark, if any, is cleared).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_quiet_s: float,
        check_every_s: float | None = None,
        clock: TimeSource | None = None,
    ) -> None:
        if not (isinstance(max_quiet_s, int | float) and 0 < max_quiet_s < math.inf):
            raise ConfigError(
                f"max_quiet_s must be a number of seconds > 0 (got {max_quiet_s!r}): e.g. 5"
            )
        if check_every_s is None:
            check_every_s = max(max_quiet_s / 4, MIN_CHECK_EVERY_S)
        elif not (isinstance(check_every_s, int | float) and 0 < check_every_s < math.inf):
            raise ConfigError(
                f"check_every_s must be a number of seconds > 0 (got {check_every_s!r}): "
                "e.g. 1, or leave it out for max_quiet_s / 4"
            )
        self.engine = engine
        self.max_quiet_s = float(max_quiet_s)
        self.check_every_s = float(check_every_s)
        self.clock: TimeSource = clock if clock is not None else engine.clock
        self._limit_ns = round(max_quiet_s * _NS)
        self._kinds: dict[InstrumentId, set[str]] = {}
        self._since: dict[InstrumentId, int] = {}
        self._marked: set[InstrumentId] = set()
        self.checks = 0
        engine.add_subscription_listener(self._on_subscription)

    def _on_subscription(self, kind: str, instrument_id: InstrumentId, subscribed: bool) -> None:
        kinds = self._kinds.get(instrument_id)
        if subscribed:
            if kinds is None:
                self._kinds[instrument_id] = {kind}
                self._since[instrument_id] = self.clock.timestamp_ns()
            else:
                kinds.add(kind)
            return
        if kinds is None:
            return
        kinds.discard(kind)
        if not kinds:
            del self._kinds[instrument_id], self._since[instrument_id]
            if instrument_id in self._marked:
                self._marked.discard(instrument_id)
                self.engine.set_stale(instrument_id, False, "no longer subscribed")

    @property
    def watched(self) -> list[InstrumentId]:
        """The instruments being watched (those with a subscriber), sorted."""
        return sorted(self._kinds)

    def quiet_ns(self, instrument_id: InstrumentId, now_ns: int) -> int:
        """How long the instrument has been without an event (since it was subscribed, if
        nothing newer arrived), in nanoseconds."""
        last = last_market_ns(self.engine, instrument_id)
        since = self._since.get(instrument_id, now_ns)
        return now_ns - (since if last is None else max(last, since))

    def check(self, now_ns: int | None = None) -> list[StaleChange]:
        """One pass at ``now_ns`` (default: the clock's now): mark what went quiet, unmark
        what came back; returns the changes made, in instrument order."""
        now = self.clock.timestamp_ns() if now_ns is None else now_ns
        self.checks += 1
        changes: list[StaleChange] = []
        limit, stale, marked = self._limit_ns, self.engine.stale, self._marked
        for iid in sorted(self._kinds):
            quiet = self.quiet_ns(iid, now)
            if quiet > limit:
                if iid not in stale:
                    reason = (
                        f"no market data for {quiet / _NS:.1f} s (limit {self.max_quiet_s:g} s)"
                    )
                    changes.append(StaleChange(iid, True, reason))
            elif iid in marked:
                if iid in stale:
                    changes.append(StaleChange(iid, False, "market data resumed"))
                else:
                    marked.discard(iid)  # someone else cleared our mark already
        for change in changes:
            if change.stale:
                self._marked.add(change.instrument_id)
            else:
                self._marked.discard(change.instrument_id)
            self.engine.set_stale(change.instrument_id, change.stale, change.reason)
        return changes

    async def run(self) -> None:
        """Check every ``check_every_s`` until cancelled."""
        while True:
            self.check()
            await asyncio.sleep(self.check_every_s)

    def status(self, now_ns: int | None = None) -> dict[str, dict[str, Any]]:
        """Per watched instrument: ``age_s`` (seconds without an event, since subscribing if
        none came), ``stale`` and ``seen`` (an event has arrived); JSON-ready."""
        now = self.clock.timestamp_ns() if now_ns is None else now_ns
        return {
            str(iid): {
                "age_s": round(self.quiet_ns(iid, now) / _NS, 3),
                "stale": iid in self.engine.stale,
                "seen": last_market_ns(self.engine, iid) is not None,
            }
            for iid in sorted(self._kinds)
        }


def stale_data_check(order: Order, engine: Engine) -> OrderDenied | None:
    """A pre-trade check for engines without a ``RiskEngine``: deny ``STALE_DATA`` an order on
    an instrument in ``engine.stale`` unless it only reduces a position (as RiskEngine does).

    Install with ``engine.add_pre_trade_check(stale_data_check)``. When a ``RiskEngine`` is
    among the engine's checks it returns None: the RiskEngine judges (and counts) it.
    """
    if order.instrument_id not in engine.stale:
        return None
    checks = getattr(engine, "_pre_trade", ())
    if any(isinstance(getattr(c, "__self__", None), RiskEngine) for c in checks):
        return None
    book = RiskBook(engine)
    book.judge(order)  # an amended copy: its open order's current terms are left out
    verdict = stale_data_verdict(order, engine, book)
    if verdict is None:
        return None
    code, message = verdict
    now = engine.clock.timestamp_ns()
    return OrderDenied(order.client_order_id, code.value, message, now, now)
