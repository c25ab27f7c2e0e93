"""Loss controls: session drawdown with its 00:00 UTC reset, the circuit breaker, the daily halt."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import OrderStatus
from tradewind.risk import CircuitBreaker, RiskConfig, TradingState
from tradewind.risk.breaker import losing_trade
from tradewind.testing import SECOND, T0

from .kit import BTC, Desk, assert_denied

HOUR = 3600 * SECOND
DAY = 24 * HOUR


def _lose(d: Desk, quantity: str = "1") -> None:
    """A round trip that buys the ask and sells the bid: loses the spread."""
    d.s.buy(BTC.id, quantity)
    d.quote(100.0, 100.1)
    d.s.sell(BTC.id, quantity)
    d.quote(100.0, 100.1)


def test_session_drawdown_pauses_entries_until_midnight_utc_then_resets() -> None:
    d = Desk(RiskConfig(session_drawdown_limit=2))
    d.quote(100.0, 100.1, at=T0 + 20 * HOUR)
    d.s.buy(BTC.id, "2")  # at 100.1
    d.quote(101.0, 101.1, at=d.now + SECOND)  # session high: +1.9 at the mid 101.05
    d.quote(100.05, 100.15, at=T0 + 21 * HOUR)  # +0.0 at the mid: 1.9 below the high
    assert d.risk.state("s") is TradingState.ENABLED
    d.quote(99.9, 100.0, at=T0 + 22 * HOUR)  # -0.3 at the mid: 2.2 below the high
    assert d.risk.state("s") is TradingState.REDUCING
    entry = d.s.buy(BTC.id, "1")
    exit_ = d.s.sell(BTC.id, "1")
    d.quote(99.9, 100.0, at=T0 + DAY - 1)
    assert_denied(d, entry, "SESSION_DRAWDOWN")
    assert exit_.status is OrderStatus.FILLED
    d.quote(99.9, 100.0, at=T0 + DAY)  # 00:00 UTC: a new session
    assert d.risk.state("s") is TradingState.ENABLED
    assert d.s.buy(BTC.id, "1").status is OrderStatus.SUBMITTED
    assert [(h.cause, h.scope, h.state.value) for h in d.risk.halts] == [
        ("session_drawdown", "strategy:s", "reducing")
    ]
    assert d.risk.halts[0].ts == T0 + 22 * HOUR
    assert d.risk.sessions is not None and d.risk.sessions.sessions["s"].pnl == 0


def test_breaker_counts_losing_trades_within_its_window_only() -> None:
    breaker = CircuitBreaker(losses=3, window_ns=60 * SECOND, cooldown_ns=SECOND)
    assert not breaker.record_loss("s", T0)
    assert not breaker.record_loss("s", T0 + 30 * SECOND)
    assert not breaker.record_loss("s", T0 + 60 * SECOND)  # the first is a window old now
    assert breaker.recent_losses("s") == 2
    assert not breaker.record_loss("other", T0 + 61 * SECOND)
    assert breaker.record_loss("s", T0 + 89 * SECOND)  # three within 60 s
    assert breaker.recent_losses("s") == 0  # the next trip needs three fresh losses


def test_a_losing_trade_is_a_closing_fill_that_lost_net_of_its_fee() -> None:
    one, zero = Decimal(1), Decimal(0)
    assert losing_trade(one, zero, Decimal("-0.5"), zero)
    assert losing_trade(one, zero, zero, Decimal("0.01"))  # flat price, paid a fee
    assert not losing_trade(one, zero, Decimal("0.5"), Decimal("0.01"))
    assert not losing_trade(zero, one, zero, Decimal("0.01"))  # opening is not a trade
    assert not losing_trade(one, Decimal(2), zero, Decimal("0.01"))  # nor is adding
    assert losing_trade(one, Decimal(-1), Decimal("-0.1"), zero)  # flipping closes one


def test_breaker_pauses_entries_for_its_cooldown_then_lifts() -> None:
    config = RiskConfig(breaker_losses=2, breaker_window_seconds=60, breaker_cooldown_seconds=300)
    d = Desk(config)
    _lose(d)
    d.quote(100.0, 100.1, at=d.now + 61 * SECOND)
    _lose(d)  # the first loss is out of the window: no trip
    assert d.risk.state("s") is TradingState.ENABLED
    _lose(d)
    assert d.risk.state("s") is TradingState.REDUCING
    tripped_at = d.risk.halts[0].ts
    d.s.buy(BTC.id, "1")  # an entry: refused
    d.quote(100.0, 100.1, at=tripped_at + 300 * SECOND - 1)
    assert d.risk.state("s") is TradingState.REDUCING
    d.quote(100.0, 100.1, at=tripped_at + 300 * SECOND)
    assert d.risk.state("s") is TradingState.ENABLED
    assert d.risk.denials == {"CIRCUIT_BREAKER": 1}
    assert [(h.cause, h.scope) for h in d.risk.halts] == [("circuit_breaker", "strategy:s")]


def test_daily_loss_halt_latches_through_midnight_and_enable_until_reset() -> None:
    d = Desk(RiskConfig(daily_loss_limit=5), taker_bps="10")
    d.quote(100.0, 100.1, at=T0 + 23 * HOUR)
    for _ in range(20):
        _lose(d)  # 0.1 spread + ~0.2 fees a round trip
    assert d.risk.state() is TradingState.HALTED
    halt = d.risk.halts[0]
    assert (halt.cause, halt.scope, halt.state.value) == ("daily_loss", "global", "halted")
    assert d.h.portfolio.equity() <= Decimal(100_000) - 5
    d.quote(100.0, 100.1, at=T0 + 2 * DAY)  # midnight passes twice
    assert d.risk.state() is TradingState.HALTED
    assert d.risk.enable() is TradingState.HALTED  # a command halt is not what holds it
    refused = d.s.buy(BTC.id, "1")
    d.quote(100.0, 100.1)
    assert_denied(d, refused, "HALTED")
    assert d.risk.reset_halt() is TradingState.ENABLED
    assert d.s.buy(BTC.id, "1").status is OrderStatus.SUBMITTED
    d.quote(100.0, 100.1)
    assert d.risk.state() is TradingState.ENABLED  # the loss counts afresh from the reset
    assert len(d.risk.halts) == 1
