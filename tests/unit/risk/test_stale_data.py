"""Stale market data: no new entry goes out on an instrument marked stale; exits still do."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import OrderStatus
from tradewind.model.events import OrderModifyRejected
from tradewind.risk import DenyReason, RiskConfig
from tradewind.testing import MILLISECOND, SECOND

from .kit import BTC, ETH, Desk, assert_denied

STALE = DenyReason.STALE_DATA.value


def test_an_entry_on_stale_data_is_denied_naming_the_instrument_and_how_long_it_was_quiet() -> None:
    d = Desk(RiskConfig())
    last = d.now  # the first quote
    d.h.advance_to(last + 7_200 * MILLISECOND)
    d.h.engine.set_stale(BTC.id, True, "no market data for 7.2 s (limit 5 s)")
    entry = d.s.buy(BTC.id, "0.1")
    d.quote(100.0, 100.1, at=last + 8 * SECOND)  # the denial is handled like any report
    assert_denied(d, entry, STALE)
    (denial,) = d.s.denials()
    assert denial.message == (
        "BTCUSDT.SIM: market data is stale (no event for 7.2 s): only orders that reduce a "
        "position are accepted until it resumes"
    )
    assert d.risk.denials == {STALE: 1}


def test_exits_and_close_all_go_through_stale_data_but_a_sell_through_flat_does_not() -> None:
    d = Desk(RiskConfig())
    d.s.buy(BTC.id, "0.5")
    d.quote(100.0, 100.1)
    assert d.position() == Decimal("0.5")
    d.h.engine.set_stale(BTC.id, True, "quiet")
    part = d.s.sell(BTC.id, "0.2")
    through = d.s.sell(BTC.id, "0.6")  # past flat: it would open a short
    more = d.s.buy(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    assert part.status is OrderStatus.FILLED
    assert_denied(d, through, STALE)
    assert_denied(d, more, STALE)
    closes = d.risk.close_all()
    d.quote(100.0, 100.1)
    assert [o.status for o in closes] == [OrderStatus.FILLED]
    assert d.position() == 0
    assert d.risk.denials == {STALE: 2}


def test_only_the_stale_instrument_is_restricted_and_entries_resume_when_it_is_fresh() -> None:
    d = Desk(RiskConfig(), instruments=[BTC, ETH])
    d.quote(10.0, 10.01, iid=ETH.id)
    d.h.engine.set_stale(BTC.id, True, "quiet")
    blocked = d.s.buy(BTC.id, "0.1")
    other = d.s.buy(ETH.id, "0.1")
    d.h.engine.set_stale(BTC.id, False, "market data resumed")
    again = d.s.buy(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    assert_denied(d, blocked, STALE)
    assert other.status is OrderStatus.FILLED
    assert again.status is OrderStatus.FILLED
    assert d.position() == Decimal("0.1")


def test_amending_a_resting_entry_on_stale_data_is_refused_with_the_reason() -> None:
    d = Desk(RiskConfig())
    bid = d.s.buy(BTC.id, "0.1", price="99")
    d.quote(100.0, 100.1)
    assert bid.status is OrderStatus.ACCEPTED
    d.h.engine.set_stale(BTC.id, True, "quiet")
    assert d.s.modify(bid, price="99.5")
    d.quote(100.0, 100.1)
    refused = [c.event for c in d.s.of("order") if isinstance(c.event, OrderModifyRejected)]
    assert len(refused) == 1
    assert refused[0].reason.startswith(f"{STALE}: BTCUSDT.SIM: market data is stale")
    assert bid.price == 99 and bid.status is OrderStatus.ACCEPTED
    d.s.cancel(bid)  # a cancel is never checked
    d.quote(100.0, 100.1)
    assert bid.status is OrderStatus.CANCELED
