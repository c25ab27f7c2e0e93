"""Exact money arithmetic: Decimal while a result is a finite decimal, Fraction when it is not.

Every operation runs in this module's own context (200 digits, Inexact trapped), never the
caller's: when a Decimal result would need rounding, the operation returns a Fraction instead.
"""

from __future__ import annotations

from decimal import Context, Decimal, Inexact
from fractions import Fraction

Exact = Decimal | Fraction
"""An exact amount. Average-cost division can leave a repeating decimal; then it is a Fraction."""

CONTEXT = Context(prec=200, traps=[Inexact])
"""The context of every accounting operation; a result it would round becomes a Fraction."""

_add = CONTEXT.add
_sub = CONTEXT.subtract
_mul = CONTEXT.multiply
_div = CONTEXT.divide


def add(a: Exact, b: Exact) -> Exact:
    """a + b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _add(a, b)
        except Inexact:
            pass
    return Fraction(a) + Fraction(b)


def sub(a: Exact, b: Exact) -> Exact:
    """a - b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _sub(a, b)
        except Inexact:
            pass
    return Fraction(a) - Fraction(b)


def mul(a: Exact, b: Exact) -> Exact:
    """a x b, exactly."""
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _mul(a, b)
        except Inexact:
            pass
    return Fraction(a) * Fraction(b)


def scale(value: Exact, numerator: Decimal, denominator: Decimal) -> Exact:
    """value x numerator / denominator, exactly (a Decimal when it is a finite decimal)."""
    if type(value) is Decimal:
        try:
            return _div(_mul(value, numerator), denominator)
        except Inexact:
            pass
    return Fraction(value) * Fraction(numerator) / Fraction(denominator)


def dec_mul(a: Decimal, b: Decimal) -> Decimal:
    """a x b for two Decimals that must stay a Decimal (a fill's notional): exact or an error."""
    return _mul(a, b)


def dec_add(a: Decimal, b: Decimal) -> Decimal:
    """a + b for two Decimals that must stay a Decimal (quantities, fees): exact or an error."""
    return _add(a, b)


def dec_neg(a: Decimal) -> Decimal:
    """-a, exactly."""
    return CONTEXT.minus(a)


def to_decimal(value: Exact, places: int | None = None) -> Decimal:
    """Show an exact amount as a Decimal, rounded half-even to ``places`` if given."""
    if type(value) is Decimal:
        result = value
    else:
        frac = Fraction(value)
        display = Context(prec=60)
        result = display.divide(Decimal(frac.numerator), Decimal(frac.denominator))
    if places is not None:
        result = result.quantize(Decimal(1).scaleb(-places), context=Context(prec=200))
    return result


def plain(amount: Decimal, *, trim: bool = True) -> Decimal:
    """``amount`` as it should be written: never an exponent (``1E+2`` -> ``100``); with
    ``trim`` also no trailing zeros (``2.50`` -> ``2.5``) and no ``-0``."""
    if trim:
        if not amount:
            return Decimal(0)
        amount = CONTEXT.normalize(amount)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0 and amount.adjusted() < CONTEXT.prec:
        return CONTEXT.quantize(amount, Decimal(1))
    return amount
