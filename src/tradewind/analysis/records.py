"""Plain records the analysis reads: equity points, fills and prices, free of kernel types."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.errors import DataError

_SIDES = frozenset({"BUY", "SELL"})


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Account equity in the report currency at one instant."""

    ts: int
    """Nanoseconds since the epoch, UTC."""
    equity: Decimal
    """Equity in the report currency, exact."""


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One fill as the report sees it."""

    ts: int
    """Nanoseconds since the epoch, UTC."""
    instrument_id: str
    side: str
    """``"BUY"`` or ``"SELL"``."""
    quantity: Decimal
    price: Decimal
    fee: Decimal
    """Fee paid on this fill, in the report currency."""
    realized_pnl: Decimal
    """PnL this fill booked; zero when it opened or increased a position."""

    def __post_init__(self) -> None:
        if self.side not in _SIDES:
            raise DataError(
                f"TradeRecord.side must be 'BUY' or 'SELL', got {self.side!r} "
                f"(fill at ts={self.ts} on {self.instrument_id!r}); pass the side in upper case"
            )


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One observed price of one instrument (a trade, a mid or a bar close)."""

    ts: int
    """Nanoseconds since the epoch, UTC."""
    instrument_id: str
    price: float
