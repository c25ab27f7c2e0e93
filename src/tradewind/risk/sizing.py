"""PositionSizer: how big an entry should be — fixed, a fraction of equity, or risk per trade."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal, get_args

from tradewind.errors import ConfigError
from tradewind.model.instrument import Instrument

SizingMode = Literal["fixed", "equity_fraction", "risk_per_trade"]
_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class PositionSizer:
    """Sizes entries; the result is a hint the pre-trade checks may still shrink or refuse.

    Modes:

    - ``fixed``: ``quantity`` every time.
    - ``equity_fraction``: a notional of ``fraction`` x equity x ``leverage``.
    - ``risk_per_trade``: lose ``fraction`` x equity if the stop is hit: the quantity is that
      amount over ``|price - stop_price|`` x multiplier.

    Whatever the mode, the quantity never needs more margin than there is: each unit takes
    price x multiplier x ``margin_rate`` (default ``1 / leverage``) of the free margin (default:
    equity). The result is rounded down to the lot, and is zero below the instrument's minimum
    quantity or notional. Equity and margin are in the instrument's quote currency.
    """

    mode: SizingMode
    quantity: Decimal | None = None
    fraction: Decimal | None = None
    leverage: Decimal = _ONE
    margin_rate: Decimal | None = None

    def __post_init__(self) -> None:
        modes = get_args(SizingMode)
        if self.mode not in modes:
            raise ConfigError(
                f"sizing mode {self.mode!r} is unknown: use one of {', '.join(modes)}"
            )
        for name in ("quantity", "fraction", "leverage", "margin_rate"):
            value = getattr(self, name)
            if value is not None:
                value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
                if not value.is_finite() or value <= 0:
                    raise ConfigError(f"sizer {name} {value} must be a number > 0")
                object.__setattr__(self, name, value)
        if self.mode == "fixed" and self.quantity is None:
            raise ConfigError("the fixed sizer needs quantity=...: give the size of every entry")
        if self.mode != "fixed" and self.fraction is None:
            raise ConfigError(f"the {self.mode} sizer needs fraction=... (e.g. 0.01 = 1 %)")
        if self.fraction is not None and self.fraction > 1:
            raise ConfigError(f"sizer fraction {self.fraction} is over 1: give e.g. 0.02 for 2 %")
        if self.margin_rate is not None and self.margin_rate > 1:
            raise ConfigError(f"margin_rate {self.margin_rate} is over 1: give e.g. 0.1 for 10 %")

    @property
    def rate(self) -> Fraction:
        """Margin taken per unit of notional, exactly."""
        if self.margin_rate is not None:
            return Fraction(self.margin_rate)
        return 1 / Fraction(self.leverage)

    def size(
        self,
        instrument: Instrument,
        price: Decimal,
        equity: Decimal,
        *,
        stop_price: Decimal | None = None,
        free_margin: Decimal | None = None,
    ) -> Decimal:
        """The entry quantity at ``price`` for an account worth ``equity``."""
        if price <= 0:
            raise ConfigError(f"cannot size at price {price}: give a price > 0")
        if equity <= 0:
            return _ZERO
        unit = Fraction(price) * Fraction(instrument.multiplier)
        if self.mode == "fixed":
            assert self.quantity is not None
            wanted = Fraction(self.quantity)
        elif self.mode == "equity_fraction":
            assert self.fraction is not None
            wanted = Fraction(equity) * Fraction(self.fraction) * Fraction(self.leverage) / unit
        else:
            assert self.fraction is not None
            if stop_price is None or stop_price == price:
                raise ConfigError(
                    "risk_per_trade sizing needs stop_price away from the entry price"
                )
            at_risk = abs(Fraction(price) - Fraction(stop_price)) * Fraction(instrument.multiplier)
            wanted = Fraction(equity) * Fraction(self.fraction) / at_risk
        margin = Fraction(equity if free_margin is None else max(free_margin, _ZERO))
        affordable = margin / (unit * self.rate)
        lots = min(wanted, affordable) // Fraction(instrument.lot_size)
        quantity = (Decimal(int(lots)) * instrument.lot_size).quantize(instrument.lot_size)
        if (
            quantity < instrument.min_quantity
            or Fraction(quantity) * unit < Fraction(instrument.min_notional)
            or not quantity
        ):
            return _ZERO
        return quantity
