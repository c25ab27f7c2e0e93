"""Portfolio: balances, positions per account and strategy, unrealized PnL at a mark, equity."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tradewind.engine import Cache
from tradewind.errors import ConfigError
from tradewind.model import AssetClass, Instrument
from tradewind.portfolio import Portfolio
from tradewind.testing import fill, instrument, quote

SPOT = instrument("BTCUSDT")
PERP = instrument(
    "BTCUSD-PERP",
    tick="0.5",
    lot="1",
    base="BTC",
    quote="USD",
    multiplier="10",
    asset_class=AssetClass.PERPETUAL,
)
FINE = instrument("BTC-USDC", tick="0.01", lot="0.00000001")
D = Decimal


def portfolio(*instruments: Instrument, **balances: str) -> Portfolio:
    cache = Cache()
    for inst in instruments:
        cache.instruments[inst.id] = inst
    start = {asset: D(amount) for asset, amount in balances.items()}
    return Portfolio(cache, base_currency="USDT", starting_balances={"SIM": start})


def mark(p: Portfolio, inst: Instrument, bid: float, ask: float) -> None:
    p._cache.quotes[inst.id] = quote(inst, bid, ask, 1)


def test_a_spot_buy_moves_base_and_quote_and_takes_the_fee_from_its_currency() -> None:
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "0.500", "40000.00", fee="2.5", fee_currency="USDT"), "s")
    assert p.balance("BTC") == D("0.5")
    assert p.balance("USDT") == D("100000") - D("20000") - D("2.5")
    assert p.total_fees() == {"USDT": D("2.5")}
    assert p.position(SPOT.id).quantity == D("0.5")
    assert p.fills == 1


def test_unrealized_pnl_is_the_open_quantity_valued_at_the_mark_minus_its_cost() -> None:
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "0.500", "100.00"), "s")
    p.on_fill(fill(SPOT, "BUY", "0.250", "103.00"), "s")  # average entry 101
    mark(p, SPOT, 104.00, 104.50)  # mid 104.25
    assert p.unrealized_pnl(SPOT.id) == D("0.750") * (D("104.25") - D("101"))
    position = p.position(SPOT.id)
    assert position.avg_price == D("101")
    assert position.unrealized_pnl(D("99.00")) == D("-1.5")


def test_unrealized_pnl_of_a_short_contract_counts_the_multiplier() -> None:
    p = portfolio(PERP, USD="10000")
    p.on_fill(fill(PERP, "SELL", "3", "40000.5", fee_currency="USD"), "s")
    mark(p, PERP, 39990.0, 39991.0)  # mid 39990.5
    assert p.unrealized_pnl(PERP.id) == D("3") * D("10") * D("10")  # 10 points x 3 x 10
    assert p.balance("USD") == D("10000")  # nothing realized yet: a contract moves no cash


def test_a_contract_settles_realized_pnl_and_fees_into_the_settlement_balance() -> None:
    p = portfolio(PERP, USD="10000")
    p.on_fill(fill(PERP, "BUY", "4", "40000.0", fee="8", fee_currency="USD"), "s")
    p.on_fill(fill(PERP, "SELL", "1", "40010.5", fee="2", fee_currency="USD"), "s")
    realized = D("1") * (D("40010.5") - D("40000.0")) * 10
    assert p.realized_pnl(PERP.id) == realized
    assert p.balance("USD") == D("10000") + realized - D("10")
    assert "BTC" not in p.balances["SIM"]


def test_equity_of_a_spot_account_values_the_base_asset_at_the_mark() -> None:
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "0.500", "40000.00", fee="10", fee_currency="USDT"), "s")
    mark(p, SPOT, 41000.0, 41001.0)  # mid 41000.5
    expected = D("100000") - D("20000") - D("10") + D("0.5") * D("41000.5")
    assert p.equity() == expected
    assert p.equity("USDT") == expected


def test_equity_adds_the_unrealized_pnl_of_contracts() -> None:
    p = portfolio(PERP, USD="500")
    p.on_fill(fill(PERP, "BUY", "2", "40000.0", fee="1", fee_currency="USD"), "s")
    mark(p, PERP, 40000.0, 40000.5)  # mid 40000.25
    assert p.equity("USD") == D("500") - D("1") + D("2") * D("0.25") * 10
    # USDT in a USD account needs a USDT/USD price; without one equity refuses to guess.
    with pytest.raises(ConfigError, match="cannot value USDT in USD"):
        portfolio(PERP, USDT="1", USD="500").equity("USD")


def test_equity_refuses_to_value_an_asset_without_a_price_naming_it() -> None:
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "0.500", "40000.00"), "s")
    with pytest.raises(ConfigError, match="cannot value BTC in USDT"):
        p.equity()


def test_each_strategy_keeps_its_own_position_and_they_sum_to_the_account() -> None:
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "1.000", "100.00"), "a")
    p.on_fill(fill(SPOT, "SELL", "0.400", "101.00"), "b")
    p.on_fill(fill(SPOT, "SELL", "0.500", "102.00"), "a")
    a, b = p.position(SPOT.id, "a"), p.position(SPOT.id, "b")
    assert (a.quantity, b.quantity) == (D("0.5"), D("-0.4"))
    assert p.position(SPOT.id).quantity == a.quantity + b.quantity
    assert a.realized_pnl == D("0.5") * D("2")
    assert b.realized_pnl == 0
    # The account nets b's sell against a's buy: realized on 0.4 at 101 and 0.5 at 102.
    assert p.realized_pnl(SPOT.id) == D("0.4") * 1 + D("0.5") * 2


def test_a_reversal_through_flat_realizes_the_old_side_and_opens_the_new_at_the_fill_price() -> (
    None
):
    p = portfolio(SPOT, USDT="100000")
    p.on_fill(fill(SPOT, "BUY", "1.000", "100.00"), "s")
    p.on_fill(fill(SPOT, "SELL", "1.500", "90.00"), "s")
    position = p.position(SPOT.id)
    assert position.realized_pnl == D("-10")
    assert position.quantity == D("-0.5")
    assert position.avg_price == D("90")
    assert position.cost == D("-45")


def test_an_unknown_position_is_flat() -> None:
    assert portfolio(SPOT).position(SPOT.id).is_flat


def test_the_cost_left_after_a_partial_close_of_a_power_of_two_lot_position_is_exact() -> None:
    p = portfolio(FINE, USDC="1000000")
    p.on_fill(fill(FINE, "BUY", "0.00000001", "40000.01", fee_currency="USDC"), "s")
    p.on_fill(fill(FINE, "BUY", "0.67108863", "40000.02", fee_currency="USDC"), "s")  # 2^26 lots
    p.on_fill(fill(FINE, "SELL", "0.00000003", "40000.05", fee_currency="USDC"), "s")
    total = Fraction("0.00000001") * Fraction("40000.01") + Fraction("0.67108863") * Fraction(
        "40000.02"
    )
    average = total / Fraction("0.67108864")
    position = p.position(FINE.id)
    assert Fraction(position.realized_pnl) == Fraction("0.00000003") * (
        Fraction("40000.05") - average
    )
    assert Fraction(position.cost) == Fraction("0.67108861") * average
