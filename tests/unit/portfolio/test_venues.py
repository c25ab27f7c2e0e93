"""Portfolio across venues: balances per venue and in total, positions per venue and strategy."""

from __future__ import annotations

from decimal import Decimal

from tradewind.engine import Cache
from tradewind.model import Instrument
from tradewind.portfolio import Portfolio
from tradewind.testing import fill, instrument, trade

BTC_A = instrument("BTCUSDT", "A")
BTC_B = instrument("BTCUSDT", "B")
ETH_B = instrument("ETHUSDT", "B")
D = Decimal


def two_venue_portfolio(*instruments: Instrument) -> Portfolio:
    cache = Cache()
    for inst in instruments or (BTC_A, BTC_B, ETH_B):
        cache.instruments[inst.id] = inst
    start = {"A": {"USDT": D(1000)}, "B": {"USDT": D(2000)}}
    return Portfolio(cache, base_currency="USDT", starting_balances=start)


def book_three_fills(p: Portfolio) -> None:
    p.on_fill(fill(BTC_A, "BUY", "0.010", "40000.00", fee="0.4"), "alpha")
    p.on_fill(fill(BTC_B, "SELL", "0.004", "40010.00", fee="0.16004"), "beta")
    p.on_fill(fill(BTC_A, "SELL", "0.003", "40020.00", fee="0.12006"), "beta")


def test_each_venue_keeps_its_own_balances_and_the_totals_sum_them_per_asset() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    a_usdt = D(1000) - D("400") - D("0.4") + D("120.06") - D("0.12006")
    b_usdt = D(2000) + D("160.04") - D("0.16004")
    assert p.balances("A") == {"USDT": a_usdt, "BTC": D("0.007")}
    assert p.balances("B") == {"USDT": b_usdt, "BTC": D("-0.004")}
    assert p.balances() == {"USDT": a_usdt + b_usdt, "BTC": D("0.003")}
    assert p.balances("NOWHERE") == {}
    assert p.balance("USDT", "B") == b_usdt
    assert p.balance("BTC") == D("0.003")


def test_the_balances_of_one_venue_are_a_copy_the_caller_cannot_corrupt() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    p.balances("A")["USDT"] = D(0)
    assert p.balances["A"]["USDT"] != 0


def test_the_same_symbol_on_two_venues_is_two_positions() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    assert p.position(BTC_A.id).quantity == D("0.007")
    assert p.position(BTC_B.id).quantity == D("-0.004")
    assert sorted(p.positions()) == [BTC_A.id, BTC_B.id]
    assert {i: pos.quantity for i, pos in p.positions("A").items()} == {BTC_A.id: D("0.007")}


def test_positions_filter_by_strategy_and_venue_together() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    beta = {i: pos.quantity for i, pos in p.positions(strategy_id="beta").items()}
    assert beta == {BTC_B.id: D("-0.004"), BTC_A.id: D("-0.003")}
    beta_on_b = {i: pos.quantity for i, pos in p.positions("B", "beta").items()}
    assert beta_on_b == {BTC_B.id: D("-0.004")}
    assert p.positions("B", strategy_id="alpha") == {}
    assert p.positions(strategy_id="nobody") == {}


def test_flat_positions_are_listed_unless_only_open_ones_are_asked_for() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    p.on_fill(fill(BTC_B, "BUY", "0.004", "40000.00"), "beta")
    assert p.positions("B")[BTC_B.id].is_flat
    assert p.positions("B")[BTC_B.id].realized_pnl == D("0.040")
    assert p.positions("B", open_only=True) == {}
    assert list(p.positions(open_only=True)) == [BTC_A.id]


def test_realized_pnl_is_kept_per_currency_per_venue_and_per_strategy() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    p.on_fill(fill(BTC_B, "BUY", "0.004", "40000.00"), "beta")
    assert p.realized_pnl_by_currency() == {"USDT": D("0.060") + D("0.040")}
    assert p.realized_pnl_by_currency("A") == {"USDT": D("0.060")}
    assert p.realized_pnl_by_currency("B", "beta") == {"USDT": D("0.040")}
    # beta's own sell of 0.003 on A opened a short: only the account netted it against alpha
    assert p.realized_pnl_by_currency("A", "beta") == {"USDT": D(0)}
    assert p.realized_pnl_by_currency("A", "alpha") == {"USDT": D(0)}


def test_unrealized_pnl_per_venue_values_each_listing_at_its_own_mark() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    p._cache.trades[BTC_A.id] = trade(BTC_A, 40100.0, 1)
    p._cache.trades[BTC_B.id] = trade(BTC_B, 39900.0, 1)
    assert p.unrealized_pnl_by_currency("A") == {"USDT": D("0.007") * D("100")}
    assert p.unrealized_pnl_by_currency("B") == {"USDT": D("0.004") * D("110")}
    assert p.unrealized_pnl_in("USDT") == D("0.7") + D("0.44")


def test_equity_of_one_venue_counts_only_that_venues_balances() -> None:
    p = two_venue_portfolio()
    book_three_fills(p)
    p._cache.trades[BTC_A.id] = trade(BTC_A, 40100.0, 1)
    a_usdt = D(1000) - D("400") - D("0.4") + D("120.06") - D("0.12006")
    b_usdt = D(2000) + D("160.04") - D("0.16004")
    assert p.equity(venue="A") == a_usdt + D("0.007") * D("40100")
    assert p.equity(venue="B") == b_usdt - D("0.004") * D("40100")
    assert p.equity() == p.equity(venue="A") + p.equity(venue="B")
