"""Trading state: enabled, reducing-only or halted, per strategy and for all; the kill switch."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import OrderStatus
from tradewind.risk import RiskConfig, TradingState
from tradewind.testing import MILLISECOND, SECOND, instrument
from tradewind.venues.simulated import LatencyModel

from .kit import BTC, Desk, assert_denied


def test_reducing_strategy_may_exit_but_not_enter_and_others_trade_on() -> None:
    d = Desk(RiskConfig(), strategies=["s", "other"])
    d.s.buy(BTC.id, "0.5")
    d.quote(100.0, 100.1)
    d.risk.reduce("too much inventory", strategy_id="s")
    more = d.s.buy(BTC.id, "0.1")
    too_far = d.s.sell(BTC.id, "0.6")  # through flat: it would open a short
    part = d.s.sell(BTC.id, "0.2")
    rest = d.s.sell(BTC.id, "0.3")
    theirs = d.traders["other"].buy(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    assert_denied(d, more, "REDUCE_ONLY")
    assert_denied(d, too_far, "REDUCE_ONLY")
    assert part.status is OrderStatus.FILLED and rest.status is OrderStatus.FILLED
    assert theirs.status is OrderStatus.FILLED
    assert d.position() == 0
    assert d.risk.state("s") is TradingState.REDUCING
    assert d.risk.state("other") is TradingState.ENABLED


def test_state_transitions_combine_the_account_and_the_strategy_scope() -> None:
    d = Desk(RiskConfig(), strategies=["s", "other"])
    d.risk.reduce("strategy review", strategy_id="s")
    d.risk.halt("venue outage")
    assert d.risk.state("s") is TradingState.HALTED
    assert d.risk.state("other") is TradingState.HALTED
    assert d.risk.enable() is TradingState.ENABLED  # the account again
    assert d.risk.state("s") is TradingState.REDUCING  # its own restriction stays
    assert d.risk.state("other") is TradingState.ENABLED
    d.risk.halt("worse", strategy_id="s")
    d.risk.reduce("better", strategy_id="s")  # a new command replaces the last one
    assert d.risk.state("s") is TradingState.REDUCING
    assert d.risk.enable("s") is TradingState.ENABLED
    assert [(h.state.value, h.scope, h.message) for h in d.risk.halts] == [
        ("reducing", "strategy:s", "strategy review"),
        ("halted", "global", "venue outage"),
        ("halted", "strategy:s", "worse"),
        ("reducing", "strategy:s", "better"),
    ]


def test_on_trading_disabled_arrives_as_its_own_event_at_the_time_of_the_change() -> None:
    d = Desk(RiskConfig(), strategies=["s", "other"])
    d.quote(100.0, 100.1, at=d.now + SECOND)
    halted_at = d.now
    d.risk.halt("venue outage")
    d.risk.reduce("review", strategy_id="other")
    assert d.s.disabled == []  # not from inside the command: on the next step of the clock
    d.quote(100.0, 100.1, at=d.now + SECOND)
    assert d.s.disabled == [("halted", "venue outage", halted_at)]
    assert d.traders["other"].disabled == [
        ("halted", "venue outage", halted_at),
        ("reducing", "review", halted_at),
    ]


def test_close_all_orders_pass_a_halt_but_a_close_all_tag_does_not_open_anything() -> None:
    d = Desk(RiskConfig(max_orders_per_second=1, max_order_notional=10))
    d.s.buy(BTC.id, "0.09")
    d.quote(100.0, 100.1)
    d.risk.halt("stop")
    closes = d.risk.close_all()
    sneaky = d.s.submit_market(BTC.id, "BUY", "0.01", tags=("close_all",))
    d.quote(100.0, 100.1)
    assert [o.status for o in closes] == [OrderStatus.FILLED]
    assert d.position() == 0
    assert_denied(d, sneaky, "HALTED")


def _kill_with_orders_in_flight(seed: int) -> tuple[Desk, bool]:
    latency = LatencyModel.from_ms(fixed_ms=1, jitter_ms=100, seed=seed)
    d = Desk(RiskConfig(), strategies=["s", "other"], latency=latency)
    d.s.buy(BTC.id, "0.4")
    d.traders["other"].sell(BTC.id, "0.1")
    d.quote(100.0, 100.1, at=d.now + 200 * MILLISECOND)  # both filled
    resting = d.s.buy(BTC.id, "0.2", price="95")
    in_flight = d.s.buy(BTC.id, "0.3")  # still travelling when the switch is pulled
    d.risk.kill("runaway")
    late = d.s.buy(BTC.id, "0.1")
    for _ in range(50):
        d.quote(100.0, 100.1, at=d.now + 100 * MILLISECOND)
    assert resting.status is OrderStatus.CANCELED
    assert_denied(d, late, "HALTED")
    assert d.position("s") == 0 and d.position("other") == 0
    assert d.h.portfolio.position(BTC.id).quantity == 0
    assert d.h.engine.cache.open_orders == {}
    assert d.risk.state() is TradingState.HALTED
    assert [(h.cause, h.scope) for h in d.risk.halts] == [("kill", "global")]
    assert d.risk.enable() is TradingState.ENABLED
    assert d.s.buy(BTC.id, "0.1").status is OrderStatus.SUBMITTED
    return d, in_flight.status is OrderStatus.CANCELED


def test_kill_switch_halts_cancels_and_flattens_even_with_orders_in_flight() -> None:
    canceled = 0
    for seed in range(8):
        d, canceled_in_flight = _kill_with_orders_in_flight(seed)
        closes = [o for o in d.h.engine.cache.orders.values() if "close_all" in o.tags]
        if canceled_in_flight:
            # close_all does not count a market order it has asked to cancel, so one close
            # per strategy is enough even when the cancel wins the race
            assert len(closes) == 2
            canceled += 1
    assert canceled, "no seed canceled the in-flight order: pick seeds that do"


def test_close_all_filters_reach_the_engine_commands() -> None:
    d = Desk(RiskConfig(), strategies=["s", "other"])
    d.s.buy(BTC.id, "0.2")
    d.traders["other"].buy(BTC.id, "0.3")
    d.s.buy(BTC.id, "0.1", price="90")
    d.quote(100.0, 100.1)
    assert len(d.risk.cancel_all(strategy_id="other")) == 0
    assert len(d.risk.cancel_all(strategy_id="s")) == 1
    d.risk.close_all(strategy_id="other")
    d.quote(100.0, 100.1)
    assert d.position("other") == 0
    assert d.position("s") == Decimal("0.2")


def test_close_all_tries_a_remnant_below_the_minimum_notional() -> None:
    d = Desk(RiskConfig(), instruments=[instrument("BTCUSDT", min_notional="10")])
    d.s.buy(BTC.id, "0.15")
    d.quote(100.0, 100.1)
    d.s.sell(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    too_small = d.s.sell(BTC.id, "0.05")  # 5 USDT: below the minimum for an order of its own
    d.risk.kill()
    d.quote(100.0, 100.1)
    assert too_small.reason == "BELOW_MIN_NOTIONAL"
    assert d.position() == 0
