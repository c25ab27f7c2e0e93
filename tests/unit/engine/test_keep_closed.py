"""A long-running engine forgets its oldest closed orders past ``keep_closed``: flat memory."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind import ConfigError, Engine, HistoricalClock
from tradewind.strategy import Strategy, StrategyParams
from tradewind.testing import EngineHarness
from tradewind.testing.factories import quote


class _Strategy(Strategy[StrategyParams]):
    def on_start(self) -> None:
        self.subscribe_quotes("BTCUSDT.SIM")


def test_closed_orders_past_the_limit_are_forgotten_open_ones_never() -> None:
    h = EngineHarness()
    h.engine.keep_closed = 3
    strategy = h.add_strategy(_Strategy())
    h.start()
    h.feed(quote("BTCUSDT.SIM", 100, 101, ts=1))
    sent = [strategy.buy("BTCUSDT.SIM", Decimal("0.001")) for _ in range(5)]
    resting = strategy.buy("BTCUSDT.SIM", Decimal("0.001"), Decimal("50"))
    h.feed(quote("BTCUSDT.SIM", 100, 101, ts=2))
    assert all(o.status.value == "FILLED" for o in sent)
    orders = h.engine.cache.orders
    assert [o.client_order_id in orders for o in sent] == [False, False, True, True, True]
    assert (
        resting.client_order_id in orders and resting.client_order_id in h.engine.cache.open_orders
    )


def test_by_default_every_order_is_kept_and_a_bad_limit_is_refused() -> None:
    assert Engine(HistoricalClock()).keep_closed is None
    with pytest.raises(ConfigError, match="keep_closed must be >= 1"):
        Engine(HistoricalClock(), keep_closed=0)
