"""Portfolio.snapshot(): a plain, JSON-ready dict of balances, positions and PnL."""

from __future__ import annotations

import json
from decimal import Decimal

from tradewind.engine import Cache
from tradewind.portfolio import Portfolio
from tradewind.testing import fill, instrument, trade

BTC_A = instrument("BTCUSDT", "A")
BTC_B = instrument("BTCUSDT", "B")
ETHBTC = instrument("ETHBTC", "B", tick="0.00001", lot="0.001")


def booked() -> Portfolio:
    cache = Cache()
    for inst in (BTC_A, BTC_B, ETHBTC):
        cache.instruments[inst.id] = inst
    start = {"A": {"USDT": Decimal(1000)}, "B": {"USDT": Decimal(500), "BTC": Decimal(1)}}
    p = Portfolio(cache, base_currency="USDT", starting_balances=start)
    p.on_fill(fill(BTC_A, "BUY", "0.010", "40000.00", fee="0.4"), "alpha")
    p.on_fill(fill(ETHBTC, "BUY", "2.000", "0.05000", fee="0.0001", fee_currency="BTC"), "beta")
    p.on_fill(fill(ETHBTC, "SELL", "1.000", "0.05250", fee_currency="BTC"), "beta")
    return p


def test_a_snapshot_lists_balances_per_venue_and_totals_as_decimal_strings() -> None:
    snap = booked().snapshot()
    assert snap["balances"] == {
        "A": {"BTC": "0.01", "USDT": "599.6"},
        "B": {"BTC": "0.9524", "ETH": "1", "USDT": "500"},
    }
    assert snap["totals"] == {"BTC": "0.9624", "ETH": "1", "USDT": "1099.6"}
    assert snap["fees"] == {"BTC": "0.0001", "USDT": "0.4"}
    assert snap["fills"] == 3


def test_a_snapshot_lists_positions_of_the_account_and_of_each_strategy() -> None:
    p = booked()
    p._cache.trades[ETHBTC.id] = trade(ETHBTC, 0.0526, 1)
    snap = p.snapshot()
    eth = snap["positions"][1]
    assert eth == {
        "instrument_id": "ETHBTC.B",
        "venue": "B",
        "strategy_id": None,
        "quantity": "1",
        "avg_price": "0.05",
        "mark": "0.0526",
        "currency": "BTC",
        "realized_pnl": "0.0025",
        "unrealized_pnl": "0.0026",
        "fees": {"BTC": "0.0001"},
    }
    assert snap["positions"][0]["mark"] is None  # BTCUSDT.A has no price yet
    assert snap["positions"][0]["unrealized_pnl"] is None
    rows = [(r["strategy_id"], r["instrument_id"]) for r in snap["strategy_positions"]]
    assert rows == [("alpha", "BTCUSDT.A"), ("beta", "ETHBTC.B")]


def test_a_snapshot_converts_pnl_when_every_rate_is_known() -> None:
    p = booked()
    p._cache.trades[ETHBTC.id] = trade(ETHBTC, 0.0526, 1)
    p._cache.trades[BTC_B.id] = trade(BTC_B, 40000.0, 1)
    snap = p.snapshot()
    assert snap["pnl"] == {
        "realized": {"BTC": "0.0025", "USDT": "0"},
        "unrealized": {"BTC": "0.0026"},  # BTCUSDT.A has no mark: no unrealized PnL for it
    }
    assert snap["conversion_error"] is None
    assert snap["converted"] == {
        "currency": "USDT",
        "realized_pnl": "100",
        "unrealized_pnl": "104",
        "fees": "4.4",
        "equity": "41699.6",  # 1099.6 USDT + 0.9624 BTC x 40000 + 1 ETH x 0.0526 x 40000
    }
    assert json.loads(json.dumps(snap)) == snap


def test_a_snapshot_reports_a_missing_rate_instead_of_failing() -> None:
    snap = booked().snapshot("EUR")
    assert snap["converted"] is None
    assert "missing rate" in snap["conversion_error"]
    assert snap["currency"] == "EUR"
    assert json.loads(json.dumps(snap)) == snap
