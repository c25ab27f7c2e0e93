"""Order-rate throttles: token buckets on the engine clock, per strategy and per venue."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from tradewind.engine.clock import Clock
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.risk.reasons import DenyReason, Verdict

_NS_PER_S = 1_000_000_000


class TokenBucket:
    """``rate`` orders per second sustained, ``burst`` at once; refilled continuously.

    Integer arithmetic only: with ``rate = p/q``, one order costs ``q x 1e9`` units and each
    nanosecond adds ``p``, so no rounding ever lets an extra order through. Starts full.
    """

    __slots__ = ("_capacity", "_cost", "_last", "_refill", "_tokens", "burst", "rate")

    def __init__(self, rate: Decimal, burst: int) -> None:
        ratio = Fraction(rate)
        if ratio <= 0 or burst < 1:
            from tradewind.errors import ConfigError

            raise ConfigError(f"a throttle needs rate > 0 and burst >= 1 (got {rate}, {burst})")
        self.rate = rate
        self.burst = burst
        self._refill = ratio.numerator
        self._cost = _NS_PER_S * ratio.denominator
        self._capacity = burst * self._cost
        self._tokens = self._capacity
        self._last: int | None = None

    def ready(self, now_ns: int) -> bool:
        """True when an order may go at ``now_ns`` (call ``take`` if it does)."""
        last = self._last
        if last is not None and now_ns > last:
            self._tokens = min(self._capacity, self._tokens + (now_ns - last) * self._refill)
        if last is None or now_ns > last:
            self._last = now_ns
        return self._tokens >= self._cost

    def take(self) -> None:
        """Spend one order's token (after ``ready`` said yes)."""
        self._tokens -= self._cost

    @property
    def tokens(self) -> Fraction:
        """Orders that could go at once right now (as of the last ``ready``)."""
        return Fraction(self._tokens, self._cost)


def default_burst(rate: Decimal) -> int:
    """The burst when none is given: one second's worth of orders, at least one."""
    return max(1, int(rate))


class OrderThrottle:
    """The pre-trade check that refuses orders beyond a strategy's or a venue's rate.

    It runs last, so only an order every other check approved spends a token; an order
    refused here spends none.
    """

    __slots__ = (
        "_clock",
        "_instruments",
        "_strategies",
        "_strategy_limit",
        "_venue_limit",
        "_venues",
    )

    def __init__(
        self,
        clock: Clock,
        instruments: Mapping[InstrumentId, Instrument],
        strategy_limit: tuple[Decimal, int] | None,
        venue_limit: tuple[Decimal, int] | None,
    ) -> None:
        self._clock = clock
        self._instruments = instruments
        self._strategy_limit = strategy_limit
        self._venue_limit = venue_limit
        self._strategies: dict[str, TokenBucket] = {}
        self._venues: dict[str, TokenBucket] = {}

    def __call__(self, order: Order) -> Verdict:
        now = self._clock.timestamp_ns()
        own = venue = None
        if self._strategy_limit is not None:
            own = self._strategies.get(order.strategy_id)
            if own is None:
                own = self._strategies[order.strategy_id] = TokenBucket(*self._strategy_limit)
            if not own.ready(now):
                return DenyReason.THROTTLED, (
                    f"strategy {order.strategy_id!r} is over {own.rate} orders/s "
                    f"(burst {own.burst})"
                )
        if self._venue_limit is not None:
            name = self._instruments[order.instrument_id].venue
            venue = self._venues.get(name)
            if venue is None:
                venue = self._venues[name] = TokenBucket(*self._venue_limit)
            if not venue.ready(now):
                return DenyReason.VENUE_THROTTLED, (
                    f"venue {name!r} is over {venue.rate} orders/s (burst {venue.burst})"
                )
        if own is not None:
            own.take()
        if venue is not None:
            venue.take()
        return None
