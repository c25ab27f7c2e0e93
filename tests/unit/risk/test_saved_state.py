"""Risk state across a restart: export_state / restore_state, and what a restart must not lift."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tradewind.model import OrderStatus
from tradewind.risk import RiskConfig, TradingState
from tradewind.risk.session import exact_text, exact_value
from tradewind.store import InMemoryStore
from tradewind.testing import SECOND, T0

from .kit import BTC, Desk, assert_denied

HOUR = 3600 * SECOND
DAY = 24 * HOUR


def _lose(d: Desk) -> None:
    d.s.buy(BTC.id, "1")
    d.quote(100.0, 100.1)
    d.s.sell(BTC.id, "1")
    d.quote(100.0, 100.1)


def _stored(state: dict[str, object]) -> dict[str, object]:
    """The state as a store gives it back (JSON with exact decimals)."""
    store = InMemoryStore()
    store.save_risk_state(state)
    return store.risk_state()


def test_restrictions_halts_and_sessions_come_back_the_same_day() -> None:
    config = RiskConfig(session_drawdown_limit=Decimal(2), daily_loss_limit=Decimal(50))
    d = Desk(config, taker_bps="10")
    d.s.buy(BTC.id, "3")
    d.quote(101.0, 101.1, at=T0 + 2 * SECOND)  # a session high
    d.risk.halt("desk closed", strategy_id="s")
    d.risk.reduce("risk review")
    saved = d.risk.export_state()

    e = Desk(config, first_quote=False)
    e.h.advance_to(T0 + HOUR)
    e.risk.restore_state(_stored(saved))
    assert e.risk.state("s") is TradingState.HALTED
    assert e.risk.state() is TradingState.REDUCING
    assert e.risk.halts == d.risk.halts
    assert e.risk.sessions is not None and d.risk.sessions is not None
    assert e.risk.sessions.export() == d.risk.sessions.export()
    assert e.risk.daily_loss is not None and d.risk.daily_loss is not None
    assert e.risk.daily_loss.baseline == d.risk.daily_loss.baseline
    assert e.risk.export_state()["restrictions"] == saved["restrictions"]
    e.quote(100.0, 100.1, at=T0 + HOUR + 1)
    assert e.s.disabled == [  # strategies hear of restored restrictions as of new ones
        ("halted", "desk closed", T0 + HOUR),
        ("reducing", "risk review", T0 + HOUR),
    ]
    refused = e.s.buy(BTC.id, "1")
    e.quote(100.0, 100.1)
    assert_denied(e, refused, "HALTED")
    assert e.risk.enable("s") is TradingState.REDUCING  # only a command lifts what a command set


def test_a_latched_daily_loss_halt_survives_a_restart_on_a_later_day() -> None:
    config = RiskConfig(daily_loss_limit=Decimal(5), session_drawdown_limit=Decimal(1))
    d = Desk(config, taker_bps="10")
    d.quote(100.0, 100.1, at=T0 + 23 * HOUR)
    d.s.buy(BTC.id, "60")
    d.quote(100.0, 100.1)
    d.quote(99.8, 99.9, at=T0 + 23 * HOUR + 2 * SECOND)  # -15 at the mid: both limits trip
    assert d.risk.state() is TradingState.HALTED
    assert d.risk.state("s") is TradingState.HALTED
    saved = _stored(d.risk.export_state())
    assert {r["key"] for r in saved["restrictions"]} == {"daily_loss", "session"}  # type: ignore[union-attr]

    e = Desk(config, first_quote=False)
    e.h.advance_to(T0 + DAY + HOUR)  # the next UTC day
    e.risk.restore_state(saved)
    assert e.risk.state() is TradingState.HALTED  # a restart never lifts a latched halt
    assert e.risk.states.get("session", "s") is None  # the session drawdown was yesterday's
    assert e.risk.daily_loss is not None and e.risk.daily_loss.latched
    assert e.risk.reset_halt() is TradingState.ENABLED


def test_a_breaker_pause_comes_back_until_its_cooldown_ends() -> None:
    config = RiskConfig(breaker_losses=2, breaker_window_seconds=60, breaker_cooldown_seconds=300)
    d = Desk(config)
    _lose(d)
    _lose(d)
    assert d.risk.state("s") is TradingState.REDUCING
    ends = d.risk.halts[0].ts + 300 * SECOND
    saved = _stored(d.risk.export_state())
    assert saved["cooldowns"] == {"s": ends}

    e = Desk(config, first_quote=False)
    e.h.advance_to(ends - 100 * SECOND)
    e.risk.restore_state(saved)
    assert e.risk.state("s") is TradingState.REDUCING
    e.quote(100.0, 100.1, at=ends - 1)
    assert e.risk.state("s") is TradingState.REDUCING
    e.quote(100.0, 100.1, at=ends)
    assert e.risk.state("s") is TradingState.ENABLED

    late = Desk(config, first_quote=False)
    late.h.advance_to(ends + 1)
    late.risk.restore_state(saved)
    assert late.risk.state("s") is TradingState.ENABLED  # the pause ended while we were down


def test_a_restored_kill_goes_on_flattening() -> None:
    d = Desk(RiskConfig())
    d.risk.kill("emergency")
    saved = _stored(d.risk.export_state())

    e = Desk(RiskConfig())
    bought = e.s.buy(BTC.id, "1")
    e.quote(100.0, 100.1)
    assert bought.status is OrderStatus.FILLED and e.position() == 1
    e.risk.restore_state(saved)
    assert e.risk.state() is TradingState.HALTED
    e.quote(100.0, 100.1, at=e.now + 2 * SECOND)  # the flatten timer fires
    assert e.position() == 0


def test_exact_amounts_are_written_as_text_and_read_back_exactly() -> None:
    for value in (Decimal("1.10"), Decimal("-0.000001"), Fraction(1, 3), Fraction(-7, 9)):
        text = exact_text(value)
        assert text is not None
        back = exact_value(text)
        assert back == value and type(back) is type(value)
        assert str(back) == str(value)
    assert exact_text(None) is None
