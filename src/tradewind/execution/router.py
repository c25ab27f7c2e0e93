"""Smart order routing: split one order across venues quoting a pair, best effective price first.

The router ranks the venues quoting the same pair (``BTCUSDT.A``, ``BTCUSDT.B``) by effective
price: the touch price made worse by the taker fee and by a latency penalty (bps per
millisecond). It walks them best first, taking at most the displayed size at each, on each
instrument's lot grid and above its minimum quantity and notional. What displayed size cannot
absorb goes to the best venue that can take it, or stays unrouted (``overflow_to_best``).

Children are **IOC limit orders at the scored touch price**, sent through the strategy's own
``submit_limit``: each one passes the same grid and pre-trade checks as any order, never
trades worse than the price it was ranked at, and what the venue cannot fill at that price
comes back canceled (the strategy sees it in ``on_order`` and may route again). Market
children would fill more surely but could trade through the price the split was planned on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from math import isfinite
from typing import Protocol

from tradewind.errors import ConfigError, OrderError
from tradewind.model.data import QuoteTick
from tradewind.model.enums import OrderSide, TimeInForce
from tradewind.model.exact import CONTEXT
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument, Number, to_decimal
from tradewind.model.orders import Order

_ZERO = Decimal(0)
_ONE = Decimal(1)
_BPS = Decimal(10_000)
_NS_PER_MS = Decimal(1_000_000)


class RoutingStrategy(Protocol):
    """What the router needs of a strategy (``tradewind.strategy.Strategy`` provides it)."""

    def instrument(self, instrument_id: str) -> Instrument:
        """An instrument's definition."""
        ...

    def last_quote(self, instrument_id: str) -> QuoteTick | None:
        """The latest quote of an instrument."""
        ...

    def submit_limit(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        price: Number,
        *,
        time_in_force: TimeInForce | str = ...,
        tags: tuple[str, ...] = ...,
    ) -> Order:
        """Send a limit order through the engine's checks."""
        ...


def _decimal(value: Number, what: str) -> Decimal:
    try:
        result = to_decimal(value, what)
    except OrderError:
        result = Decimal("NaN")
    if not result.is_finite():
        raise ConfigError(f"{what} {value!r} is not a finite number: give one")
    return result


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """What routing needs to know about a venue: taker and maker fees in bps, latency in ms."""

    taker_bps: Decimal = _ZERO
    """Fee for taking liquidity, in basis points of notional: what IOC children pay."""
    maker_bps: Decimal = _ZERO
    """Fee (negative: rebate) for resting liquidity; the IOC children never earn it."""
    latency_ms: Decimal = _ZERO
    """Mean time for an order to reach the venue, in milliseconds."""

    def __post_init__(self) -> None:
        for name in ("taker_bps", "maker_bps", "latency_ms"):
            object.__setattr__(self, name, _decimal(getattr(self, name), name))
        if self.latency_ms < 0:
            raise ConfigError(f"latency_ms {self.latency_ms} must be >= 0")

    @classmethod
    def from_models(cls, fees: object | None, latency: object | None) -> VenueProfile:
        """From a fee model (``taker_bps``, ``maker_bps``) and a latency model (``fixed_ns``,
        ``jitter_ns``: the mean, fixed + jitter / 2, is used); a missing one counts as zero."""
        fixed = Decimal(getattr(latency, "fixed_ns", 0))
        jitter = Decimal(getattr(latency, "jitter_ns", 0))
        return cls(
            taker_bps=getattr(fees, "taker_bps", _ZERO),
            maker_bps=getattr(fees, "maker_bps", _ZERO),
            latency_ms=CONTEXT.divide(fixed * 2 + jitter, _NS_PER_MS * 2),
        )

    @classmethod
    def from_client(cls, client: object) -> VenueProfile:
        """From an execution client's capability data: its ``fees`` and ``latency`` models."""
        fees, latency = getattr(client, "fees", None), getattr(client, "latency", None)
        if fees is None and latency is None:
            venue = getattr(client, "venue", repr(client))
            raise ConfigError(
                f"venue {venue!r} exposes neither fees nor latency: give its VenueProfile "
                "explicitly (profiles={venue: VenueProfile(taker_bps=..., latency_ms=...)})"
            )
        return cls.from_models(fees, latency)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One venue's offer: its instrument, the touch price and displayed size on the side the
    order takes (the ask for a buy, the bid for a sell), and the venue's profile."""

    instrument: Instrument
    price: Decimal
    size: Decimal
    profile: VenueProfile = field(default_factory=VenueProfile)


