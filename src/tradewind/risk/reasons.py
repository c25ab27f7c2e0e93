"""Deny reasons: the codes a refused order carries to the strategy and the audit stream."""

from __future__ import annotations

from enum import StrEnum


class DenyReason(StrEnum):
    """Why risk refused an order. The value is the code in ``OrderDenied.reason``."""

    HALTED = "HALTED"
    """Trading is halted (by command, the kill switch or the daily loss limit)."""
    REDUCE_ONLY = "REDUCE_ONLY"
    """Trading is reducing-only (by command) and the order would not reduce a position."""
    SESSION_DRAWDOWN = "SESSION_DRAWDOWN"
    """The strategy's session drawdown cap was hit: exits only until the 00:00 UTC reset."""
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER"
    """Too many losing trades in the breaker window: exits only until the cooldown ends."""
    STALE_DATA = "STALE_DATA"
    """The instrument's market data is stale (``engine.stale``): exits only until it resumes."""
    INVALID_QUANTITY = "INVALID_QUANTITY"
    """The quantity is not positive."""
    INVALID_PRICE = "INVALID_PRICE"
    """A price or trigger price is not positive."""
    PRICE_OFF_TICK = "PRICE_OFF_TICK"
    """A price or trigger price is not a whole number of ticks."""
    QUANTITY_OFF_LOT = "QUANTITY_OFF_LOT"
    """The quantity is not a whole number of lots."""
    BELOW_MIN_QUANTITY = "BELOW_MIN_QUANTITY"
    """The quantity is below the instrument's minimum (or snaps to zero lots)."""
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"
    """The notional is below the instrument's minimum."""
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    """A limit needs a market price (or a currency conversion) that has not been seen yet."""
    PRICE_BAND = "PRICE_BAND"
    """A price is further from the last mid than the absolute band allows."""
    PRICE_BAND_BPS = "PRICE_BAND_BPS"
    """A price is further from the last mid than the band in basis points allows."""
    MAX_ORDER_NOTIONAL = "MAX_ORDER_NOTIONAL"
    """The order's notional is above the per-order cap."""
    MAX_POSITION = "MAX_POSITION"
    """Filled, the order (with the other open orders that side) would pass the position cap."""
    MAX_GROSS_EXPOSURE = "MAX_GROSS_EXPOSURE"
    """The strategy's gross exposure, open orders included, would pass its cap."""
    MAX_OPEN_ORDERS = "MAX_OPEN_ORDERS"
    """The strategy already has the most open orders it may have."""
    MAX_TOTAL_EXPOSURE = "MAX_TOTAL_EXPOSURE"
    """The account's gross exposure across all strategies would pass its cap."""
    MAX_POSITIONS = "MAX_POSITIONS"
    """The order would open one concurrent position more than the cap across all strategies."""
    THROTTLED = "THROTTLED"
    """The strategy is sending orders faster than its rate (and burst) allow."""
    VENUE_THROTTLED = "VENUE_THROTTLED"
    """Orders to this venue are arriving faster than its rate (and burst) allow."""


Verdict = tuple[DenyReason, str] | None
"""What a check says of an order: None to let it through, or (code, detail) to refuse it."""
