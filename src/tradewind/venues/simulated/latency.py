"""Latency model: how long an order or cancel takes to reach the venue (fixed + seeded jitter)."""

from __future__ import annotations

import random

from tradewind.errors import ConfigError


class LatencyModel:
    """``fixed_ns`` plus a uniform random ``[0, jitter_ns]`` from a seeded generator."""

    __slots__ = ("_rng", "fixed_ns", "jitter_ns", "seed")

    def __init__(self, fixed_ns: int = 0, jitter_ns: int = 0, seed: int = 0) -> None:
        if fixed_ns < 0 or jitter_ns < 0:
            raise ConfigError(
                f"latency must be >= 0 (got fixed {fixed_ns} ns, jitter {jitter_ns} ns)"
            )
        self.fixed_ns = int(fixed_ns)
        self.jitter_ns = int(jitter_ns)
        self.seed = seed
        self._rng = random.Random(seed)

    @classmethod
    def from_ms(cls, fixed_ms: float = 0.0, jitter_ms: float = 0.0, seed: int = 0) -> LatencyModel:
        """Build from milliseconds."""
        return cls(round(fixed_ms * 1_000_000), round(jitter_ms * 1_000_000), seed)

    def sample(self) -> int:
        """One delay in nanoseconds."""
        if not self.jitter_ns:
            return self.fixed_ns
        return self.fixed_ns + self._rng.randint(0, self.jitter_ns)