@dataclass(frozen=True, slots=True)
class RouteLeg:
    """One child order of a plan, at the touch price it was ranked at."""

    instrument_id: InstrumentId
    venue: str
    quantity: Decimal
    price: Decimal
    effective_price: Decimal
    """The price after the taker fee and the latency penalty: what the ranking compared."""
    displayed: Decimal
    """The size displayed at the touch when the plan was made."""
    overflow: Decimal = _ZERO
    """The part of ``quantity`` beyond what was displayed (sent here by ``overflow_to_best``)."""


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """How one order splits: the legs best first, and what could not be routed."""

    side: OrderSide
    quantity: Decimal
    legs: tuple[RouteLeg, ...]
    unrouted: Decimal
    ranking: tuple[InstrumentId, ...]
    """Every usable candidate, best effective price first."""
    skipped: tuple[tuple[InstrumentId, str], ...] = ()
    """Candidates that got nothing, and why (no quote, below a minimum, off the lot grid)."""

    @property
    def routed(self) -> Decimal:
        """The quantity the legs carry."""
        return sum((leg.quantity for leg in self.legs), _ZERO)


def effective_price(side: OrderSide, candidate: Candidate, latency_bps_per_ms: Decimal) -> Decimal:
    """The touch price made worse by the taker fee and latency_ms x ``latency_bps_per_ms``."""
    taker, latency = candidate.profile.taker_bps, candidate.profile.latency_ms
    cost = CONTEXT.divide(CONTEXT.add(taker, CONTEXT.multiply(latency, latency_bps_per_ms)), _BPS)
    factor = CONTEXT.add(_ONE, cost) if side is OrderSide.BUY else CONTEXT.subtract(_ONE, cost)
    return CONTEXT.multiply(candidate.price, factor)


def plan_route(
    side: OrderSide | str,
    quantity: Number,
    candidates: Sequence[Candidate],
    *,
    latency_bps_per_ms: Number = 0,
    overflow_to_best: bool = True,
) -> RoutePlan:
    """Split ``quantity`` across ``candidates``: a pure function of its arguments.

    Ranking: best effective price first (lowest for a buy, highest for a sell), then lower
    latency, then larger displayed size, then venue name and instrument id, so equal offers
    always rank the same way. Each venue gets at most its displayed size, rounded down to
    its lot; a leg below the venue's minimum quantity or notional is skipped. The rest goes
    to the best venue whose grid and minimums accept it when ``overflow_to_best``; whatever
    is still left (or everything, without it) is ``unrouted``.
    """
    order_side = _side(side)
    wanted = _decimal(quantity, "quantity")
    if wanted <= 0:
        raise ConfigError(f"quantity {wanted} to route must be > 0")
    penalty = _latency_penalty(latency_bps_per_ms)
    _check_same_pair(candidates)
    skipped: list[tuple[InstrumentId, str]] = []
    scored: list[tuple[tuple[object, ...], Candidate, Decimal]] = []
    for c in candidates:
        if c.price <= 0 or c.size <= 0:
            skipped.append((c.instrument.id, "nothing displayed on this side"))
            continue
        eff = effective_price(order_side, c, penalty)
        rank = eff if order_side is OrderSide.BUY else -eff
        key = (rank, c.profile.latency_ms, -c.size, c.instrument.venue, c.instrument.id)
        scored.append((key, c, eff))
    scored.sort(key=lambda item: item[0])

    taken: dict[InstrumentId, Decimal] = {}
    remaining = wanted
    for _, c, _ in scored:
        if not remaining:
            break
        qty = c.instrument.round_quantity(min(remaining, c.size))
        problem = _refusal(c.instrument, qty, c.price)
        if problem:
            skipped.append((c.instrument.id, problem))
            continue
        taken[c.instrument.id] = qty
        remaining = CONTEXT.subtract(remaining, qty)
    overflow: dict[InstrumentId, Decimal] = {}
    if remaining and overflow_to_best:
        for _, c, _ in scored:
            extra = c.instrument.round_quantity(remaining)
            total = CONTEXT.add(taken.get(c.instrument.id, _ZERO), extra)
            if extra and not _refusal(c.instrument, total, c.price):
                taken[c.instrument.id] = total
                overflow[c.instrument.id] = extra
                remaining = CONTEXT.subtract(remaining, extra)
                break
    legs = tuple(
        RouteLeg(
            c.instrument.id,
            c.instrument.venue,
            taken[c.instrument.id],
            c.price,
            eff,
            c.size,
            overflow.get(c.instrument.id, _ZERO),
        )
        for _, c, eff in scored
        if c.instrument.id in taken
    )
    return RoutePlan(
        order_side,
        wanted,
        legs,
        remaining,
        tuple(c.instrument.id for _, c, _ in scored),
        tuple(s for s in skipped if s[0] not in taken),
    )


