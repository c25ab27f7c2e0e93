"""Identifiers: instruments are named ``SYMBOL.VENUE``, orders by a client order id string."""

from __future__ import annotations

from typing import NewType

InstrumentId = NewType("InstrumentId", str)
"""An instrument's id, ``SYMBOL.VENUE`` (for example ``BTCUSDT.SIM``)."""

ClientOrderId = NewType("ClientOrderId", str)
"""The id we give an order; unique per run, persisted before the order leaves."""

StrategyId = NewType("StrategyId", str)
"""A strategy instance's name, unique within an engine."""


def instrument_id(symbol: str, venue: str) -> InstrumentId:
    """Build ``SYMBOL.VENUE`` from its parts."""
    return InstrumentId(f"{symbol}.{venue}")


def split_instrument_id(value: str) -> tuple[str, str]:
    """Split ``SYMBOL.VENUE`` into (symbol, venue); the venue is the text after the last dot."""
    symbol, dot, venue = value.rpartition(".")
    if not dot or not symbol or not venue:
        from tradewind.errors import InstrumentError

        raise InstrumentError(
            f"instrument id {value!r} is not SYMBOL.VENUE: write it like 'BTCUSDT.SIM'"
        )
    return symbol, venue
