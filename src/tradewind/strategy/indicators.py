"""Streaming indicators a strategy updates one value at a time: SMA, EMA, rolling mean/high/low."""

from __future__ import annotations

import math
from collections import deque


class SMA:
    """Simple moving average of the last ``period`` values (the window summed anew each time)."""

    __slots__ = ("_window", "period", "value")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"SMA period must be >= 1 (got {period})")
        self.period = period
        self._window: deque[float] = deque(maxlen=period)
        self.value = math.nan

    @property
    def ready(self) -> bool:
        """True once the window is full."""
        return len(self._window) == self.period

    def update(self, x: float) -> float:
        """Add a value; return the average of the values in the window."""
        window = self._window
        window.append(x)
        value = self.value = sum(window) / len(window)
        return value


class EMA:
    """Exponential moving average, alpha = 2 / (period + 1), seeded with the first value."""

    __slots__ = ("alpha", "count", "period", "value")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"EMA period must be >= 1 (got {period})")
        self.period = period
        self.alpha = 2.0 / (period + 1)
        self.value = math.nan
        self.count = 0

    @property
    def ready(self) -> bool:
        """True once ``period`` values have been seen."""
        return self.count >= self.period

    def update(self, x: float) -> float:
        """Add a value; return the new average."""
        self.count += 1
        if self.count == 1:
            self.value = x
        else:
            self.value += self.alpha * (x - self.value)
        return self.value


class RollingWindow:
    """The last ``period`` values, with their mean, standard deviation, highest and lowest."""

    __slots__ = ("_window", "period")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"window period must be >= 1 (got {period})")
        self.period = period
        self._window: deque[float] = deque(maxlen=period)

    @property
    def ready(self) -> bool:
        """True once the window is full."""
        return len(self._window) == self.period

    def update(self, x: float) -> None:
        """Add a value (the oldest drops out when full)."""
        self._window.append(x)

    @property
    def mean(self) -> float:
        """Average of the window."""
        return sum(self._window) / len(self._window) if self._window else math.nan

    @property
    def std(self) -> float:
        """Population standard deviation of the window."""
        n = len(self._window)
        if n < 2:
            return 0.0
        mean = sum(self._window) / n
        return math.sqrt(sum((v - mean) ** 2 for v in self._window) / n)

    @property
    def high(self) -> float:
        """Highest value in the window."""
        return max(self._window) if self._window else math.nan

    @property
    def low(self) -> float:
        """Lowest value in the window."""
        return min(self._window) if self._window else math.nan

    @property
    def first(self) -> float:
        """The oldest value in the window."""
        return self._window[0] if self._window else math.nan
