"""Instrument grids: tick and lot checks, minimums, rounding, base and quote from a symbol."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.errors import InstrumentError, OrderError
from tradewind.model import AssetClass, Instrument
from tradewind.model.instrument import split_pair
from tradewind.testing import instrument

BTC = instrument("BTCUSDT", tick="0.01", lot="0.001", min_quantity="0.002", min_notional="10")
PERP = instrument(
    "BTCUSD-PERP",
    tick="0.5",
    lot="1",
    base="BTC",
    quote="USD",
    multiplier="10",
    asset_class=AssetClass.PERPETUAL,
)


def test_check_price_accepts_a_price_on_the_tick_grid() -> None:
    BTC.check_price(Decimal("40000.01"))
    PERP.check_price(Decimal("40000.5"))


def test_check_price_refuses_an_off_tick_price_naming_the_price_the_tick_and_the_fix() -> None:
    with pytest.raises(OrderError) as info:
        BTC.check_price(Decimal("100.015"))
    message = str(info.value)
    assert "100.015" in message
    assert "0.01" in message
    assert "use 100.02" in message  # half-even: 100.015 -> 100.02
    assert "BTCUSDT.SIM" in message


def test_check_price_names_the_field_it_was_asked_about() -> None:
    with pytest.raises(
        OrderError, match=r"^trigger_price 40000\.25 .*tick grid 0\.5: use 40000\.0"
    ):
        PERP.check_price(Decimal("40000.25"), "trigger_price")


@pytest.mark.parametrize("price", ["0", "-0.01", "-100"])
def test_check_price_refuses_a_price_that_is_not_positive(price: str) -> None:
    with pytest.raises(OrderError, match="must be > 0"):
        BTC.check_price(Decimal(price))


def test_check_price_below_one_tick_suggests_a_price_that_would_be_accepted() -> None:
    with pytest.raises(OrderError) as info:
        BTC.check_price(Decimal("0.004"))
    suggested = re.search(r"use (\S+) ", str(info.value))
    assert suggested is not None
    BTC.check_price(Decimal(suggested.group(1)))


def test_check_quantity_accepts_a_quantity_on_the_lot_grid_above_the_minimums() -> None:
    BTC.check_quantity(Decimal("0.002"), Decimal("40000"))
    BTC.check_quantity(Decimal("1.234"), None)


def test_check_quantity_refuses_an_off_lot_quantity_suggesting_the_lower_lot() -> None:
    with pytest.raises(OrderError) as info:
        BTC.check_quantity(Decimal("0.0129"), Decimal("40000"))
    message = str(info.value)
    assert "0.0129" in message
    assert "lot grid 0.001" in message
    assert "use 0.012 " in message


def test_check_quantity_refuses_a_quantity_below_the_minimum_quantity() -> None:
    with pytest.raises(OrderError, match=r"quantity 0\.001 .* below the minimum 0\.002"):
        BTC.check_quantity(Decimal("0.001"), Decimal("40000"))


def test_check_quantity_refuses_a_notional_below_the_minimum_notional() -> None:
    with pytest.raises(OrderError, match=r"notional 9\.99\d* .* below the minimum 10 USDT"):
        BTC.check_quantity(Decimal("0.003"), Decimal("3330.00"))
    BTC.check_quantity(Decimal("0.003"), Decimal("3333.34"))  # 10.00002 is enough


def test_check_quantity_counts_the_multiplier_in_the_notional() -> None:
    perp = instrument(
        "ETHUSD",
        tick="0.5",
        lot="1",
        multiplier="10",
        min_notional="100",
        asset_class=AssetClass.PERPETUAL,
    )
    perp.check_quantity(Decimal("1"), Decimal("10"))  # 1 x 10 x 10 = 100
    with pytest.raises(OrderError, match="notional"):
        perp.check_quantity(Decimal("1"), Decimal("9.5"))


@pytest.mark.parametrize("quantity", ["0", "-0.001"])
def test_check_quantity_refuses_a_quantity_that_is_not_positive(quantity: str) -> None:
    with pytest.raises(OrderError, match="must be > 0"):
        BTC.check_quantity(Decimal(quantity), None)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("100.004", "100.00"),
        ("100.005", "100.00"),  # half-even
        ("100.015", "100.02"),  # half-even
        ("100.0151", "100.02"),
        (0.1 + 0.2, "0.30"),  # 0.30000000000000004: float noise snaps to the grid
        (100.004999, "100.00"),
        ("100", "100.00"),
    ],
)
def test_round_price_snaps_to_the_nearest_tick_half_even(price: str | float, expected: str) -> None:
    rounded = BTC.round_price(price)
    assert rounded == Decimal(expected)
    assert rounded % BTC.tick_size == 0


def test_round_price_on_a_half_unit_tick() -> None:
    assert PERP.round_price("100.3") == Decimal("100.5")
    assert PERP.round_price("100.2") == Decimal("100.0")
    assert PERP.round_price("100.25") == Decimal("100.0")  # half-even between 200 and 201 ticks
    assert PERP.floor_price("100.49") == Decimal("100.0")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0.0019", "0.001"), ("1.9999", "1.999"), ("0.0009", "0.000"), ("2", "2.000")],
)
def test_round_quantity_rounds_down_to_the_lot(quantity: str, expected: str) -> None:
    assert BTC.round_quantity(quantity) == Decimal(expected)


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=6),
)
def test_a_rounded_price_is_always_accepted_and_within_half_a_tick(price: Decimal) -> None:
    rounded = BTC.round_price(price)
    if rounded > 0:
        BTC.check_price(rounded)
    assert abs(rounded - price) <= BTC.tick_size / 2


@given(st.decimals(min_value=Decimal("0.002"), max_value=Decimal("100000"), places=7))
def test_a_rounded_quantity_is_on_the_lot_grid_and_never_larger(quantity: Decimal) -> None:
    rounded = BTC.round_quantity(quantity)
    assert rounded <= quantity
    assert quantity - rounded < BTC.lot_size
    assert rounded % BTC.lot_size == 0


@pytest.mark.parametrize(
    ("symbol", "base", "quote"),
    [
        ("BTCUSDT", "BTC", "USDT"),
        ("ETH-USD", "ETH", "USD"),
        ("ETHBTC", "ETH", "BTC"),
        ("SOL/USDC", "SOL", "USDC"),
        ("BTCFDUSD", "BTC", "FDUSD"),
        ("XRP_EUR", "XRP", "EUR"),
    ],
)
def test_split_pair_reads_base_and_quote_off_the_symbol(symbol: str, base: str, quote: str) -> None:
    assert split_pair(symbol) == (base, quote)


@pytest.mark.parametrize("symbol", ["AAPL", "USDT", "FOOBAR"])
def test_split_pair_refuses_a_symbol_it_cannot_split_and_says_what_to_do(symbol: str) -> None:
    with pytest.raises(InstrumentError, match=r"cannot tell base and quote apart.*base=\.\.\."):
        split_pair(symbol)


def test_instrument_spot_reads_base_and_quote_off_the_symbol() -> None:
    spot = Instrument.spot("ETH-USD", tick_size="0.01", lot_size="0.0001")
    assert (spot.base, spot.quote, spot.settlement) == ("ETH", "USD", "USD")
    assert spot.id == "ETH-USD.SIM"
    assert spot.is_spot


def test_instrument_spot_accepts_explicit_base_and_quote_for_an_unsplittable_symbol() -> None:
    spot = Instrument.spot(
        "AAPL", "NASDAQ", tick_size="0.01", lot_size="1", base="AAPL", quote="USD"
    )
    assert (spot.base, spot.quote) == ("AAPL", "USD")


@pytest.mark.parametrize(
    "kw",
    [{"tick": "0"}, {"lot": "0"}, {"multiplier": "0"}, {"tick": "-0.01"}],
    ids=["tick", "lot", "multiplier", "negative-tick"],
)
def test_an_instrument_with_a_non_positive_increment_is_refused(kw: dict[str, str]) -> None:
    with pytest.raises(InstrumentError, match="must be > 0"):
        instrument("BTCUSDT", **kw)


def test_an_instrument_with_a_non_numeric_tick_is_refused_naming_the_field() -> None:
    with pytest.raises(InstrumentError, match="min_notional"):
        instrument("BTCUSDT", min_notional="ten")
