"""Clocks: the only source of time for strategies and timers, historical or live."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from typing import Protocol

from tradewind.model.events import TimeEvent

NEVER = 2**63 - 1
"""A timestamp later than any event: "no alarm pending"."""


class Clock(Protocol):
    """What the engine and strategies may ask of time."""

    def timestamp_ns(self) -> int:
        """Now, in nanoseconds since the epoch, UTC."""
        ...

    def set_alarm(self, name: str, owner: str, at_ns: int) -> None:
        """Fire one TimeEvent at ``at_ns``."""
        ...

    def set_timer(
        self,
        name: str,
        owner: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire a TimeEvent every ``interval_ns`` from ``start_ns`` (default now + interval)."""
        ...

    def cancel(self, name: str, owner: str) -> None:
        """Stop a timer or alarm; unknown names are ignored."""
        ...


class HistoricalClock:
    """A clock the backtest driver moves forward; timers fire in timestamp order with the data."""

    __slots__ = ("_heap", "_seq", "next_ns", "now_ns")

    def __init__(self, start_ns: int = 0) -> None:
        self.now_ns = start_ns
        self.next_ns = NEVER
        self._heap: list[tuple[int, int, str, str, int, int]] = []
        self._seq = 0

    def timestamp_ns(self) -> int:
        """The time of the event being processed."""
        return self.now_ns

    def set_alarm(self, name: str, owner: str, at_ns: int) -> None:
        """Fire once at ``at_ns`` (immediately at the next step if already past)."""
        self._push(at_ns, name, owner, 0, NEVER)

    def set_timer(
        self,
        name: str,
        owner: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire every ``interval_ns`` until ``stop_ns``."""
        if interval_ns <= 0:
            from tradewind.errors import ConfigError

            raise ConfigError(f"timer {name!r}: interval must be > 0 ns (got {interval_ns})")
        first = (self.now_ns + interval_ns) if start_ns is None else start_ns
        self._push(first, name, owner, interval_ns, NEVER if stop_ns is None else stop_ns)

    def cancel(self, name: str, owner: str) -> None:
        """Stop a timer or alarm."""
        kept = [e for e in self._heap if e[2] != name or e[3] != owner]
        if len(kept) != len(self._heap):
            heapq.heapify(kept)
            self._heap = kept
            self.next_ns = kept[0][0] if kept else NEVER

    def _push(self, at_ns: int, name: str, owner: str, interval: int, stop: int) -> None:
        self.cancel(name, owner)  # setting a name again replaces it, as on the live clock
        self._seq += 1
        heapq.heappush(self._heap, (at_ns, self._seq, name, owner, interval, stop))
        self.next_ns = self._heap[0][0]

    def pop_due(self, until_ns: int) -> TimeEvent | None:
        """Take the earliest TimeEvent at or before ``until_ns`` and move time to it."""
        heap = self._heap
        while heap and heap[0][0] <= until_ns:
            at, _, name, owner, interval, stop = heapq.heappop(heap)
            if interval and at + interval <= stop:
                self._seq += 1
                heapq.heappush(heap, (at + interval, self._seq, name, owner, interval, stop))
            self.next_ns = heap[0][0] if heap else NEVER
            if at > self.now_ns:
                self.now_ns = at
            return TimeEvent(name, owner, at, self.now_ns)
        self.next_ns = heap[0][0] if heap else NEVER
        return None


class LiveClock:
    """Wall-clock time; timers are asyncio callbacks that hand TimeEvents to ``sink``."""

    def __init__(self, sink: Callable[[TimeEvent], None] | None = None) -> None:
        self._sink = sink
        self._handles: dict[tuple[str, str], object] = {}

    def bind(self, sink: Callable[[TimeEvent], None]) -> None:
        """Say where fired TimeEvents go (the live driver's queue)."""
        self._sink = sink

    def timestamp_ns(self) -> int:
        """Now, from the system clock."""
        return time.time_ns()

    def set_alarm(self, name: str, owner: str, at_ns: int) -> None:
        """Fire once at ``at_ns``."""
        self._schedule(name, owner, at_ns, 0, NEVER)

    def set_timer(
        self,
        name: str,
        owner: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Fire every ``interval_ns`` until ``stop_ns``."""
        first = (time.time_ns() + interval_ns) if start_ns is None else start_ns
        self._schedule(name, owner, first, interval_ns, NEVER if stop_ns is None else stop_ns)

    def cancel(self, name: str, owner: str) -> None:
        """Stop a timer or alarm."""
        handle = self._handles.pop((name, owner), None)
        if handle is not None:
            handle.cancel()  # type: ignore[attr-defined]

    def _schedule(self, name: str, owner: str, at_ns: int, interval: int, stop: int) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        self.cancel(name, owner)

        def fire() -> None:
            now = time.time_ns()
            if self._sink is not None:
                self._sink(TimeEvent(name, owner, at_ns, now))
            if interval and at_ns + interval <= stop:
                self._schedule(name, owner, at_ns + interval, interval, stop)
            else:
                self._handles.pop((name, owner), None)

        delay = max(0.0, (at_ns - time.time_ns()) / 1e9)
        self._handles[(name, owner)] = loop.call_later(delay, fire)
