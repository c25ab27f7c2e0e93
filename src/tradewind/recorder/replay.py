"""Paced replay: recorded events delivered at their recorded pace (or faster), for live drills.

Each event ``i`` is due at ``start + (ts_init[i] - ts_init[0]) / speed`` on the wall clock,
computed from the start every time, so sleep overshoot never accumulates: a late event is
delivered at once and the next one is still aimed at its own scheduled time.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tradewind.errors import ConfigError

_NS = 1_000_000_000
_YIELD_EVERY = 4_096
"""Without pacing, give the event loop a turn this often."""

Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """What a paced replay did.

    ``max_lag_seconds`` is the worst delay of a delivery behind its schedule (0 when
    unpaced); ``slept_seconds`` the total asked of ``sleep``.
    """

    events: int
    wall_seconds: float
    max_lag_seconds: float
    slept_seconds: float


async def replay_paced(
    events: Iterable[Any],
    sink: Callable[[Any], Any],
    *,
    speed: float | None = 1.0,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> ReplayStats:
    """Call ``sink(event)`` for each event (awaiting it if it returns an awaitable), paced.

    Events are timed by ``ts_init`` (nanoseconds). ``speed`` 2.0 replays twice as fast;
    ``speed`` 0 or None as fast as possible (yielding to the loop every few thousand events).
    An event earlier than the one before it is delivered at once, in the given order.
    ``sleep`` and ``clock`` (seconds, monotonic) can be replaced for tests.
    """
    if speed is not None and speed < 0:
        raise ConfigError(f"speed must be positive (or 0 for as fast as possible), not {speed}")
    paced = bool(speed)
    factor = 1.0 / (_NS * speed) if speed else 0.0
    started = clock()
    first_ts: int | None = None
    count = 0
    max_lag = 0.0
    slept = 0.0
    for event in events:
        if paced:
            ts = event.ts_init
            if first_ts is None:
                first_ts = ts
            due = started + (ts - first_ts) * factor
            now = clock()
            if due > now:
                slept += due - now
                await sleep(due - now)
                now = clock()
            max_lag = max(max_lag, now - due)
        elif count and count % _YIELD_EVERY == 0:
            await sleep(0)
        result = sink(event)
        if inspect.isawaitable(result):
            await result
        count += 1
    return ReplayStats(count, clock() - started, max_lag, slept)
