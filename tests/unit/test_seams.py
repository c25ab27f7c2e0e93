"""Seams later drivers plug into: a venue behind the protocol, the live clock, the audit stream."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from tradewind import Engine, HistoricalClock, Instrument, LiveClock, QuoteTick, Strategy
from tradewind.engine.protocols import EventSink
from tradewind.model import Fill, LiquiditySide, Order, OrderAccepted, OrderSide, TimeEvent
from tradewind.model.events import OrderSubmitted
from tradewind.portfolio import Portfolio

BTC = Instrument.spot("BTCUSDT", "REMOTE", tick_size="0.01", lot_size="0.001")


class ScriptedVenue:
    """A venue that is not simulated: it answers every order with an ack and a fill at 100."""

    venue = "REMOTE"

    def __init__(self) -> None:
        self.sent: list[Order] = []
        self.canceled: list[Order] = []
        self._emit: EventSink | None = None

    def connect(self, emit: EventSink) -> None:
        self._emit = emit

    def submit(self, order: Order) -> None:
        assert self._emit is not None
        self.sent.append(order)
        ts = 5
        self._emit(OrderAccepted(order.client_order_id, "V1", ts, ts))
        self._emit(
            Fill(
                order.client_order_id,
                "V1",
                "T1",
                order.instrument_id,
                order.side,
                order.quantity,
                Decimal("100.00"),
                Decimal("0.01"),
                "USDT",
                LiquiditySide.TAKER,
                ts,
                ts,
            )
        )

    def cancel(self, order: Order) -> None:
        self.canceled.append(order)


class BuyOnce(Strategy):
    def on_start(self) -> None:
        self.fills: list[Fill] = []
        self.subscribe_quotes(BTC.id)

    def on_quote(self, quote: QuoteTick) -> None:
        if not self.fills and not self.open_orders():
            self.buy(BTC.id, "0.5")

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)


class Audit:
    def __init__(self, market_data: bool) -> None:
        self.wants_market_data = market_data
        self.events: list[object] = []

    def __call__(self, event: object) -> None:
        self.events.append(event)


def _engine(audit: Audit | None = None) -> tuple[Engine, ScriptedVenue, Portfolio]:
    clock = HistoricalClock()
    engine = Engine(clock, audit=audit)
    venue = ScriptedVenue()
    engine.add_venue(venue)
    engine.add_instrument(BTC)
    portfolio = Portfolio(
        engine.cache, base_currency="USDT", starting_balances={"REMOTE": {"USDT": Decimal(1000)}}
    )
    engine.set_portfolio(portfolio)
    return engine, venue, portfolio


def test_a_venue_behind_the_protocol_gets_orders_and_its_reports_reach_the_portfolio() -> None:
    engine, venue, portfolio = _engine()
    strategy = BuyOnce()
    engine.add_strategy(strategy)
    engine.start()
    engine.process(QuoteTick(BTC.id, 99.0, 101.0, 1.0, 1.0, 1, 1))
    engine.process(QuoteTick(BTC.id, 99.0, 101.0, 1.0, 1.0, 2, 2))
    assert len(venue.sent) == 1
    assert strategy.fills[0].quantity == Decimal("0.5")
    assert portfolio.balance("BTC") == Decimal("0.5")
    assert portfolio.balance("USDT") == Decimal(1000) - Decimal("50.00") - Decimal("0.01")
    assert engine.cache.open_orders == {}


def test_the_audit_stream_sees_submissions_reports_and_fills_but_not_data_unless_asked() -> None:
    audit = Audit(market_data=False)
    engine, _, _ = _engine(audit)
    engine.add_strategy(BuyOnce())
    engine.start()
    engine.process(QuoteTick(BTC.id, 99.0, 101.0, 1.0, 1.0, 1, 1))
    kinds = [type(e).__name__ for e in audit.events]
    assert kinds == ["OrderSubmitted", "OrderAccepted", "Fill"]
    assert isinstance(audit.events[0], OrderSubmitted)
    assert audit.events[0].side is OrderSide.BUY

    with_data = Audit(market_data=True)
    engine, _, _ = _engine(with_data)
    engine.add_strategy(BuyOnce())
    engine.start()
    engine.process(QuoteTick(BTC.id, 99.0, 101.0, 1.0, 1.0, 1, 1))
    assert [type(e).__name__ for e in with_data.events] == [
        "QuoteTick",
        "OrderSubmitted",
        "OrderAccepted",
        "Fill",
    ]


async def test_the_live_clock_fires_timers_into_its_sink_on_wall_time() -> None:
    fired: list[TimeEvent] = []
    clock = LiveClock(fired.append)
    start = time.time_ns()
    clock.set_timer("tick", "strategy:x", 20_000_000)
    clock.set_alarm("once", "strategy:x", start + 30_000_000)
    await asyncio.sleep(0.13)
    clock.cancel("tick", "strategy:x")
    count = sum(1 for e in fired if e.name == "tick")
    await asyncio.sleep(0.05)
    assert 3 <= count <= 7
    assert sum(1 for e in fired if e.name == "tick") == count  # canceled: no more
    once = [e for e in fired if e.name == "once"]
    assert len(once) == 1 and once[0].ts_init >= start + 30_000_000
    assert all(e.owner == "strategy:x" for e in fired)


def test_the_historical_clock_hands_out_alarms_in_time_order_and_never_goes_back() -> None:
    clock = HistoricalClock(0)
    clock.set_alarm("b", "o", 20)
    clock.set_alarm("a", "o", 10)
    clock.set_timer("t", "o", 15, start_ns=15, stop_ns=45)
    seen = []
    while (event := clock.pop_due(50)) is not None:
        seen.append((event.name, event.ts_event))
        assert clock.now_ns == event.ts_event
    assert seen == [("a", 10), ("t", 15), ("b", 20), ("t", 30), ("t", 45)]
    assert clock.pop_due(100) is None
