"""Position sizing, and oversize orders shrunk (scale_down) or refused by the caps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.errors import ConfigError
from tradewind.model import AssetClass, Order, OrderStatus
from tradewind.risk import PositionSizer, RiskConfig
from tradewind.testing import instrument

from .kit import BTC, Desk, assert_denied

D = Decimal
FUTURE = instrument(
    "BTCUSD", tick="0.5", lot="1", multiplier="0.001", asset_class=AssetClass.FUTURE
)


def test_fixed_size_is_rounded_down_to_the_lot() -> None:
    sizer = PositionSizer("fixed", quantity=D("0.0257"))
    assert sizer.size(BTC, D(100), D(100_000)) == D("0.025")


def test_equity_fraction_applies_leverage_and_the_contract_multiplier() -> None:
    sizer = PositionSizer("equity_fraction", fraction=D("0.1"), leverage=D(5))
    # 10 % of 100,000 at 5x = 50,000 notional; one contract is 30,000 x 0.001 = 30
    assert sizer.size(FUTURE, D(30_000), D(100_000)) == D(1666)


def test_risk_per_trade_sizes_from_the_stop_distance() -> None:
    sizer = PositionSizer("risk_per_trade", fraction=D("0.01"), leverage=D(10))
    # risk 1,000; the stop is 250 away, x 0.001 per contract = 0.25 per contract
    assert sizer.size(FUTURE, D(30_000), D(100_000), stop_price=D(29_750)) == D(4000)
    with pytest.raises(ConfigError, match="stop_price"):
        sizer.size(FUTURE, D(30_000), D(100_000))


def test_margin_caps_the_size() -> None:
    sizer = PositionSizer("risk_per_trade", fraction=D("0.01"), margin_rate=D("0.1"))
    # wanted 4000 contracts = 120,000 notional; 2,000 of margin buys 20,000 / 30 = 666
    size = sizer.size(FUTURE, D(30_000), D(100_000), stop_price=D(29_750), free_margin=D(2000))
    assert size == D(666)
    spot = PositionSizer("equity_fraction", fraction=D(1), leverage=D(3), margin_rate=D(1))
    assert spot.size(BTC, D(100), D(1000)) == D(10)  # no more than the cash buys


def test_below_the_minimums_sizes_to_zero() -> None:
    small = instrument("BTCUSDT", min_notional="10")
    assert PositionSizer("equity_fraction", fraction=D("0.001")).size(small, D(100), D(5000)) == 0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"mode": "kelly"}, "sizing mode 'kelly'"),
        ({"mode": "fixed"}, "quantity="),
        ({"mode": "equity_fraction", "fraction": D(2)}, "fraction 2 is over 1"),
        ({"mode": "fixed", "quantity": D(-1)}, "quantity -1 must be"),
    ],
)
def test_bad_sizer_settings_are_refused_naming_the_fix(kwargs: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        PositionSizer(**kwargs)


def test_scale_down_shrinks_an_oversize_order_to_the_largest_allowed() -> None:
    d = Desk(RiskConfig(max_order_notional=1000, max_position=12, scale_down=True))
    hint = d.risk.size(PositionSizer("equity_fraction", fraction=D("0.5")), BTC.id)
    assert hint == D("499.750")  # 50 % of 100,000 at the mid 100.05
    first = d.s.buy(BTC.id, hint)
    d.quote(100.0, 100.1)
    assert first.quantity == D("9.990")  # 9.99 x ask 100.1 = 999.999 <= 1000
    assert first.status is OrderStatus.FILLED and "scaled_down" in first.tags
    second = d.s.buy(BTC.id, D(9))
    d.quote(100.0, 100.1)
    assert second.quantity == D("2.010")  # up to the position cap of 12
    assert second.status is OrderStatus.FILLED
    third = d.s.buy(BTC.id, D(1))
    d.quote(100.0, 100.1)
    assert_denied(d, third, "MAX_POSITION")  # no room left at all: refused, not shrunk to 0
    assert d.position() == 12


def test_without_scale_down_the_oversize_order_is_refused() -> None:
    d = Desk(RiskConfig(max_order_notional=1000))
    order = d.s.buy(BTC.id, D(10))
    d.quote(100.0, 100.1)
    assert_denied(d, order, "MAX_ORDER_NOTIONAL")
    assert order.quantity == D(10)


def _amended(order: Order, quantity: str) -> Order:
    """What the engine hands the checks for a modify: a copy with the new terms, same id."""
    copy = Order(
        order.client_order_id,
        order.strategy_id,
        order.instrument_id,
        order.side,
        order.order_type,
        D(quantity),
        price=order.price,
    )
    copy.status = order.status
    return copy


def test_a_modify_is_judged_against_the_order_it_replaces_and_never_shrunk() -> None:
    config = RiskConfig(max_position=1, max_open_orders=1, scale_down=True)
    d = Desk(config)
    resting = d.s.buy(BTC.id, "0.5", price="99")
    d.quote(100.0, 100.1)
    assert d.risk.check(_amended(resting, "0.9")) is None  # not 0.5 + 0.9: it replaces 0.5
    bigger = _amended(resting, "1.2")
    denial = d.risk.check(bigger)
    assert denial is not None and denial.reason == "MAX_POSITION"
    assert bigger.quantity == D("1.2")  # the engine sends what was asked: nothing to shrink
