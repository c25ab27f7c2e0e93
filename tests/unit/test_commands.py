"""Engine commands: cancel all and close all, filtered by strategy, instrument or venue."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import OrderStatus
from tradewind.testing import EngineHarness, ScriptedStrategy, instrument, quote

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")


def _harness() -> tuple[EngineHarness, ScriptedStrategy, ScriptedStrategy]:
    h = EngineHarness([BTC, ETH])
    a = ScriptedStrategy([], [BTC.id, ETH.id], strategy_id="a")
    b = ScriptedStrategy([], [BTC.id, ETH.id], strategy_id="b")
    h.add_strategy(a)
    h.add_strategy(b)
    h.start()
    h.feed(quote(BTC.id, 100.0, 100.1, 1), quote(ETH.id, 10.0, 10.01, 1))
    return h, a, b


def test_cancel_all_filters_by_strategy_and_instrument() -> None:
    h, a, b = _harness()
    a.buy(BTC.id, "0.1", price="90.00")
    a.buy(ETH.id, "0.1", price="9.00")
    b.buy(BTC.id, "0.1", price="91.00")
    h.feed(quote(BTC.id, 100.0, 100.1, 2))
    asked = h.engine.cancel_all(strategy_id="a", instrument_id=BTC.id)
    h.feed(quote(BTC.id, 100.0, 100.1, 3))
    assert [o.strategy_id for o in asked] == ["a"]
    statuses = sorted(
        (o.strategy_id, o.instrument_id, o.status) for o in h.engine.cache.orders.values()
    )
    assert statuses == [
        ("a", BTC.id, OrderStatus.CANCELED),
        ("a", ETH.id, OrderStatus.ACCEPTED),
        ("b", BTC.id, OrderStatus.ACCEPTED),
    ]
    assert len(h.engine.cancel_all()) == 2


def test_close_all_flattens_each_strategys_position_once() -> None:
    h, a, b = _harness()
    a.buy(BTC.id, "0.3")
    b.sell(ETH.id, "0.2")
    h.feed(quote(BTC.id, 100.0, 100.1, 2), quote(ETH.id, 10.0, 10.01, 2))
    assert a.position(BTC.id).quantity == Decimal("0.3")
    first = h.engine.close_all()
    second = h.engine.close_all()  # in flight already: nothing more is sent
    h.feed(quote(BTC.id, 100.0, 100.1, 3), quote(ETH.id, 10.0, 10.01, 3))
    assert len(first) == 2 and second == []
    assert a.position(BTC.id).quantity == 0
    assert b.position(ETH.id).quantity == 0
    assert h.engine.portfolio is not None
    assert h.engine.portfolio.position(BTC.id).quantity == 0


def test_close_all_for_one_strategy_leaves_the_other_alone() -> None:
    h, a, b = _harness()
    a.buy(BTC.id, "0.3")
    b.buy(BTC.id, "0.1")
    h.feed(quote(BTC.id, 100.0, 100.1, 2))
    h.engine.close_all(strategy_id="a")
    h.feed(quote(BTC.id, 100.0, 100.1, 3))
    assert a.position(BTC.id).quantity == 0
    assert b.position(BTC.id).quantity == Decimal("0.1")