class SmartOrderRouter:
    """Routes a strategy's orders across venues quoting the same pair (see the module doc).

    ``profiles`` (venue -> VenueProfile) wins over ``clients`` (execution clients whose
    ``fees`` and ``latency`` are read with ``VenueProfile.from_client``). ``route`` reads the
    latest quotes, plans, and submits the legs; ``plan`` alone is pure.
    """

    def __init__(
        self,
        strategy: RoutingStrategy,
        *,
        profiles: Mapping[str, VenueProfile] | None = None,
        clients: Iterable[object] = (),
        latency_bps_per_ms: Number = 0,
        overflow_to_best: bool = True,
        tag: str = "sor",
    ) -> None:
        self.strategy = strategy
        found = {_venue_of(c): VenueProfile.from_client(c) for c in clients}
        self.profiles: dict[str, VenueProfile] = {**found, **(profiles or {})}
        self.latency_bps_per_ms = _latency_penalty(latency_bps_per_ms)
        self.overflow_to_best = overflow_to_best
        self.tag = tag
        self.last_plan: RoutePlan | None = None
        """The plan behind the latest ``route`` call (its unrouted quantity, skipped venues)."""

    def profile(self, venue: str) -> VenueProfile:
        """The venue's profile, or a ConfigError naming the venue and the fix."""
        profile = self.profiles.get(venue)
        if profile is None:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(
                f"no VenueProfile for venue {venue!r} (known: {known}): pass "
                f"profiles={{{venue!r}: VenueProfile(...)}} or its execution client in clients="
            )
        return profile

    def candidates(self, side: OrderSide | str, instrument_ids: Iterable[str]) -> list[Candidate]:
        """Each instrument's touch on the side a ``side`` order takes, from its latest quote.

        A touch off the tick grid (float noise) is rounded up for a buy and down for a sell, so
        a limit there still reaches it. An instrument without a quote, or whose side of the
        book is empty or not a finite positive number, gets price and size zero (``plan``
        then lists it as skipped).
        """
        buy = _side(side) is OrderSide.BUY
        out = []
        for iid in instrument_ids:
            instrument = self.strategy.instrument(iid)
            quote = self.strategy.last_quote(iid)
            price = size = _ZERO
            if quote is not None:
                touch = quote.ask if buy else quote.bid
                shown = quote.ask_size if buy else quote.bid_size
                if isfinite(touch) and isfinite(shown) and touch > 0 and shown > 0:
                    rounding = ROUND_CEILING if buy else ROUND_FLOOR
                    price = instrument.round_price(Decimal(repr(touch)), rounding)
                    size = Decimal(repr(shown))
            out.append(Candidate(instrument, price, size, self.profile(instrument.venue)))
        return out

    def plan(
        self, side: OrderSide | str, quantity: Number, candidates: Sequence[Candidate]
    ) -> RoutePlan:
        """Split ``quantity`` across ``candidates`` with this router's settings (pure)."""
        return plan_route(
            side,
            quantity,
            candidates,
            latency_bps_per_ms=self.latency_bps_per_ms,
            overflow_to_best=self.overflow_to_best,
        )

    def submit(self, plan: RoutePlan) -> list[Order]:
        """Send each leg as an IOC limit at its touch price through the strategy, best first."""
        return [
            self.strategy.submit_limit(
                leg.instrument_id,
                plan.side,
                leg.quantity,
                leg.price,
                time_in_force=TimeInForce.IOC,
                tags=(self.tag,),
            )
            for leg in plan.legs
        ]

    def route(
        self, side: OrderSide | str, quantity: Number, instrument_ids: Iterable[str]
    ) -> list[Order]:
        """Plan ``quantity`` over the instruments' latest quotes and submit the legs."""
        plan = self.plan(side, quantity, self.candidates(side, instrument_ids))
        self.last_plan = plan
        return self.submit(plan)


def _side(value: OrderSide | str) -> OrderSide:
    if isinstance(value, OrderSide):
        return value
    try:
        return OrderSide(str(value).upper())
    except ValueError:
        raise ConfigError(f"order side {value!r} is unknown: use 'BUY' or 'SELL'") from None


def _venue_of(client: object) -> str:
    venue = getattr(client, "venue", None)
    if not isinstance(venue, str) or not venue:
        raise ConfigError(f"execution client {client!r} has no venue name: it cannot be routed to")
    return venue


def _latency_penalty(value: Number) -> Decimal:
    penalty = _decimal(value, "latency_bps_per_ms")
    if penalty < 0:
        raise ConfigError(f"latency_bps_per_ms {penalty} must be >= 0: latency is never a bonus")
    return penalty


def _check_same_pair(candidates: Sequence[Candidate]) -> None:
    ids = [c.instrument.id for c in candidates]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"candidates list {', '.join(twice)} twice: give each instrument once")
    pairs = {(c.instrument.base, c.instrument.quote, c.instrument.multiplier) for c in candidates}
    if len(pairs) > 1:
        shown = ", ".join(sorted(str(c.instrument.id) for c in candidates))
        raise ConfigError(
            f"candidates {shown} do not quote one pair (base, quote and multiplier differ): "
            "route only between listings of the same instrument"
        )


def _refusal(instrument: Instrument, quantity: Decimal, price: Decimal) -> str:
    """Why a leg of ``quantity`` at ``price`` cannot go to this instrument ("" if it can)."""
    if quantity <= 0:
        return f"less than one lot ({instrument.lot_size}) left for it"
    if quantity < instrument.min_quantity:
        return f"{quantity} is below the minimum quantity {instrument.min_quantity}"
    notional = instrument.notional(quantity, price)
    if instrument.min_notional and notional < instrument.min_notional:
        return f"notional {notional} is below the minimum {instrument.min_notional}"
    return ""
