"""Instrument: what can be traded, and the grid (tick, lot, minimums) its orders must sit on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from tradewind.errors import InstrumentError, OrderError
from tradewind.model.enums import AssetClass
from tradewind.model.identifiers import InstrumentId, instrument_id

_ZERO = Decimal(0)
_QUOTE_SUFFIXES = (
    "USDT",
    "USDC",
    "FDUSD",
    "BUSD",
    "TUSD",
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "BTC",
    "ETH",
)

Number = Decimal | int | float | str


def to_decimal(value: Number, what: str = "value") -> Decimal:
    """Convert a number to Decimal; a float goes through its shortest repr (0.1 -> 0.1)."""
    if type(value) is Decimal:
        return value
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise OrderError(f"{what} {value!r} is not a number: pass a Decimal, int or str") from exc
    if not result.is_finite():
        raise OrderError(f"{what} {value!r} is not finite: pass a finite number")
    return result


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument on one venue, with its price and size grid.

    ``tick_size`` and ``lot_size`` are the price and quantity increments; orders must be
    whole multiples of them. ``multiplier`` scales price x quantity into notional (contract
    size). Spot fills move base and quote balances; derivatives settle PnL in ``settlement``.
    """

    symbol: str
    venue: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_quantity: Decimal = _ZERO
    min_notional: Decimal = _ZERO
    multiplier: Decimal = Decimal(1)
    asset_class: AssetClass = AssetClass.SPOT
    settlement: str = ""
    id: InstrumentId = field(init=False)

    def __post_init__(self) -> None:
        for name in ("tick_size", "lot_size", "min_quantity", "min_notional", "multiplier"):
            raw = getattr(self, name)
            try:
                value = to_decimal(raw, name)
            except OrderError as exc:
                raise InstrumentError(f"instrument {self.symbol}: {exc}") from None
            object.__setattr__(self, name, value)
        if self.tick_size <= 0 or self.lot_size <= 0 or self.multiplier <= 0:
            raise InstrumentError(
                f"instrument {self.symbol}: tick_size, lot_size and multiplier must be > 0 "
                f"(got {self.tick_size}, {self.lot_size}, {self.multiplier})"
            )
        if self.min_quantity < 0 or self.min_notional < 0:
            raise InstrumentError(f"instrument {self.symbol}: minimums must be >= 0")
        if not self.settlement:
            object.__setattr__(self, "settlement", self.quote)
        object.__setattr__(self, "id", instrument_id(self.symbol, self.venue))

    @classmethod
    def spot(
        cls, symbol: str, venue: str = "SIM", *, tick_size: Number, lot_size: Number, **kw: object
    ) -> Instrument:
        """A spot pair whose base and quote are read off the symbol (``BTCUSDT`` -> BTC/USDT)."""
        base, quote = kw.pop("base", None), kw.pop("quote", None)
        if base is None or quote is None:
            split_base, split_quote = split_pair(symbol)
            base = split_base if base is None else base
            quote = split_quote if quote is None else quote
        return cls(
            symbol=symbol,
            venue=venue,
            base=str(base),
            quote=str(quote),
            tick_size=to_decimal(tick_size, "tick_size"),
            lot_size=to_decimal(lot_size, "lot_size"),
            **kw,  # type: ignore[arg-type]
        )

    @property
    def is_spot(self) -> bool:
        """True when fills exchange the base asset itself (not a contract settled in cash)."""
        return self.asset_class is AssetClass.SPOT

    def round_price(self, price: Number, rounding: str = ROUND_HALF_EVEN) -> Decimal:
        """Snap a price to the tick grid (half-even unless told otherwise)."""
        value = to_decimal(price, "price")
        ticks = (value / self.tick_size).to_integral_value(rounding)
        return (ticks * self.tick_size).quantize(self.tick_size)

    def round_quantity(self, quantity: Number) -> Decimal:
        """Snap a quantity down to the lot grid (never round a size up past what was asked)."""
        value = to_decimal(quantity, "quantity")
        lots = (value / self.lot_size).to_integral_value(ROUND_DOWN)
        return (lots * self.lot_size).quantize(self.lot_size)

    def floor_price(self, price: Number) -> Decimal:
        """The highest tick at or below ``price``."""
        return self.round_price(price, ROUND_FLOOR)

    def check_price(self, price: Decimal, what: str = "price") -> None:
        """Refuse a price that is not positive or not on the tick grid, naming the fix."""
        if price <= 0:
            raise OrderError(f"{what} {price} for {self.id} must be > 0")
        if price % self.tick_size != 0:
            raise OrderError(
                f"{what} {price} for {self.id} is off the tick grid {self.tick_size}: "
                f"use {max(self.round_price(price), self.tick_size)} (instrument.round_price) "
                "or pass snap=True"
            )

    def check_quantity(self, quantity: Decimal, price: Decimal | None) -> None:
        """Refuse a quantity off the lot grid or below the minimum quantity or notional."""
        if quantity <= 0:
            raise OrderError(f"quantity {quantity} for {self.id} must be > 0")
        if quantity % self.lot_size != 0:
            raise OrderError(
                f"quantity {quantity} for {self.id} is off the lot grid {self.lot_size}: "
                f"use {max(self.round_quantity(quantity), self.lot_size)} "
                "(instrument.round_quantity) or pass snap=True"
            )
        if quantity < self.min_quantity:
            raise OrderError(
                f"quantity {quantity} for {self.id} is below the minimum {self.min_quantity}: "
                "send at least the minimum"
            )
        if (
            price is not None
            and self.min_notional
            and self.notional(quantity, price) < self.min_notional
        ):
            raise OrderError(
                f"notional {self.notional(quantity, price)} for {self.id} is below the minimum "
                f"{self.min_notional} {self.quote}: increase the quantity"
            )

    def notional(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Quantity x price x multiplier, in the quote currency."""
        return quantity * price * self.multiplier


def split_pair(symbol: str) -> tuple[str, str]:
    """Split a concatenated pair like ``BTCUSDT`` or ``ETH-USD`` into base and quote."""
    for sep in ("/", "-", "_"):
        if sep in symbol:
            base, _, quote = symbol.partition(sep)
            return base, quote.split(sep)[0]
    upper = symbol.upper()
    for suffix in _QUOTE_SUFFIXES:
        if upper.endswith(suffix) and len(upper) > len(suffix):
            return symbol[: -len(suffix)], symbol[-len(suffix) :]
    raise InstrumentError(
        f"cannot tell base and quote apart in symbol {symbol!r}: give them explicitly "
        "(base=..., quote=...)"
    )
