"""Plain records the analysis reads: equity points, fills and prices, free of kernel types."""

from __future__ import annotations

import math
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

    def __post_init__(self) -> None:
        if not _finite(self.equity):
            raise DataError(
                f"EquityPoint.equity must be a finite amount, got {self.equity!r} at "
                f"ts={self.ts}; drop the point or fix the valuation that produced it"
            )


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
        for name in ("quantity", "price", "fee", "realized_pnl"):
            if not _finite(getattr(self, name)):
                raise DataError(
                    f"TradeRecord.{name} must be a finite amount, got {getattr(self, name)!r} "
                    f"(fill at ts={self.ts} on {self.instrument_id!r})"
                )
        if not self.quantity > 0:
            raise DataError(
                f"TradeRecord.quantity must be positive (the side gives the direction), got "
                f"{self.quantity!r} (fill at ts={self.ts} on {self.instrument_id!r})"
            )


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One observed price of one instrument (a trade, a mid or a bar close)."""

    ts: int
    """Nanoseconds since the epoch, UTC."""
    instrument_id: str
    price: float


def _finite(amount: object) -> bool:
    """False only for a NaN or infinite Decimal or float; the statistics never meet one."""
    if isinstance(amount, Decimal):
        return amount.is_finite()
    return not (isinstance(amount, float) and not math.isfinite(amount))
