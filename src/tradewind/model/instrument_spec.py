"""Instruments from text or a config table: ``BTCUSDT:tick=0.01,lot=0.001`` or a TOML table."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tradewind.errors import ConfigError
from tradewind.model.enums import AssetClass
from tradewind.model.instrument import Instrument, split_pair

ALIASES = {"tick": "tick_size", "lot": "lot_size", "min_qty": "min_quantity"}
FIELDS = (
    "tick_size",
    "lot_size",
    "min_quantity",
    "min_notional",
    "multiplier",
    "base",
    "quote",
    "asset_class",
    "settlement",
)
_DECIMALS = ("tick_size", "lot_size", "min_quantity", "min_notional", "multiplier")
_KNOWN = "tick, lot, min_qty, min_notional, multiplier, base, quote, asset_class, settlement"


def parse_instrument_spec(text: str, venue: str, where: str = "--instrument") -> Instrument:
    """``SYMBOL:tick=0.01,lot=0.001[,min_qty=..,min_notional=..,...]`` as an Instrument."""
    symbol, _, rest = text.partition(":")
    if not symbol or not rest:
        raise ConfigError(f"{where} {text!r}: write SYMBOL:tick=0.01,lot=0.001[,...]")
    fields: dict[str, str] = {}
    for item in (p for p in rest.split(",") if p):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"{where} {text!r}: {item!r} is not KEY=VALUE, e.g. tick=0.01")
        fields[key.strip()] = value.strip()
    return instrument_from_fields(symbol, venue, fields, where)


def instrument_from_fields(
    symbol: str, venue: str, fields: Mapping[str, Any], where: str, *, ignore: tuple[str, ...] = ()
) -> Instrument:
    """An Instrument from ``tick``/``lot``/... fields (strings or numbers; floats refused)."""
    kw: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ignore:
            continue
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            raise ConfigError(f"{where} {symbol}: unknown key {key!r} (known: {_KNOWN})")
        kw[name] = value
    for needed in ("tick_size", "lot_size"):
        if needed not in kw:
            raise ConfigError(f"{where} {symbol}: give {needed.split('_')[0]}=... as well")
    if "asset_class" in kw:
        try:
            kw["asset_class"] = AssetClass(str(kw["asset_class"]).upper())
        except ValueError:
            names = ", ".join(a.value.lower() for a in AssetClass)
            raise ConfigError(f"{where} {symbol}: asset_class must be one of {names}") from None
    if "base" not in kw or "quote" not in kw:
        base, quote = split_pair(symbol)
        kw.setdefault("base", base)
        kw.setdefault("quote", quote)
    for name in _DECIMALS:
        if name in kw:
            kw[name] = exact_number(kw[name], f"{where} {symbol} {name}")
    return Instrument(symbol=symbol, venue=venue, **kw)


def exact_number(value: Any, where: str) -> Decimal:
    """A finite Decimal from a str, int or Decimal; a float is refused (write it quoted)."""
    if isinstance(value, float):
        raise ConfigError(
            f"{where} = {value!r}: write the number quoted ({str(value)!r}) to keep it exact"
        )
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ConfigError(f'{where} = {value!r} is not a number: write e.g. "0.01"')
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ConfigError(f"{where} {value!r} is not a number: write e.g. 0.01") from None
    if not number.is_finite():
        raise ConfigError(f"{where} {value!r} is not finite: give a finite number")
    return number
