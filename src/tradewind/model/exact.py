"""Exact money arithmetic: Decimal while a result is a finite decimal, Fraction when it is not."""

from __future__ import annotations

from decimal import Context, Decimal, Inexact
from fractions import Fraction

Exact = Decimal | Fraction
"""An exact amount. Average-cost division can leave a repeating decimal; then it is a Fraction."""

_EXACT_CTX = Context(prec=60, traps=[Inexact])


def add(a: Exact, b: Exact) -> Exact:
    """a + b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        return a + b
    return Fraction(a) + Fraction(b)


def sub(a: Exact, b: Exact) -> Exact:
    """a - b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        return a - b
    return Fraction(a) - Fraction(b)


def mul(a: Exact, b: Exact) -> Exact:
    """a x b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        return _EXACT_CTX.multiply(a, b)
    return Fraction(a) * Fraction(b)


def scale(value: Exact, numerator: Decimal, denominator: Decimal) -> Exact:
    """value x numerator / denominator, exactly (a Decimal when it is a finite decimal)."""
    if type(value) is Decimal:
        try:
            return _EXACT_CTX.divide(_EXACT_CTX.multiply(value, numerator), denominator)
        except Inexact:
            pass
    return Fraction(value) * Fraction(numerator) / Fraction(denominator)


def to_decimal(value: Exact, places: int | None = None) -> Decimal:
    """Show an exact amount as a Decimal, rounded half-even to ``places`` if given."""
    if type(value) is Decimal:
        result = value
    else:
        frac = Fraction(value)
        result = Decimal(frac.numerator) / Decimal(frac.denominator)
    if places is not None:
        result = round(result, places)
    return result
