"""Fee model: maker and taker fees in basis points of notional, charged in the quote currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradewind.errors import ConfigError
from tradewind.model.enums import LiquiditySide
from tradewind.model.exact import CONTEXT

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeeModel:
    """Maker and taker fees in basis points (1 bp = 0.01 %). Negative maker fees are rebates."""

    maker_bps: Decimal = Decimal(0)
    taker_bps: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("maker_bps", "taker_bps"):
            value = Decimal(str(getattr(self, name)))
            if not value.is_finite() or abs(value) > 1000:
                raise ConfigError(
                    f"{name} {value} is out of range: give basis points, e.g. 10 = 0.1 %"
                )
            object.__setattr__(self, name, value)

    def fee(self, notional: Decimal, liquidity: LiquiditySide) -> Decimal:
        """The fee on ``notional``, exactly."""
        bps = self.maker_bps if liquidity is LiquiditySide.MAKER else self.taker_bps
        if not bps:
            return Decimal(0)
        return CONTEXT.divide(CONTEXT.multiply(notional, bps), _BPS)
