"""Exact money arithmetic: Decimal while the result is a finite decimal, Fraction otherwise."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from tradewind.model import exact

# Decimals with up to 40 significant digits: wider than the default context's 28.
wide = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=28, allow_nan=False
)
short = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=8, allow_nan=False)


@given(short, short)
def test_adding_then_subtracting_gives_back_the_first_amount(a: Decimal, b: Decimal) -> None:
    assert exact.sub(exact.add(a, b), b) == a


@given(short, short)
def test_add_sub_and_mul_of_short_decimals_are_exact_decimals(a: Decimal, b: Decimal) -> None:
    assert type(exact.add(a, b)) is Decimal
    assert Fraction(exact.add(a, b)) == Fraction(a) + Fraction(b)
    assert Fraction(exact.sub(a, b)) == Fraction(a) - Fraction(b)
    assert Fraction(exact.mul(a, b)) == Fraction(a) * Fraction(b)


def test_scale_stays_a_decimal_when_the_result_is_a_finite_decimal() -> None:
    result = exact.scale(Decimal("1.5"), Decimal("1"), Decimal("4"))
    assert type(result) is Decimal
    assert result == Decimal("0.375")


def test_scale_becomes_a_fraction_when_the_result_repeats() -> None:
    result = exact.scale(Decimal("1"), Decimal("1"), Decimal("3"))
    assert result == Fraction(1, 3)
    assert exact.add(result, Decimal("0.1")) == Fraction(13, 30)
    assert exact.to_decimal(result, 8) == Decimal("0.33333333")


def test_mixing_a_fraction_in_keeps_every_operation_exact() -> None:
    third = Fraction(1, 3)
    assert exact.sub(Decimal(1), third) == Fraction(2, 3)
    assert exact.mul(third, Decimal("0.3")) == Fraction(1, 10)


@given(wide, wide)
def test_add_and_sub_are_exact_beyond_28_significant_digits(a: Decimal, b: Decimal) -> None:
    assert Fraction(exact.add(a, b)) == Fraction(a) + Fraction(b)
    assert Fraction(exact.sub(a, b)) == Fraction(a) - Fraction(b)


def test_mul_of_a_long_decimal_is_exact_and_does_not_raise() -> None:
    a = Decimal("9." + "9" * 59)
    assert Fraction(exact.mul(a, Decimal(9))) == Fraction(a) * 9


def test_add_does_not_depend_on_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        total = exact.add(Decimal("40000.01"), Decimal("0.001"))
    assert total == Decimal("40000.011")


def test_plain_never_writes_an_exponent_and_trims_when_asked() -> None:
    from decimal import Decimal

    from tradewind.model.exact import plain

    assert str(plain(Decimal("1E+5"))) == "100000"
    assert str(plain(Decimal("2.500"))) == "2.5"
    assert str(plain(Decimal("-0.000"))) == "0"
    assert str(plain(Decimal("2.500"), trim=False)) == "2.500"
    assert str(plain(Decimal("1.2E+3"), trim=False)) == "1200"
