"""Round-trip trades rebuilt from fills: flat to flat (or to a flip), with exact PnL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, Inexact
from fractions import Fraction

from tradewind.analysis.records import TradeRecord
from tradewind.model import exact
from tradewind.model.exact import Exact

PRICE_DECIMALS = 12
"""Places of a trade's average entry and exit price when it is rounded (half-even)."""

RETURN_DECIMALS = 14
"""Places of a trade's return (a fraction: 12 places of a percentage), rounded half-even."""

OPENS, ADDS, REDUCES, CLOSES, FLIPS = "opens", "adds to", "reduces", "closes", "flips"
"""What a fill did to its trade (``TradeLog.actions``)."""

_ZERO = Decimal(0)
_ONE = Decimal(1)
_TWO = Decimal(2)
_MINUS_ONE = Decimal(-1)
# Every step below is exact or raises: tradewind's accounting context traps Inexact.
_add = exact.CONTEXT.add
_sub = exact.CONTEXT.subtract
_mul = exact.CONTEXT.multiply
_neg = exact.CONTEXT.minus
_divmod = exact.CONTEXT.divmod
_remainder = exact.CONTEXT.remainder
_scaleb = exact.CONTEXT.scaleb
_normalize = exact.CONTEXT.normalize
_quantize = exact.CONTEXT.quantize


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One closed trade: a position from the fill that left flat to the fill that closed it.

    Money is exact: ``gross_pnl`` and ``entry_notional`` are Decimals; ``fees`` and ``pnl``
    are Decimals too unless a flipping fill's fee splits into a repeating decimal, then they
    are exact ``Fraction`` s (``tradewind.model.exact``). PnL is in the instrument's
    settlement currency, like the fills' fees. The average prices and the return are for
    display and statistics: Decimals rounded half-even to ``PRICE_DECIMALS`` and
    ``RETURN_DECIMALS`` places (``rounded_ratio``), computed once, as the trade closes.
    """

    instrument_id: str
    side: str
    """``"LONG"`` or ``"SHORT"``."""
    entry_ts: int
    """Time of the fill that opened the trade, ns since the epoch (UTC)."""
    entry_price: Decimal
    """Average price of every entry (the opening fill and each fill that added): the price
    itself when they were all at one price, else rounded half-even to ``PRICE_DECIMALS``."""
    exit_ts: int
    """Time of the fill that brought the position back to flat or flipped it."""
    exit_price: Decimal
    """Average price of every exit (each fill, or part of a fill, that reduced the position),
    like ``entry_price``: one price as it is, else rounded half-even to ``PRICE_DECIMALS``."""
    quantity: Decimal
    """Largest size held during the trade (positive)."""
    entry_notional: Decimal
    """Sum of entry quantity x price x multiplier: what the trade put at work."""
    gross_pnl: Decimal
    """Exit value minus entry value (signed for a short), times the multiplier."""
    fees: Exact
    """Fees of the trade's fills; a flipping fill's fee is split by quantity."""
    pnl: Exact
    """``gross_pnl - fees``."""
    trade_return: Decimal | None
    """``pnl / entry_notional`` as a fraction (0.012 is +1.2%), rounded half-even to
    ``RETURN_DECIMALS`` places; None for a zero notional."""
    fills: int
    """Fills that touched the trade; a flipping fill counts in both trades it belongs to."""

    @property
    def holding_ns(self) -> int:
        """Time from entry to exit, in nanoseconds."""
        return self.exit_ts - self.entry_ts


@dataclass(frozen=True, slots=True)
class OpenTrade:
    """A trade still open after the last fill: it has no exit, so no PnL of its own yet."""

    instrument_id: str
    side: str
    """``"LONG"`` or ``"SHORT"``."""
    entry_ts: int
    entry_price: Decimal
    """Average price of every entry so far, as ``RoundTrip.entry_price``."""
    quantity: Decimal
    """Size still held (positive)."""
    fills: int


@dataclass(frozen=True, slots=True)
class TradeLog:
    """Fills grouped into round-trip trades."""

    closed: tuple[RoundTrip, ...]
    """Closed trades in the order they closed."""
    open: tuple[OpenTrade, ...]
    """Trades still open at the end, one per instrument not flat, by instrument id."""
    actions: tuple[str, ...]
    """What each input fill did to its trade (``OPENS``, ``ADDS``, ...), in input order."""


def round_trips(
    fills: Sequence[TradeRecord], *, multipliers: Mapping[str, Decimal] | None = None
) -> list[RoundTrip]:
    """The closed round-trip trades of ``fills`` (see ``trade_log``)."""
    return list(closed_trades(fills, multipliers=multipliers))


def closed_trades(
    fills: Sequence[TradeRecord], *, multipliers: Mapping[str, Decimal] | None = None
) -> Iterator[RoundTrip]:
    """The closed round-trip trades of ``fills`` one by one, as they close (see ``trade_log``).

    Nothing is kept: statistics over tens of thousands of trades read them as they come
    instead of holding (and garbage-collecting) a list of them.
    """
    return _walk(fills, multipliers or {}, [""] * len(fills), {})


def trade_log(
    fills: Sequence[TradeRecord], *, multipliers: Mapping[str, Decimal] | None = None
) -> TradeLog:
    """Group fills into round-trip trades, per instrument, in time order.

    A trade opens when a fill takes the instrument's net position away from flat and closes
    when a fill brings it back to flat. A fill that crosses flat (long 1, sell 3) closes the
    trade with the part it needs (1) and opens the next trade, short, with the rest (2); its
    fee is split between the two in proportion. Fills at the same time keep their input order.
    ``multipliers`` (instrument id -> contract multiplier, default 1) scale PnL and notional.
    Quantities, notionals, PnL and fees are exact; only the average prices and the returns
    are rounded (see ``RoundTrip``).
    """
    actions = [""] * len(fills)
    books: dict[str, _Trade] = {}
    closed = tuple(_walk(fills, multipliers or {}, actions, books))
    still_open = tuple(books[iid].still_open() for iid in sorted(books))
    return TradeLog(closed, still_open, tuple(actions))


def _walk(
    fills: Sequence[TradeRecord],
    factors: Mapping[str, Decimal],
    actions: list[str],
    books: dict[str, _Trade],
) -> Iterator[RoundTrip]:
    """Yield each trade as it closes; record what each fill did in ``actions`` (by input
    index) and leave the trades still open in ``books`` (by instrument id)."""
    for index in sorted(range(len(fills)), key=lambda i: fills[i].ts):
        fill = fills[index]
        iid, size, buy = fill.instrument_id, fill.quantity, fill.side == "BUY"
        trade = books.get(iid)
        if trade is None:
            books[iid] = _Trade(iid, factors.get(iid, _ONE), fill, buy, size, fill.fee)
            actions[index] = OPENS
        elif trade.long == buy:
            trade.add(fill)
            actions[index] = ADDS
        elif size < trade.held:
            trade.reduce(fill, size, fill.fee)
            actions[index] = REDUCES
        else:
            held = trade.held
            fee_closing = exact.scale(fill.fee, held, size) if fill.fee else _ZERO
            if size > held:
                fee_rest = exact.sub(fill.fee, fee_closing)
                rest = _sub(size, held)
                books[iid] = _Trade(iid, trade.multiplier, fill, buy, rest, fee_rest)
                actions[index] = FLIPS
            else:
                del books[iid]
                actions[index] = CLOSES
            yield trade.close(fill, held, fee_closing)


def rounded_ratio(numerator: Exact, denominator: Exact, places: int) -> Decimal:
    """``numerator / denominator`` rounded half-even to ``places`` places, in one rounding.

    An exact quotient (one with at most ``places`` places) is written with its fewest places
    and no exponent (``2``, not ``2.00`` or ``2E+0``); a rounded one has ``places`` places.
    ``denominator`` must not be zero.
    """
    if type(numerator) is Decimal and type(denominator) is Decimal:
        try:
            quotient, rest = _divmod(_scaleb(numerator, places), denominator)
            if not quotient.is_finite():  # more digits than the context holds: below
                pass
            elif not rest:
                return exact.plain(_scaleb(quotient, -places))
            else:
                doubled, whole = _add(rest, rest).copy_abs(), denominator.copy_abs()
                if doubled > whole or (doubled == whole and _remainder(quotient, _TWO)):
                    negative = numerator.is_signed() != denominator.is_signed()
                    quotient = _add(quotient, _MINUS_ONE if negative else _ONE)
                return _scaleb(quotient, -places) if quotient else _ZERO
        except Inexact:  # rounding up made one digit too many: the exact way, below
            pass
    return _rounded_fraction(Fraction(numerator) / Fraction(denominator), places)


def _rounded_fraction(ratio: Fraction, places: int) -> Decimal:
    """``rounded_ratio`` for a Fraction, or a quotient too long for the exact context."""
    scaled = ratio * 10**places
    units = round(scaled)  # half-even
    if not units:
        return _ZERO
    if scaled.denominator == 1:  # exact: fewest places
        while places and units % 10 == 0:
            units, places = units // 10, places - 1
    return Decimal(f"{units}E-{places}")  # built from text: exact at any length


class _Trade:
    """The running totals of one open trade."""

    __slots__ = (
        "entry_cost",
        "entry_price",
        "entry_qty",
        "entry_ts",
        "exit_price",
        "exit_qty",
        "exit_value",
        "fees",
        "fills",
        "held",
        "instrument_id",
        "largest",
        "last_ts",
        "long",
        "multiplier",
    )

    def __init__(
        self,
        iid: str,
        multiplier: Decimal,
        fill: TradeRecord,
        long: bool,
        size: Decimal,
        fee: Exact,
    ) -> None:
        self.instrument_id = iid
        self.multiplier = multiplier
        self.long = long
        # sizes are positive: held now, held at most, and entered in all
        self.held = self.largest = self.entry_qty = size
        self.entry_ts = self.last_ts = fill.ts
        self.entry_cost = _mul(size, fill.price)
        # The one price of every entry (exit) so far, None once two differ: the average
        # then needs a division, which costs more than the rest of the bookkeeping.
        self.entry_price: Decimal | None = fill.price
        self.exit_price: Decimal | None = None
        self.exit_qty = _ZERO
        self.exit_value = _ZERO
        self.fees: Exact = fee
        self.fills = 1

    def add(self, fill: TradeRecord) -> None:
        """Book a fill that adds to the position."""
        size = fill.quantity
        if fill.price != self.entry_price:
            self.entry_price = None
        self.entry_qty = _add(self.entry_qty, size)
        self.entry_cost = _add(self.entry_cost, _mul(size, fill.price))
        self.held = _add(self.held, size)
        self.largest = max(self.largest, self.held)
        self._book(fill, fill.fee)

    def reduce(self, fill: TradeRecord, size: Decimal, fee: Exact) -> None:
        """Book ``size`` of a fill that reduces the position (all of it, or the part that
        takes it to flat), and its ``fee``."""
        if not self.exit_qty:
            self.exit_price = fill.price
        elif fill.price != self.exit_price:
            self.exit_price = None
        self.exit_qty = _add(self.exit_qty, size)
        self.exit_value = _add(self.exit_value, _mul(size, fill.price))
        self.held = _sub(self.held, size)
        self._book(fill, fee)

    def _book(self, fill: TradeRecord, fee: Exact) -> None:
        self.fees = exact.add(self.fees, fee)
        self.fills += 1
        self.last_ts = fill.ts

    def close(self, fill: TradeRecord, size: Decimal, fee: Exact) -> RoundTrip:
        """Book the ``size`` of ``fill`` that takes the position to flat; the closed trade."""
        self.reduce(fill, size, fee)
        difference = _sub(self.exit_value, self.entry_cost)
        gross = _mul(difference if self.long else _neg(difference), self.multiplier)
        notional = _mul(self.entry_cost, self.multiplier)
        pnl = exact.sub(gross, self.fees)
        return RoundTrip(
            instrument_id=self.instrument_id,
            side="LONG" if self.long else "SHORT",
            entry_ts=self.entry_ts,
            entry_price=_average(self.entry_price, self.entry_cost, self.entry_qty),
            exit_ts=self.last_ts,
            exit_price=_average(self.exit_price, self.exit_value, self.exit_qty),
            quantity=self.largest,
            entry_notional=notional,
            gross_pnl=gross,
            fees=self.fees,
            pnl=pnl,
            trade_return=rounded_ratio(pnl, notional, RETURN_DECIMALS) if notional else None,
            fills=self.fills,
        )

    def still_open(self) -> OpenTrade:
        """The trade as it stands after the last fill."""
        return OpenTrade(
            instrument_id=self.instrument_id,
            side="LONG" if self.long else "SHORT",
            entry_ts=self.entry_ts,
            entry_price=_average(self.entry_price, self.entry_cost, self.entry_qty),
            quantity=self.held,
            fills=self.fills,
        )


def _average(one_price: Decimal | None, value: Decimal, quantity: Decimal) -> Decimal:
    """The average price of fills worth ``value`` for ``quantity``: their one price if any."""
    if one_price is not None:
        return one_price
    return rounded_ratio(value, quantity, PRICE_DECIMALS)
