"""RiskConfig: every risk limit in one frozen, validated model; a limit left at None is off."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tradewind.errors import ConfigError

GridPolicy = Literal["raise", "snap", "deny"]
"""What an order off the tick/lot grid or below a minimum gets (see ``RiskConfig.grid``)."""


class RiskConfig(BaseModel):
    """Pre-trade limits, loss controls and their switches.

    Money limits (notional, exposure, losses) are in the account currency (the portfolio's
    base currency); ``max_position`` is in instrument units, ``price_band`` in price units.

    Every limit is optional: None (the default) turns it off, and a check that is off costs
    nothing per order. Unknown keys and out-of-range values raise ``ConfigError`` naming the
    key and the fix.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    grid: GridPolicy = Field(
        "deny",
        description="orders off the tick/lot grid or below a minimum: 'deny' them with a code, "
        "'snap' them onto the grid (quantity down, price to the nearest tick), or 'raise'",
    )
    scale_down: bool = Field(
        False,
        description="shrink an order over a size cap to the largest allowed quantity instead "
        "of denying it",
    )
    price_band: Decimal | None = Field(
        None,
        gt=0,
        description="largest distance of a limit or trigger price from the last mid, in price "
        "units",
    )
    price_band_bps: Decimal | None = Field(
        None,
        gt=0,
        le=10_000,
        description="largest distance of a price from the last mid, in basis points of the mid",
    )
    max_order_notional: Decimal | None = Field(
        None, gt=0, description="largest notional of one order"
    )
    max_position: Decimal | None = Field(
        None,
        gt=0,
        description="largest net position per instrument (account), in instrument units, "
        "open orders on the same side counted as filled",
    )
    max_gross_exposure: Decimal | None = Field(
        None,
        gt=0,
        description="largest gross exposure of one strategy: its positions at the mark plus "
        "its open orders",
    )
    max_open_orders: int | None = Field(
        None, ge=1, description="most open orders one strategy may have"
    )
    max_orders_per_second: Decimal | None = Field(
        None, gt=0, description="order rate one strategy may sustain"
    )
    order_burst: int | None = Field(
        None,
        ge=1,
        description="orders one strategy may send at once (default: the rate, at least 1)",
    )
    venue_max_orders_per_second: Decimal | None = Field(
        None, gt=0, description="order rate each venue may receive from us"
    )
    venue_order_burst: int | None = Field(
        None, ge=1, description="orders a venue may receive at once (default: its rate)"
    )
    session_drawdown_limit: Decimal | None = Field(
        None,
        gt=0,
        description="largest fall of a strategy's session PnL from its session high; beyond "
        "it the strategy may only reduce until 00:00 UTC",
    )
    breaker_losses: int | None = Field(
        None,
        ge=1,
        description="losing trades within breaker_window_seconds that pause a strategy's entries",
    )
    breaker_window_seconds: Decimal | None = Field(
        None, gt=0, description="the circuit breaker's sliding window"
    )
    breaker_cooldown_seconds: Decimal | None = Field(
        None, gt=0, description="how long a tripped circuit breaker pauses entries"
    )
    daily_loss_limit: Decimal | None = Field(
        None,
        gt=0,
        description="loss of account equity since 00:00 UTC that halts all trading until "
        "reset_halt() (it latches: midnight does not lift it)",
    )
    max_total_exposure: Decimal | None = Field(
        None,
        gt=0,
        description="largest gross exposure of the account across all strategies",
    )
    max_positions: int | None = Field(
        None,
        ge=1,
        description="most concurrent positions (strategy x instrument) across all strategies",
    )
    mark_interval_seconds: Decimal = Field(
        Decimal(1),
        gt=0,
        description="how often loss controls value open positions at the latest marks",
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(describe(exc, "risk")) from None

    @classmethod
    def parse(cls, values: Mapping[str, Any], source: str = "risk") -> RiskConfig:
        """Validate a mapping (a TOML ``[risk]`` table, ``--risk`` options); ``source`` names it
        in error messages."""
        try:
            return cls(**{str(k): v for k, v in values.items()})
        except ConfigError as exc:
            raise ConfigError(f"{source}:{str(exc).removeprefix('risk:')}") from None

    @classmethod
    def known_keys(cls) -> list[str]:
        """Every key a ``[risk]`` table or ``--risk`` option may set."""
        return list(cls.model_fields)

    @field_validator("*", mode="before")
    @classmethod
    def _exact_floats(cls, value: Any) -> Any:
        # a TOML 0.1 is the float nearest 0.1: take its shortest repr, as every tradewind number
        return Decimal(repr(value)) if isinstance(value, float) else value

    @model_validator(mode="after")
    def _consistent(self) -> RiskConfig:
        if self.order_burst is not None and self.max_orders_per_second is None:
            raise ValueError("order_burst needs max_orders_per_second: give the rate as well")
        if self.venue_order_burst is not None and self.venue_max_orders_per_second is None:
            raise ValueError(
                "venue_order_burst needs venue_max_orders_per_second: give the rate as well"
            )
        breaker = (self.breaker_losses, self.breaker_window_seconds, self.breaker_cooldown_seconds)
        if any(v is not None for v in breaker) and any(v is None for v in breaker):
            raise ValueError(
                "the circuit breaker needs breaker_losses, breaker_window_seconds and "
                "breaker_cooldown_seconds together: give all three or none"
            )
        return self

    @property
    def watches_pnl(self) -> bool:
        """True when a loss control needs positions valued at the marks."""
        return self.session_drawdown_limit is not None or self.daily_loss_limit is not None


def describe(exc: ValidationError, source: str) -> str:
    """Pydantic's errors as one line naming each key and its fix."""
    known = ", ".join(RiskConfig.model_fields)
    parts = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown key {name!r} (known: {known})")
        elif not name:
            parts.append(message)
        else:
            parts.append(f"{name}={error.get('input')!r}: {message}")
    return f"{source}: " + "; ".join(parts)
