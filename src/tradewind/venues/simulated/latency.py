"""Latency model: how long an order or cancel takes to reach the venue (fixed + seeded jitter)."""

from __future__ import annotations

import random
from collections.abc import Callable

from tradewind.errors import ConfigError


class LatencyModel:
    """``fixed_ns`` plus a uniform random ``[0, jitter_ns]`` drawn from a generator seeded ``seed``.

    The model is a fixed description: each venue draws from its own generator made by
    ``sampler()``, so reusing one model in several runs or venues gives the same delays.
    """

    __slots__ = ("fixed_ns", "jitter_ns", "seed")

    def __init__(self, fixed_ns: int = 0, jitter_ns: int = 0, seed: int = 0) -> None:
        if fixed_ns < 0 or jitter_ns < 0:
            raise ConfigError(
                f"latency must be >= 0 (got fixed {fixed_ns} ns, jitter {jitter_ns} ns)"
            )
        self.fixed_ns = int(fixed_ns)
        self.jitter_ns = int(jitter_ns)
        self.seed = seed

    @classmethod
    def from_ms(cls, fixed_ms: float = 0.0, jitter_ms: float = 0.0, seed: int = 0) -> LatencyModel:
        """Build from milliseconds."""
        return cls(round(fixed_ms * 1_000_000), round(jitter_ms * 1_000_000), seed)

    def sampler(self) -> Callable[[], int]:
        """A fresh source of delays (nanoseconds), starting the seeded sequence from the top."""
        if not self.jitter_ns:
            fixed = self.fixed_ns
            return lambda: fixed
        rng = random.Random(self.seed)
        fixed, jitter = self.fixed_ns, self.jitter_ns
        return lambda: fixed + rng.randint(0, jitter)

    def sample(self) -> int:
        """The first delay of the seeded sequence (the fixed delay when there is no jitter)."""
        return self.sampler()()

    def __repr__(self) -> str:
        return (
            f"LatencyModel(fixed_ns={self.fixed_ns}, jitter_ns={self.jitter_ns}, seed={self.seed})"
        )
