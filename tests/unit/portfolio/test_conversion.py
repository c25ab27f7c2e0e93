"""PnL and equity in one currency: converted at the latest marks, one hop or two, never guessed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tradewind.engine import Cache
from tradewind.errors import ConfigError
from tradewind.model import AssetClass, Instrument
from tradewind.portfolio import Portfolio
from tradewind.testing import fill, instrument, quote, trade

BTCUSDT = instrument("BTCUSDT", "A")
BTCUSDT_B = instrument("BTCUSDT", "B")
ETHBTC = instrument("ETHBTC", "A", tick="0.00001", lot="0.001")
SOLETH = instrument("SOLETH", "A", tick="0.0001", lot="0.01")
ETHUSDC = instrument("ETHUSDC", "A")
USDCUSDT = instrument("USDCUSDT", "A", tick="0.0001", lot="1")
PERP = instrument(
    "BTCUSD-PERP",
    "A",
    tick="0.5",
    lot="1",
    base="BTC",
    quote="USD",
    asset_class=AssetClass.PERPETUAL,
)
D = Decimal


def new_portfolio(*instruments: Instrument, **balances: str) -> Portfolio:
    cache = Cache()
    for inst in instruments:
        cache.instruments[inst.id] = inst
    start = {asset: D(amount) for asset, amount in balances.items()}
    return Portfolio(cache, base_currency="USDT", starting_balances={"A": start})


def mark(p: Portfolio, inst: Instrument, price: float, ts: int = 1) -> None:
    p._cache.trades[inst.id] = trade(inst, price, ts)


def eth_btc_round_trip(p: Portfolio) -> None:
    """Buy 2 ETH at 0.05000 BTC, sell them at 0.05250: 0.005 BTC realized."""
    p.on_fill(fill(ETHBTC, "BUY", "2.000", "0.05000", fee_currency="BTC"), "s")
    p.on_fill(fill(ETHBTC, "SELL", "2.000", "0.05250", fee_currency="BTC"), "s")


def test_pnl_stays_in_the_instruments_settlement_currency() -> None:
    p = new_portfolio(ETHBTC, BTCUSDT, BTC="1")
    eth_btc_round_trip(p)
    assert p.realized_pnl_by_currency() == {"BTC": D("0.00500")}
    assert p.realized_pnl_in("BTC") == D("0.005")


def test_btc_pnl_converts_to_usdt_through_btcusdt_at_its_latest_mark() -> None:
    p = new_portfolio(ETHBTC, BTCUSDT, BTC="1")
    eth_btc_round_trip(p)
    mark(p, BTCUSDT, 40000.0)
    assert p.realized_pnl_in("USDT") == D("200")
    assert p.realized_pnl_in() == D("200")  # the base currency
    mark(p, BTCUSDT, 41000.0, ts=2)
    assert p.realized_pnl_in("USDT") == D("205")


def test_an_inverted_rate_is_exact_even_when_one_over_the_mark_does_not_terminate() -> None:
    p = new_portfolio(BTCUSDT, USDT="100000")
    p.on_fill(fill(BTCUSDT, "BUY", "0.010", "40000.00"), "s")
    p.on_fill(fill(BTCUSDT, "SELL", "0.010", "40030.00"), "s")  # 0.3 USDT
    mark(p, BTCUSDT, 30000.0)  # 1 / 30000 repeats; 0.3 / 30000 does not
    assert p.realized_pnl_in("BTC") == D("0.00001")
    assert p.rates.rate("USDT", "BTC") == Fraction(1, 30000)
    assert str(p.price_of("USDT", "BTC")).startswith("0.0000333333333333")  # shown, not kept


def test_eth_pnl_converts_to_usdt_in_two_hops_through_btc() -> None:
    p = new_portfolio(SOLETH, ETHBTC, BTCUSDT, ETH="1")
    p.on_fill(fill(SOLETH, "BUY", "10.00", "0.0500", fee_currency="ETH"), "s")
    p.on_fill(fill(SOLETH, "SELL", "10.00", "0.0600", fee_currency="ETH"), "s")
    mark(p, ETHBTC, 0.05)
    mark(p, BTCUSDT, 40000.0)
    assert p.realized_pnl_by_currency() == {"ETH": D("0.1")}
    assert p.price_of("ETH", "USDT") == D("2000")
    assert p.price_of("USDT", "ETH") == D("0.0005")
    assert p.realized_pnl_in("USDT") == D("200")
    assert p.equity("USDT") == (D("1") + D("0.1")) * D("2000")


def test_the_freshest_listing_of_a_pair_gives_the_rate_and_ties_go_to_the_lower_id() -> None:
    p = new_portfolio(BTCUSDT, BTCUSDT_B, BTC="1")
    p._cache.quotes[BTCUSDT.id] = quote(BTCUSDT, 40000.0, 40002.0, 1)
    p._cache.quotes[BTCUSDT_B.id] = quote(BTCUSDT_B, 40100.0, 40102.0, 2)
    assert p.price_of("BTC", "USDT") == D("40101")
    p._cache.quotes[BTCUSDT.id] = quote(BTCUSDT, 40000.0, 40002.0, 3)
    assert p.price_of("BTC", "USDT") == D("40001")
    p._cache.quotes[BTCUSDT_B.id] = quote(BTCUSDT_B, 40100.0, 40102.0, 3)
    assert p.price_of("BTC", "USDT") == D("40001")  # same time: BTCUSDT.A < BTCUSDT.B


def test_with_two_routes_the_intermediate_currency_first_by_name_is_used() -> None:
    p = new_portfolio(ETHBTC, BTCUSDT, ETHUSDC, USDCUSDT, ETH="1")
    mark(p, ETHBTC, 0.05)
    mark(p, BTCUSDT, 40000.0)
    mark(p, ETHUSDC, 2010.0)
    mark(p, USDCUSDT, 1.0)
    assert p.price_of("ETH", "USDT") == D("2000")  # through BTC, not USDC
    del p._cache.trades[BTCUSDT.id]
    assert p.price_of("ETH", "USDT") == D("2010")  # BTC no longer connects: USDC does


def test_a_missing_rate_is_an_error_that_names_it() -> None:
    p = new_portfolio(ETHBTC, BTC="1")
    eth_btc_round_trip(p)
    with pytest.raises(ConfigError, match="missing rate BTC/EUR"):
        p.realized_pnl_in("EUR")
    assert p.price_of("BTC", "EUR") is None


def test_a_pair_listed_but_not_yet_priced_is_named_in_the_error() -> None:
    p = new_portfolio(ETHBTC, BTCUSDT, BTC="1")
    eth_btc_round_trip(p)
    with pytest.raises(ConfigError, match=r"BTC/USDT \(no price seen yet for BTCUSDT.A\)"):
        p.realized_pnl_in("USDT")
    with pytest.raises(ConfigError, match="cannot value BTC in USDT"):
        p.equity("USDT")


def test_a_zero_amount_needs_no_rate() -> None:
    p = new_portfolio(ETHBTC, USDT="10")
    p.on_fill(fill(ETHBTC, "BUY", "1.000", "0.05000", fee_currency="BTC"), "s")
    p.on_fill(fill(ETHBTC, "SELL", "1.000", "0.05000", fee_currency="BTC"), "s")
    assert p.realized_pnl_by_currency() == {"BTC": D(0)}
    assert p.realized_pnl_in("USDT") == 0


def test_contract_pnl_in_another_currency_is_never_counted_at_par() -> None:
    p = new_portfolio(PERP, USDT="1000")
    p.on_fill(fill(PERP, "BUY", "2", "40000.0", fee_currency="USD"), "s")
    mark(p, PERP, 40010.0)
    assert p.unrealized_pnl_by_currency() == {"USD": D("20")}
    assert p.balances() == {"USDT": D("1000")}  # the USDT balance alone values fine
    with pytest.raises(ConfigError, match="missing rate USD/USDT"):
        p.equity("USDT")


def test_fees_in_several_currencies_convert_to_one() -> None:
    p = new_portfolio(ETHBTC, BTCUSDT, BTC="1", USDT="1000")
    p.on_fill(fill(ETHBTC, "BUY", "2.000", "0.05000", fee="0.0001", fee_currency="BTC"), "s")
    p.on_fill(fill(BTCUSDT, "BUY", "0.010", "40000.00", fee="0.4", fee_currency="USDT"), "s")
    mark(p, BTCUSDT, 40000.0)
    assert p.total_fees() == {"BTC": D("0.0001"), "USDT": D("0.4")}
    assert p.fees_in("USDT") == D("4") + D("0.4")
