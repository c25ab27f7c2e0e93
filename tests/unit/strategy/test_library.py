"""What every built-in shares: sizes on each instrument's lot grid, one signal per instrument."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind import Instrument
from tradewind.data import write_table
from tradewind.errors import StrategyError
from tradewind.strategy.library import BUILTINS, Momentum

from .synthetic import BTCUSDT, START_NS, Market, fill, fills

RISE = [100.0, 100.0, 100.0, 100.0, 102.0]


def test_every_builtin_is_listed_under_its_own_name() -> None:
    assert sorted(BUILTINS) == ["ma_crossover", "mean_reversion", "momentum", "vol_breakout"]
    for name, cls in BUILTINS.items():
        assert cls.name == name
        assert cls.__doc__ and cls.__doc__.strip()


def test_a_size_off_the_lot_grid_is_rounded_down_to_it(market: Market) -> None:
    strategy = Momentum({"lookback": 3, "threshold_bps": 100, "size": "0.0157"})
    result = market.run(strategy, market.quotes(RISE))
    assert fills(result) == [fill(4, "BUY", "0.015", "102.01")]


def test_a_size_below_one_lot_is_refused_before_trading(market: Market) -> None:
    strategy = Momentum({"size": "0.0004"})
    with pytest.raises(StrategyError, match=r"size 0\.0004 is below the lot size 0\.001 of BTC"):
        market.run(strategy, market.quotes(RISE))


def test_a_size_below_the_minimum_quantity_is_refused(market: Market) -> None:
    instrument = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001", min_quantity="0.01")
    with pytest.raises(StrategyError, match=r"size 0\.005 is below the minimum quantity 0\.01"):
        market.run(Momentum({"size": "0.005"}), market.quotes(RISE), instruments=[instrument])


def test_each_instrument_has_its_own_signal_and_lot_size(market: Market) -> None:
    eth = Instrument.spot("ETHUSDT", tick_size="0.01", lot_size="0.01")
    btc_mids = RISE
    eth_mids = [50.0, 50.0, 50.0, 50.0, 49.0]
    rows = []
    for k, (btc, eth_mid) in enumerate(zip(btc_mids, eth_mids, strict=True)):
        for offset, symbol, mid in ((0, "BTCUSDT", btc), (500_000_000, "ETHUSDT", eth_mid)):
            ts = START_NS + k * 1_000_000_000 + offset
            rows.append(
                {
                    "ts_ns": ts,
                    "symbol": symbol,
                    "bid": mid - 0.01,
                    "ask": mid + 0.01,
                    "bid_size": 10.0,
                    "ask_size": 10.0,
                }
            )
    path = write_table(rows, market.folder / "two.parquet")
    strategy = Momentum({"lookback": 3, "threshold_bps": 100, "size": "0.015"})
    result = market.run(strategy, path, instruments=[BTCUSDT, eth], symbol=None)
    traded = [(r["instrument_id"], r["side"], r["quantity"], r["price"]) for r in result.fills]
    assert traded == [
        ("BTCUSDT.SIM", "BUY", Decimal("0.015"), Decimal("102.01")),
        ("ETHUSDT.SIM", "SELL", Decimal("0.01"), Decimal("48.99")),
    ]


def test_a_strategy_trades_only_the_instruments_it_is_given(market: Market) -> None:
    eth = Instrument.spot("ETHUSDT", tick_size="0.01", lot_size="0.01")
    strategy = Momentum({"lookback": 3, "threshold_bps": 100}, instruments=[eth.id])
    result = market.run(strategy, market.quotes(RISE), instruments=[BTCUSDT, eth])
    assert result.fills == []
