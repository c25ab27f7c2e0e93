"""Engine.process: state before publish, routing by subscription, timers, reports, determinism."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.errors import StrategyError
from tradewind.model import (
    Bar,
    Fill,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderStatus,
    QuoteTick,
    TradeTick,
)
from tradewind.model.identifiers import ClientOrderId
from tradewind.testing import (
    SECOND,
    T0,
    Callback,
    EngineHarness,
    RecordingStrategy,
    ScriptedStrategy,
    bar,
    fill,
    instrument,
    quote,
    trade,
)
from tradewind.venues.simulated import LatencyModel

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")
B, E = BTC.id, ETH.id


def harness(**kw: object) -> EngineHarness:
    return EngineHarness([BTC, ETH], start_ns=T0, **kw)  # type: ignore[arg-type]


def one_of_each(iid: str, ts: int) -> list[QuoteTick | TradeTick | Bar]:
    return [
        quote(iid, 100.00, 100.01, ts),
        trade(iid, 100.01, ts + 1),
        bar(iid, 100.0, 101.0, 99.0, 100.5, ts + 2),
    ]


# ----------------------------------------------------------------- state first
def test_the_cache_holds_the_event_before_a_strategy_sees_it() -> None:
    h = harness()
    seen: list[bool] = []

    def script(s: ScriptedStrategy, call: Callback) -> None:
        cache = s.engine.cache
        if call.kind == "quote":
            seen.append(s.last_quote(B) is call.event)
        elif call.kind == "trade":
            seen.append(cache.trades[B] is call.event)
        elif call.kind == "bar":
            seen.append(cache.bars[B] is call.event)

    h.add_strategy(ScriptedStrategy(script, [B], kinds=("quotes", "trades", "bars")))
    h.start()
    h.feed(*one_of_each(B, T0 + SECOND), quote(B, 100.02, 100.03, T0 + 2 * SECOND))
    assert seen == [True, True, True, True]


def test_a_fill_caused_by_an_event_is_booked_before_the_strategy_sees_that_event() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 1:
            s.submit_limit(B, "BUY", "0.5", "99.00")

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(quote(B, 99.50, 100.00, T0 + 1), quote(B, 98.50, 99.00, T0 + 2))
    kinds = [c.kind for c in s.calls if c.kind != "order"]
    assert kinds == ["start", "quote", "fill", "quote"]
    second_quote = s.of("quote")[1]
    assert second_quote.position == Decimal("0.5")
    assert h.portfolio.position(B).quantity == Decimal("0.5")


# ------------------------------------------------------------------ routing
def test_each_strategy_receives_only_the_instruments_and_kinds_it_subscribed_to() -> None:
    h = harness()

    def subscribe(pairs: list[tuple[str, str]]) -> ScriptedStrategy:
        def script(s: ScriptedStrategy, call: Callback) -> None:
            if call.kind == "start":
                for kind, iid in pairs:
                    s.subscribe(kind, iid)

        return ScriptedStrategy(script, kinds=(), strategy_id=f"s{len(pairs)}{pairs[0][0]}")

    a = subscribe([("quotes", B), ("bars", E)])
    b = subscribe([("trades", B), ("quotes", E), ("bars", E)])
    h.add_strategy(a)
    h.add_strategy(b)
    h.start()
    h.feed(*one_of_each(B, T0 + SECOND), *one_of_each(E, T0 + 2 * SECOND))

    def got(s: RecordingStrategy) -> list[tuple[str, str]]:
        return [(c.kind, c.event.instrument_id) for c in s.calls if c.kind != "start"]  # type: ignore[union-attr]

    assert got(a) == [("quote", B), ("bar", E)]
    assert got(b) == [("trade", B), ("quote", E), ("bar", E)]
    assert h.engine.subscribers("quotes", B) == 1
    assert h.engine.subscribers("trades", E) == 0


def test_unsubscribing_stops_delivery() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 2:
            s.unsubscribe("quotes", B)

    s = h.add_strategy(ScriptedStrategy(script, [B, E]))
    h.start()
    h.feed(*(quote(iid, 100.0, 100.01, T0 + k) for k in range(1, 5) for iid in (B, E)))
    delivered = [c.event.instrument_id for c in s.of("quote")]  # type: ignore[union-attr]
    assert delivered == [B, E, E, E, E]


def test_subscribing_twice_delivers_once() -> None:
    h = harness()
    s = RecordingStrategy([B])
    h.add_strategy(s)
    h.start()
    s.subscribe_quotes(B)
    h.feed(quote(B, 100.0, 100.01, T0 + 1))
    assert len(s.of("quote")) == 1


def test_two_strategies_with_the_same_id_are_refused() -> None:
    h = harness()
    h.add_strategy(RecordingStrategy([B], strategy_id="twin"))
    with pytest.raises(StrategyError, match="'twin'"):
        h.add_strategy(RecordingStrategy([E], strategy_id="twin"))
    assert list(h.engine.strategies) == ["twin"]


# ------------------------------------------------------------------- timers
def test_timers_fire_in_time_order_between_data_events_at_their_own_time() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_timer("every-second", SECOND, stop_ns=T0 + 3 * SECOND)
            s.set_alarm("once", T0 + 2 * SECOND + 500)

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(
        quote(B, 100.0, 100.01, T0 + SECOND // 2),
        quote(B, 100.0, 100.01, T0 + 2 * SECOND),  # same time as a timer: the timer goes first
        quote(B, 100.0, 100.01, T0 + 5 * SECOND),
        quote(B, 100.0, 100.01, T0 + 9 * SECOND),
    )
    timeline = [
        (c.kind, getattr(c.event, "name", None), c.ts_init, c.now_ns)
        for c in s.calls
        if c.kind in ("quote", "timer")
    ]
    assert timeline == [
        ("quote", None, T0 + SECOND // 2, T0 + SECOND // 2),
        ("timer", "every-second", T0 + SECOND, T0 + SECOND),
        ("timer", "every-second", T0 + 2 * SECOND, T0 + 2 * SECOND),
        ("quote", None, T0 + 2 * SECOND, T0 + 2 * SECOND),
        ("timer", "once", T0 + 2 * SECOND + 500, T0 + 2 * SECOND + 500),
        ("timer", "every-second", T0 + 3 * SECOND, T0 + 3 * SECOND),
        ("quote", None, T0 + 5 * SECOND, T0 + 5 * SECOND),
        ("quote", None, T0 + 9 * SECOND, T0 + 9 * SECOND),
    ]
    for c in s.of("timer"):
        assert c.now_ns == c.event.ts_event  # type: ignore[union-attr]


def test_a_canceled_timer_stops_firing() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_timer("tick", SECOND)
        if call.kind == "timer" and len(s.of("timer")) == 2:
            s.cancel_timer("tick")

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(quote(B, 100.0, 100.01, T0 + 10 * SECOND))
    assert [c.now_ns for c in s.of("timer")] == [T0 + SECOND, T0 + 2 * SECOND]


def test_no_callback_ever_sees_an_event_from_the_clocks_future() -> None:
    h = harness(latency=LatencyModel(fixed_ns=250_000_000, jitter_ns=100_000_000, seed=7))

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_timer("t", 700_000_000)
        if call.kind == "quote" and len(s.of("quote")) % 3 == 1:
            s.submit_market(B, "BUY" if len(s.of("quote")) % 2 else "SELL", "0.010")
        if call.kind == "timer":
            for order in s.open_orders():
                s.cancel(order)
            s.submit_limit(B, "BUY", "0.010", "99.00")

    s = h.add_strategy(ScriptedStrategy(script, [B, E], kinds=("quotes", "trades")))
    h.start()
    events: list[QuoteTick | TradeTick] = []
    for k in range(40):
        ts = T0 + k * 300_000_000
        events.append(quote(B, 99.0 + (k % 5) * 0.01, 99.01 + (k % 5) * 0.01, ts))
        events.append(trade(E, 50.0, ts + 1))
    h.feed(*events)
    assert {c.kind for c in s.calls} >= {"quote", "trade", "timer", "order", "fill"}
    for c in s.calls:
        if c.ts_init is not None:
            assert c.now_ns >= c.ts_init, c


def test_the_same_events_through_two_fresh_harnesses_give_identical_fills() -> None:
    def run() -> tuple[list[Fill], list[object]]:
        h = harness(latency=LatencyModel(fixed_ns=1_000, jitter_ns=400_000_000, seed=3))

        def script(s: ScriptedStrategy, call: Callback) -> None:
            n = len(s.of("quote"))
            if call.kind == "quote" and n % 4 == 1:
                s.submit_market(B, "BUY" if n % 8 == 1 else "SELL", "3.000")
            if call.kind == "quote" and n % 4 == 3:
                s.submit_limit(B, "BUY", "1.000", f"{99.00 + (n % 3) * 0.01:.2f}")

        h.add_strategy(ScriptedStrategy(script, [B]))
        h.start()
        h.feed(
            *(
                quote(
                    B,
                    99.0 + (k % 7) * 0.01,
                    99.02 + (k % 5) * 0.01,
                    T0 + k * SECOND // 10,
                    bid_size=1.0 + k % 3,
                    ask_size=2.0 + k % 2,
                )
                for k in range(200)
            )
        )
        return h.fills, h.reports()

    fills_a, reports_a = run()
    fills_b, reports_b = run()
    assert len(fills_a) > 20
    assert fills_a == fills_b
    assert reports_a == reports_b


# ----------------------------------------------------------- illegal reports
def test_a_fill_for_an_unknown_order_is_counted_and_not_booked() -> None:
    h = harness()
    h.start()
    h.engine.process(fill(B, "BUY", "1.000", "100.00", ts=T0, client_order_id="NOPE-1"))
    assert h.engine.illegal_reports == 1
    assert h.portfolio.fills == 0
    assert h.portfolio.position(B).is_flat


def test_an_overfill_is_counted_and_not_booked() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 1:
            s.submit_market(B, "BUY", "1.000")

    h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(quote(B, 100.00, 100.01, T0 + 1))
    order = h.order("O-000001")
    assert order.status is OrderStatus.FILLED
    extra = fill(B, "BUY", "0.001", "100.01", ts=T0 + 2, client_order_id="O-000001")
    h.engine.process(extra)
    assert h.engine.illegal_reports == 1
    assert order.filled_quantity == Decimal("1.000")
    assert h.portfolio.position(B).quantity == Decimal("1.000")
    assert h.portfolio.fills == 1


def test_a_status_report_for_a_closed_order_is_counted_and_not_applied() -> None:
    h = harness()
    seen: list[str] = []

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 1:
            s.submit_market(B, "BUY", "1.000")
        if call.kind == "order":
            seen.append(type(call.event).__name__)

    h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(quote(B, 100.00, 100.01, T0 + 1))
    coid = ClientOrderId("O-000001")
    h.engine.process(OrderCanceled(coid, "late", T0 + 2, T0 + 2))
    h.engine.process(OrderAccepted(coid, "V", T0 + 3, T0 + 3))
    assert h.engine.illegal_reports == 2
    assert h.order(coid).status is OrderStatus.FILLED
    assert seen == ["OrderAccepted"]


def test_a_pre_trade_check_denial_reaches_the_strategy_and_the_order_never_leaves() -> None:
    h = harness()

    def too_big(order: Order, engine: object) -> OrderDenied | None:
        if order.quantity > 1:
            return OrderDenied(order.client_order_id, "MAX_SIZE", "too big", 0, 0)
        return None

    h.engine.add_pre_trade_check(too_big)

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "quote" and len(s.of("quote")) == 1:
            s.submit_market(B, "BUY", "2.000")
            s.submit_market(B, "BUY", "0.500")

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(quote(B, 100.00, 100.01, T0 + 1), quote(B, 100.00, 100.01, T0 + 2))
    denied, passed = h.order("O-000001"), h.order("O-000002")
    assert denied.status is OrderStatus.DENIED and denied.reason == "MAX_SIZE"
    assert passed.status is OrderStatus.FILLED
    assert [f.client_order_id for f in h.fills] == ["O-000002"]
    assert (OrderStatus.DENIED, "O-000001") in [
        (c.status, c.event.client_order_id)  # type: ignore[union-attr]
        for c in s.of("order")
    ]
    assert "O-000001" not in h.engine.cache.open_orders


def test_the_harness_fires_due_timers_when_advanced_without_data() -> None:
    h = harness()

    def script(s: ScriptedStrategy, call: Callback) -> None:
        if call.kind == "start":
            s.set_alarm("wake", T0 + 3 * SECOND)

    s = h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.advance_to(T0 + 2 * SECOND)
    assert s.of("timer") == []
    h.advance_to(T0 + 5 * SECOND)
    assert [c.now_ns for c in s.of("timer")] == [T0 + 3 * SECOND]
    assert h.clock.now_ns == T0 + 5 * SECOND
