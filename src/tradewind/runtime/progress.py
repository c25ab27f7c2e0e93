"""A progress bar for long runs, written to stderr at most a few times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``[#####-----]  48%  480,000 events  1.2M ev/s  ETA 3s`` on one updating line."""

    def __init__(self, total: float | None, *, stream: TextIO | None = None, every_s: float = 0.2):
        self.total = total
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self._start = time.perf_counter()
        self._last = 0.0
        self._shown = False

    def update(self, done: float, events: int, *, force: bool = False) -> None:
        """Redraw if enough time has passed (or ``force``)."""
        now = time.perf_counter()
        if not force and now - self._last < self.every_s:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        rate = events / elapsed
        if self.total:
            frac = min(max(done / self.total, 0.0), 1.0)
            filled = int(frac * 30)
            eta = (elapsed / frac - elapsed) if frac > 0 else 0.0
            line = (
                f"\r[{'#' * filled}{'-' * (30 - filled)}] {frac * 100:5.1f}%  "
                f"{events:,} events  {_si(rate)} ev/s  ETA {eta:,.0f}s "
            )
        else:
            line = f"\r{events:,} events  {_si(rate)} ev/s "
        self.stream.write(line)
        self.stream.flush()
        self._shown = True

    def close(self, events: int) -> None:
        """Draw the final state and end the line."""
        self.update(self.total or 0, events, force=True)
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()


def _si(value: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.2f}{unit}"
    return f"{value:.0f}"
