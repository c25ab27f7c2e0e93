"""Text for the report's values: statistics, money, durations and run parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Context, Decimal, InvalidOperation

from tradewind.model import exact
from tradewind.model.exact import Exact

MAX_MONEY_DECIMALS = 8
"""Money is shown exactly unless a division left more places than anyone can read."""

# Rounding for display only; wide enough that quantizing a large amount never fails.
_WIDE = Context(prec=200)


def display(value: object) -> str:
    """One value as plain text: ``None`` as a dash, Decimals without an exponent, lists joined."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{display(k)}={display(v)}" for k, v in value.items())
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(display(v) for v in value))
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    return str(value)


def format_stat(value: object, kind: str) -> str:
    """A statistic as text, by ``kind``: pct, ratio, number, money, mean, count or duration.

    A ratio has two decimals, a number at most two (``17,520``), money is exact (``mean`` is
    rounded, see ``format_mean``). ``None``, NaN and infinity show as a dash; a value that does
    not fit its kind shows as text.
    """
    if value is None or not _is_finite(value):
        return "—"
    try:
        if kind == "pct":
            return f"{float(str(value)) * 100:,.2f}%"
        if kind == "ratio":
            return f"{float(str(value)):,.2f}"
        if kind == "number":
            return f"{float(str(value)):,.2f}".rstrip("0").rstrip(".")
        if kind == "money":
            return format_money(Decimal(str(value)))
        if kind == "mean":
            return format_mean(Decimal(str(value)))
        if kind == "count":
            return f"{int(str(value)):,}"
        if kind == "duration":
            return format_duration(float(str(value)))
    except (ValueError, InvalidOperation):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.4f}"
    if isinstance(value, Decimal):
        return format_money(value)
    return display(value)


def format_money(amount: Decimal) -> str:
    """An exact amount with thousands separators, cut to ``MAX_MONEY_DECIMALS`` places."""
    if not amount.is_finite():
        return "—"
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_MONEY_DECIMALS:
        amount = amount.quantize(Decimal(1).scaleb(-MAX_MONEY_DECIMALS), context=_WIDE)
        amount = amount.normalize(context=_WIDE)
    return f"{amount:,f}"


def format_exact(amount: Exact) -> str:
    """An exact amount (a Decimal, or a Fraction from an average) as ``format_money`` shows it."""
    if isinstance(amount, Decimal):
        return format_money(amount)
    shown = exact.to_decimal(amount, MAX_MONEY_DECIMALS)
    return format_money(shown.normalize(context=_WIDE)) if shown else "0"


def format_mean(amount: Decimal) -> str:
    """A mean amount: cents from 1 up, four significant digits below (at most 8 places)."""
    if not amount.is_finite():
        return "—"
    if amount.is_zero():
        return "0"
    magnitude = amount.adjusted()
    decimals = 2 if magnitude >= 0 else min(MAX_MONEY_DECIMALS, 3 - magnitude)
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), context=_WIDE)
    return f"{rounded:,f}"


def plain_decimal(amount: object) -> str:
    """An exact amount in plain digits: ``Decimal('1E+2')`` shows as ``100``."""
    return f"{amount:f}" if isinstance(amount, Decimal) and amount.is_finite() else str(amount)


def format_duration(seconds: float) -> str:
    """A span of seconds as ``2d 3h 4m``, ``3h 4m``, ``4m 5s`` or ``5s``."""
    total = round(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _is_finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True
