"""Round-trip trades rebuilt from fills: flat to flat (or to a flip), with exact PnL and return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradewind.analysis.records import TradeRecord
from tradewind.model import exact
from tradewind.model.exact import Exact

_ZERO = Decimal(0)
_ONE = Decimal(1)

OPENS, ADDS, REDUCES, CLOSES, FLIPS = "opens", "adds to", "reduces", "closes", "flips"
"""What a fill did to its trade (``TradeLog.actions``)."""


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One closed trade: a position from the fill that left flat to the fill that closed it.

    Amounts are exact: a ``Decimal``, or a ``Fraction`` where an average or a split fee does
    not terminate (``tradewind.model.exact``). PnL is in the instrument's settlement currency,
    like the fills' fees.
    """

    instrument_id: str
    side: str
    """``"LONG"`` or ``"SHORT"``."""
    entry_ts: int
    """Time of the fill that opened the trade, ns since the epoch (UTC)."""
    entry_price: Exact
    """Average price of every entry (the opening fill and each fill that added)."""
    exit_ts: int
    """Time of the fill that brought the position back to flat or flipped it."""
    exit_price: Exact
    """Average price of every exit (each fill, or part of a fill, that reduced the position)."""
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
    trade_return: Exact | None
    """``pnl / entry_notional`` as a fraction (0.012 is +1.2%); None for a zero notional."""
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
    entry_price: Exact
    """Average price of every entry so far."""
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
    return list(trade_log(fills, multipliers=multipliers).closed)


def trade_log(
    fills: Sequence[TradeRecord], *, multipliers: Mapping[str, Decimal] | None = None
) -> TradeLog:
    """Group fills into round-trip trades, per instrument, in time order.

    A trade opens when a fill takes the instrument's net position away from flat and closes
    when a fill brings it back to flat. A fill that crosses flat (long 1, sell 3) closes the
    trade with the part it needs (1) and opens the next trade, short, with the rest (2); its
    fee is split between the two in proportion. Fills at the same time keep their input order.
    ``multipliers`` (instrument id -> contract multiplier, default 1) scale PnL and notional.
    Everything is exact: no amount is rounded.
    """
    factors = multipliers or {}
    books: dict[str, _Trade] = {}
    closed: list[RoundTrip] = []
    actions = [""] * len(fills)
    for index in sorted(range(len(fills)), key=lambda i: fills[i].ts):
        fill = fills[index]
        iid = fill.instrument_id
        signed = fill.quantity if fill.side == "BUY" else exact.dec_neg(fill.quantity)
        trade = books.get(iid)
        if trade is None:
            books[iid] = _Trade(iid, factors.get(iid, _ONE), fill, signed, fill.fee)
            actions[index] = OPENS
            continue
        held = trade.position
        if (held > 0) == (signed > 0):
            trade.add(fill, signed)
            actions[index] = ADDS
            continue
        if abs(signed) < abs(held):
            trade.reduce(fill, signed, fill.fee)
            actions[index] = REDUCES
            continue
        closing = abs(held)
        fee_closing = exact.scale(fill.fee, closing, abs(signed)) if fill.fee else _ZERO
        trade.reduce(fill, -held, fee_closing)
        closed.append(trade.closed())
        del books[iid]
        left = exact.dec_add(signed, held)
        if left:
            fee_rest = exact.sub(fill.fee, fee_closing)
            books[iid] = _Trade(iid, trade.multiplier, fill, left, fee_rest)
            actions[index] = FLIPS
        else:
            actions[index] = CLOSES
    still_open = tuple(books[iid].still_open() for iid in sorted(books))
    return TradeLog(tuple(closed), still_open, tuple(actions))


class _Trade:
    """The running totals of one open trade."""

    __slots__ = (
        "entry_cost",
        "entry_qty",
        "entry_ts",
        "exit_qty",
        "exit_value",
        "fees",
        "fills",
        "instrument_id",
        "largest",
        "last_ts",
        "long",
        "multiplier",
        "position",
    )

    def __init__(
        self, iid: str, multiplier: Decimal, fill: TradeRecord, signed: Decimal, fee: Exact
    ) -> None:
        self.instrument_id = iid
        self.multiplier = multiplier
        self.position = signed
        self.long = signed > 0
        self.entry_ts = self.last_ts = fill.ts
        self.entry_qty = abs(signed)
        self.entry_cost = exact.dec_mul(abs(signed), fill.price)
        self.exit_qty = _ZERO
        self.exit_value = _ZERO
        self.largest = abs(signed)
        self.fees: Exact = fee
        self.fills = 1

    @property
    def side(self) -> str:
        return "LONG" if self.long else "SHORT"

    def add(self, fill: TradeRecord, signed: Decimal) -> None:
        size = abs(signed)
        self.entry_qty = exact.dec_add(self.entry_qty, size)
        self.entry_cost = exact.dec_add(self.entry_cost, exact.dec_mul(size, fill.price))
        self._book(fill, signed, fill.fee)

    def reduce(self, fill: TradeRecord, signed: Decimal, fee: Exact) -> None:
        size = abs(signed)
        self.exit_qty = exact.dec_add(self.exit_qty, size)
        self.exit_value = exact.dec_add(self.exit_value, exact.dec_mul(size, fill.price))
        self._book(fill, signed, fee)

    def _book(self, fill: TradeRecord, signed: Decimal, fee: Exact) -> None:
        self.position = exact.dec_add(self.position, signed)
        self.largest = max(self.largest, abs(self.position))
        self.fees = exact.add(self.fees, fee)
        self.fills += 1
        self.last_ts = fill.ts

    def closed(self) -> RoundTrip:
        difference = exact.dec_add(self.exit_value, exact.dec_neg(self.entry_cost))
        if not self.long:
            difference = exact.dec_neg(difference)
        gross = exact.dec_mul(difference, self.multiplier)
        notional = exact.dec_mul(self.entry_cost, self.multiplier)
        pnl = exact.sub(gross, self.fees)
        return RoundTrip(
            instrument_id=self.instrument_id,
            side=self.side,
            entry_ts=self.entry_ts,
            entry_price=exact.scale(self.entry_cost, _ONE, self.entry_qty),
            exit_ts=self.last_ts,
            exit_price=exact.scale(self.exit_value, _ONE, self.exit_qty),
            quantity=self.largest,
            entry_notional=notional,
            gross_pnl=gross,
            fees=self.fees,
            pnl=pnl,
            trade_return=exact.scale(pnl, _ONE, notional) if notional else None,
            fills=self.fills,
        )

    def still_open(self) -> OpenTrade:
        return OpenTrade(
            instrument_id=self.instrument_id,
            side=self.side,
            entry_ts=self.entry_ts,
            entry_price=exact.scale(self.entry_cost, _ONE, self.entry_qty),
            quantity=abs(self.position),
            fills=self.fills,
        )
