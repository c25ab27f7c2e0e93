"""Supervisor: runs the live runtime's long-lived services and restarts them when they stop.

Each service is a zero-argument coroutine factory (``async def run() -> None``): the market
feed, fill routing, the order reaper, the recorder, metrics... The factory is called afresh on
every (re)start, so the restart path is the startup path.

Restarts follow a :class:`RestartPolicy`:

- ``Restart.ALWAYS`` restarts after a crash and after a clean return; ``ON_FAILURE`` (the
  default) only after a crash; ``NEVER`` not at all.
- Restart *n* within the sliding window waits ``min(cap, base * 2 ** (n - 1))`` scaled by a
  factor drawn uniformly from ``[1 - jitter, 1]``: jitter only shortens a delay, so the nominal
  delay (and the cap) is an upper bound. Defaults: 100 ms base, 60 s cap, 20 % jitter.
- At most ``max_restarts`` (10) restarts within ``window`` (600 s). The exit that would need
  one more trips the breaker: the service ends in phase ``tripped`` and stays there; the
  supervisor never resumes it on its own.

Time comes only from the injected monotonic ``clock`` and ``sleep`` (and ``wall_ns`` for the
start timestamps shown in health), jitter from an injected ``random.Random``; tests run a crash
loop in milliseconds with a fake clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tradewind.runtime.redaction import redact

__all__ = ["Phase", "Restart", "RestartPolicy", "ServiceFactory", "Supervisor"]

log = logging.getLogger(__name__)

ServiceFactory = Callable[[], Coroutine[Any, Any, None]]
"""Makes one run of a service: ``async def run() -> None``."""


class Restart(StrEnum):
    """When a service that ended is started again."""

    ALWAYS = "always"
    ON_FAILURE = "on_failure"
    NEVER = "never"


class Phase(StrEnum):
    """Where a service is in its lifecycle."""

    STARTING = "starting"
    RUNNING = "running"
    BACKOFF = "backoff"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"
    TRIPPED = "tripped"


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """How and how fast a service is restarted, and when to give up (the breaker)."""

    restart: Restart = Restart.ON_FAILURE
    base_s: float = 0.1
    cap_s: float = 60.0
    jitter: float = 0.2
    max_restarts: int = 10
    window_s: float = 600.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be within [0, 1], got {self.jitter}")
        if self.base_s < 0 or self.cap_s < 0 or self.window_s <= 0 or self.max_restarts < 0:
            raise ValueError("base_s, cap_s and max_restarts must be >= 0 and window_s > 0")

    def nominal_delay(self, n: int) -> float:
        """The un-jittered delay before restart ``n`` (1-based) within the window."""
        return min(self.cap_s, self.base_s * 2.0 ** min(n - 1, 1023))


@dataclass(slots=True)
class _Service:
    name: str
    factory: ServiceFactory
    policy: RestartPolicy
    phase: Phase = Phase.STOPPED
    restarts: int = 0
    last_error: str | None = None
    last_start_ns: int | None = None
    started_at: float | None = None
    recent: deque[float] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = redact(" ".join(f"{type(exc).__name__}: {exc}".split()))  # shown in health, summary
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Supervisor:
    """Runs named services under restart policies, with backoff, a breaker and health.

    Single use: after :meth:`shutdown` no service is restarted and none can be added.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_ns: Callable[[], int] = time.time_ns,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._wall_ns = wall_ns
        self._rng = rng if rng is not None else random.Random()
        self._services: dict[str, _Service] = {}
        self._started = False
        self._closing = False

    def add(self, name: str, factory: ServiceFactory, policy: RestartPolicy | None = None) -> None:
        """Register a service; it starts with :meth:`start` (or now, if already started)."""
        if name in self._services:
            raise ValueError(f"service {name!r} is already registered")
        if self._closing:
            raise RuntimeError("supervisor is shutting down")
        svc = _Service(name, factory, policy or RestartPolicy())
        self._services[name] = svc
        if self._started:
            self._spawn(svc)

    def start(self) -> None:
        """Start every registered service. Call from inside the running event loop."""
        if self._started:
            return
        self._started = True
        for svc in self._services.values():
            self._spawn(svc)

    async def join(self, name: str) -> Phase:
        """Wait until a service's supervision ends (stopped, failed or tripped); its phase."""
        svc = self._services[name]
        if svc.task is not None:
            await asyncio.wait([svc.task])
        return svc.phase

    def phase(self, name: str) -> Phase:
        """The current phase of one service."""
        return self._services[name].phase

    def health(self) -> dict[str, dict[str, Any]]:
        """A plain, JSON-ready snapshot per service.

        ``phase``, ``restarts`` (total since added), ``last_error`` (one line or None),
        ``last_start_ns`` (wall clock, ns since the epoch, or None) and ``uptime_s`` (seconds
        since the current run started; 0.0 unless running).
        """
        now = self._clock()
        out: dict[str, dict[str, Any]] = {}
        for name, svc in self._services.items():
            up = 0.0
            if svc.phase is Phase.RUNNING and svc.started_at is not None:
                up = max(0.0, now - svc.started_at)
            out[name] = {
                "phase": svc.phase.value,
                "restarts": svc.restarts,
                "last_error": svc.last_error,
                "last_start_ns": svc.last_start_ns,
                "uptime_s": up,
            }
        return out

    async def shutdown(self, timeout: float = 30.0) -> list[str]:
        """Cancel every service and wait up to ``timeout`` seconds for them to end.

        Returns the names of services still running after the timeout (they ignored
        cancellation; they are left in phase ``stopping``). An empty list means all stopped.
        """
        self._closing = True
        pending: list[asyncio.Task[None]] = []
        for svc in self._services.values():
            if svc.task is not None and not svc.task.done():
                svc.phase = Phase.STOPPING
                svc.task.cancel()
                pending.append(svc.task)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        stuck: list[str] = []
        for svc in self._services.values():
            if svc.task is not None and not svc.task.done():
                stuck.append(svc.name)
            elif svc.phase is Phase.STOPPING:  # cancelled before its first step
                svc.phase = Phase.STOPPED
        if stuck:
            log.error("services did not stop within %.1fs: %s", timeout, ", ".join(stuck))
        return stuck

    def _spawn(self, svc: _Service) -> None:
        svc.task = asyncio.get_running_loop().create_task(
            self._supervise(svc), name=f"supervisor:{svc.name}"
        )

    async def _supervise(self, svc: _Service) -> None:
        """One service's loop: run, classify the exit, then stop, trip or back off and rerun."""
        try:
            while True:
                failed = await self._run_once(svc)
                if self._closing:
                    svc.phase = Phase.STOPPED
                    return
                wanted = svc.policy.restart is Restart.ALWAYS or (
                    failed and svc.policy.restart is Restart.ON_FAILURE
                )
                if not wanted:
                    svc.phase = Phase.FAILED if failed else Phase.STOPPED
                    return
                delay = self._next_delay(svc)
                if delay is None:
                    svc.phase = Phase.TRIPPED
                    log.error("service %s tripped its restart breaker", svc.name)
                    return
                svc.phase = Phase.BACKOFF
                log.warning("service %s restarts in %.3fs", svc.name, delay)
                await self._sleep(delay)
                if self._closing:
                    svc.phase = Phase.STOPPED
                    return
                svc.restarts += 1
        except asyncio.CancelledError:
            svc.phase = Phase.STOPPED
            raise
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: never swallowed
            svc.phase, svc.last_error = Phase.FAILED, _one_line(exc)
            raise

    async def _run_once(self, svc: _Service) -> bool:
        """Run the service once; True if it crashed. Cancellation propagates."""
        svc.phase = Phase.STARTING
        svc.started_at = self._clock()
        svc.last_start_ns = self._wall_ns()
        try:
            run = svc.factory()
            svc.phase = Phase.RUNNING
            await run
        except Exception as exc:
            svc.last_error = _one_line(exc)
            log.warning(
                "service %s crashed: %s", svc.name, svc.last_error, extra={"service": svc.name}
            )
            log.debug("service %s traceback", svc.name, exc_info=exc, extra={"service": svc.name})
            return True
        return False

    def _next_delay(self, svc: _Service) -> float | None:
        """Record one more restart in the window; its jittered delay, or None if it trips."""
        now = self._clock()
        pol = svc.policy
        while svc.recent and now - svc.recent[0] >= pol.window_s:
            svc.recent.popleft()
        if len(svc.recent) >= pol.max_restarts:
            return None
        svc.recent.append(now)
        nominal = pol.nominal_delay(len(svc.recent))
        return nominal * self._rng.uniform(1.0 - pol.jitter, 1.0)
