"""Every deny reason, one test each: the order is refused with its code before it leaves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tradewind.model import Order
from tradewind.risk import DenyReason, RiskConfig
from tradewind.testing import SECOND, instrument

from .kit import BTC, ETH, Desk, assert_denied


@dataclass
class Case:
    """A config, the steps that lead up to the refusal, and the order that is refused."""

    config: dict[str, Any]
    act: Callable[[Desk], Order]
    desk: dict[str, Any] = field(default_factory=dict)


def _halted(d: Desk) -> Order:
    d.risk.halt("desk closed")
    return d.s.buy(BTC.id, "0.1")


def _reducing(d: Desk) -> Order:
    d.risk.reduce("winding down")
    return d.s.buy(BTC.id, "0.1")


def _session_drawdown(d: Desk) -> Order:
    d.s.buy(BTC.id, "1")  # at 100.1
    d.quote(99.0, 99.1)
    d.s.sell(BTC.id, "1")  # at 99.0: the session is 1.1 below its high
    d.quote(99.0, 99.1)
    return d.s.buy(BTC.id, "1")


def _circuit_breaker(d: Desk) -> Order:
    for _ in range(2):
        d.s.buy(BTC.id, "1")
        d.quote(100.0, 100.1)
        d.s.sell(BTC.id, "1")  # bought the ask, sold the bid: a losing trade
        d.quote(100.0, 100.1)
    return d.s.buy(BTC.id, "1")


def _stale_data(d: Desk) -> Order:
    d.h.engine.set_stale(BTC.id, True, "no market data for 6.0 s (limit 5 s)")
    return d.s.buy(BTC.id, "0.1")


def _max_position(d: Desk) -> Order:
    d.s.buy(BTC.id, "0.6")
    d.s.buy(BTC.id, "0.3", price="90")  # resting: counts as if filled
    d.quote(100.0, 100.1)
    return d.s.buy(BTC.id, "0.2")


def _gross_exposure(d: Desk) -> Order:
    d.s.buy(BTC.id, "3")  # 3 x mid 100.05 = 300.15 held
    d.quote(100.0, 100.1)
    return d.s.buy(BTC.id, "2")  # + 2 x ask 100.1 = 500.35 > 500


def _open_orders(d: Desk) -> Order:
    d.s.buy(BTC.id, "0.1", price="90")
    d.s.buy(BTC.id, "0.1", price="91")
    return d.s.buy(BTC.id, "0.1", price="92")


def _total_exposure(d: Desk) -> Order:
    d.traders["a"].buy(BTC.id, "3")
    d.quote(100.0, 100.1)
    return d.traders["s"].buy(BTC.id, "2")


def _positions(d: Desk) -> Order:
    d.quote(10.0, 10.01, iid=ETH.id)
    d.s.buy(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    return d.s.buy(ETH.id, "0.1")


def _throttled(d: Desk) -> Order:
    d.s.buy(BTC.id, "0.1")
    return d.s.buy(BTC.id, "0.1")


def _venue_throttled(d: Desk) -> Order:
    d.traders["a"].buy(BTC.id, "0.1")
    return d.traders["s"].buy(BTC.id, "0.1")


MIN_QTY = instrument("BTCUSDT", min_quantity="0.01")
MIN_NOTIONAL = instrument("BTCUSDT", min_notional="10")
BREAKER = {"breaker_losses": 2, "breaker_window_seconds": 60, "breaker_cooldown_seconds": 300}

CASES: dict[DenyReason, Case] = {
    DenyReason.HALTED: Case({}, _halted),
    DenyReason.REDUCE_ONLY: Case({}, _reducing),
    DenyReason.SESSION_DRAWDOWN: Case({"session_drawdown_limit": 1}, _session_drawdown),
    DenyReason.CIRCUIT_BREAKER: Case(BREAKER, _circuit_breaker),
    DenyReason.STALE_DATA: Case({}, _stale_data),
    DenyReason.INVALID_QUANTITY: Case({}, lambda d: d.s.buy(BTC.id, "0")),
    DenyReason.INVALID_PRICE: Case({}, lambda d: d.s.buy(BTC.id, "0.1", price="-1")),
    DenyReason.PRICE_OFF_TICK: Case({}, lambda d: d.s.buy(BTC.id, "0.1", price="99.995")),
    DenyReason.QUANTITY_OFF_LOT: Case({}, lambda d: d.s.buy(BTC.id, "0.0015")),
    DenyReason.BELOW_MIN_QUANTITY: Case(
        {}, lambda d: d.s.buy(BTC.id, "0.005"), {"instruments": [MIN_QTY]}
    ),
    DenyReason.BELOW_MIN_NOTIONAL: Case(
        {}, lambda d: d.s.buy(BTC.id, "0.05"), {"instruments": [MIN_NOTIONAL]}
    ),
    DenyReason.NO_REFERENCE_PRICE: Case(
        {"price_band_bps": 100},
        lambda d: d.s.buy(ETH.id, "0.1", price="10"),
        {"instruments": [BTC, ETH]},
    ),
    DenyReason.PRICE_BAND: Case({"price_band": 1}, lambda d: d.s.buy(BTC.id, "1", price="99")),
    DenyReason.PRICE_BAND_BPS: Case(
        {"price_band_bps": 50}, lambda d: d.s.sell(BTC.id, "1", price="100.6")
    ),
    DenyReason.MAX_ORDER_NOTIONAL: Case(
        {"max_order_notional": 1000}, lambda d: d.s.buy(BTC.id, "10")
    ),
    DenyReason.MAX_POSITION: Case({"max_position": 1}, _max_position),
    DenyReason.MAX_GROSS_EXPOSURE: Case({"max_gross_exposure": 500}, _gross_exposure),
    DenyReason.MAX_OPEN_ORDERS: Case({"max_open_orders": 2}, _open_orders),
    DenyReason.MAX_TOTAL_EXPOSURE: Case(
        {"max_total_exposure": 500}, _total_exposure, {"strategies": ["a", "s"]}
    ),
    DenyReason.MAX_POSITIONS: Case({"max_positions": 1}, _positions, {"instruments": [BTC, ETH]}),
    DenyReason.THROTTLED: Case({"max_orders_per_second": 1}, _throttled),
    DenyReason.VENUE_THROTTLED: Case(
        {"venue_max_orders_per_second": 1}, _venue_throttled, {"strategies": ["a", "s"]}
    ),
}


def test_every_deny_reason_has_a_case() -> None:
    assert set(CASES) == set(DenyReason)


@pytest.mark.parametrize("reason", list(CASES), ids=str)
def test_order_is_denied_with_its_reason_code_and_never_reaches_the_venue(
    reason: DenyReason,
) -> None:
    case = CASES[reason]
    desk = Desk(RiskConfig(**case.config), **case.desk)
    order = case.act(desk)
    desk.quote(100.0, 100.1, at=desk.now + SECOND)  # the denial is handled like any report
    assert_denied(desk, order, reason.value, order.strategy_id)
    assert desk.risk.denials == {reason.value: 1}
