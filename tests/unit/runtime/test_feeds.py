"""Shared data feeds: one MockDataClient serves every strategy, subscriptions aggregated."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest

from tradewind.errors import ConfigError, InstrumentError
from tradewind.model.data import QuoteTick, TradeTick
from tradewind.model.events import TimeEvent
from tradewind.model.identifiers import InstrumentId
from tradewind.runtime.feeds import MockDataClient, SubscriptionHub
from tradewind.runtime.live import paper_engine
from tradewind.testing import RecordingStrategy, instrument
from tradewind.venues.mock.feed import MockFeed

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")
SOL = instrument("SOLUSDT")
BNB = instrument("BNBUSDT", "BINANCE")


class CountingClient(MockDataClient):
    """A MockDataClient that also keeps every call it heard."""

    def __init__(self, feed: MockFeed) -> None:
        super().__init__(feed)
        self.calls: list[tuple[str, str, InstrumentId]] = []

    def subscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        self.calls.append(("subscribe", kind, instrument_id))
        super().subscribe(kind, instrument_id)

    def unsubscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        self.calls.append(("unsubscribe", kind, instrument_id))
        super().unsubscribe(kind, instrument_id)


def test_the_client_hears_of_an_instrument_once_and_of_its_end_when_the_last_leaves() -> None:
    rig = paper_engine([BTC, ETH, SOL])
    a = RecordingStrategy([BTC.id], strategy_id="a")
    rig.engine.add_strategy(a)
    feed = MockFeed([BTC, ETH, SOL], clock=rig.clock)
    client = CountingClient(feed)
    hub = SubscriptionHub(rig.engine, {"SIM": client})
    first = RecordingStrategy([BTC.id], kinds=("quotes", "trades"), strategy_id="first")
    second = RecordingStrategy([BTC.id, ETH.id], strategy_id="second")
    rig.engine.add_strategy(first)
    rig.engine.add_strategy(second)
    rig.engine.start()

    assert client.calls == [
        ("subscribe", "quotes", BTC.id),
        ("subscribe", "trades", BTC.id),
        ("subscribe", "quotes", ETH.id),
    ]
    assert feed.subscriptions == {BTC.id, ETH.id}
    second.unsubscribe("quotes", BTC.id)  # "first" and "a" still want BTC quotes
    first.unsubscribe("quotes", BTC.id)
    assert client.calls[3:] == []
    first.unsubscribe("trades", BTC.id)  # the last trades subscriber of BTC
    assert client.calls[3:] == [("unsubscribe", "trades", BTC.id)]
    assert feed.subscriptions == {BTC.id, ETH.id}  # BTC quotes are still wanted
    a.unsubscribe("quotes", BTC.id)
    assert client.calls[4:] == [("unsubscribe", "quotes", BTC.id)]
    assert feed.subscriptions == {ETH.id}
    assert hub.subscriptions("SIM") == [("quotes", ETH.id)]
    assert hub.stats() == {"SIM": {"subscribe": 3, "unsubscribe": 2, "held": 1}}


class Taker(RecordingStrategy):
    """Records its callbacks; at its ``after``-th quote, or at an alarm, subscribes to more."""

    def __init__(
        self,
        instruments: Sequence[str],
        strategy_id: str,
        *,
        later: str,
        after_quotes: int | None = None,
        alarm_s: float | None = None,
    ) -> None:
        super().__init__(instruments, kinds=("quotes", "trades"), strategy_id=strategy_id)
        self.later = later
        self.after_quotes = after_quotes
        self.alarm_s = alarm_s
        self.added_at: int | None = None

    def on_start(self) -> None:
        super().on_start()
        if self.alarm_s is not None:
            self.set_alarm("more", self.now_ns + int(self.alarm_s * 1e9))

    def on_quote(self, quote: QuoteTick) -> None:
        super().on_quote(quote)
        if self.after_quotes is not None and len(self.of("quote")) == self.after_quotes:
            self._add()

    def on_timer(self, event: TimeEvent) -> None:
        super().on_timer(event)
        self._add()

    def _add(self) -> None:
        if self.added_at is None:
            self.added_at = self.now_ns
            self.subscribe_quotes(self.later)

    def instruments_seen(self, kind: str) -> set[InstrumentId]:
        return {c.event.instrument_id for c in self.of(kind)}  # type: ignore[union-attr]

    def quotes_of(self, iid: str) -> list[QuoteTick]:
        return [
            c.event
            for c in self.of("quote")
            if isinstance(c.event, QuoteTick) and c.event.instrument_id == iid
        ]


async def test_two_strategies_share_one_mock_client_live_and_a_new_subscription_streams() -> None:
    rig = paper_engine([BTC, ETH, SOL])
    feed = MockFeed([BTC, ETH, SOL], rate_hz=400, seed=3, clock=rig.clock, trade_probability=0.5)
    client = CountingClient(feed)
    hub = SubscriptionHub(rig.engine, {"SIM": client})
    btc = Taker([BTC.id], "btc", later=SOL.id, alarm_s=0.05)  # SOL from a timer
    eth = Taker([ETH.id], "eth", later=SOL.id, after_quotes=10)  # SOL from on_quote
    rig.engine.add_strategy(btc)
    rig.engine.add_strategy(eth)

    runner = asyncio.create_task(rig.driver.run())
    streaming = asyncio.create_task(client.run(rig.driver.put))
    deadline = time.monotonic() + 0.9
    while time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        if min(len(btc.quotes_of(SOL.id)), len(eth.quotes_of(SOL.id))) >= 5:
            break
    streaming.cancel()
    with pytest.raises(asyncio.CancelledError):
        await streaming
    rig.driver.stop()
    await asyncio.wait_for(runner, 2)

    # each strategy got only its own instruments, quotes and trades alike
    assert btc.instruments_seen("quote") == {BTC.id, SOL.id}
    assert btc.instruments_seen("trade") == {BTC.id}
    assert eth.instruments_seen("quote") == {ETH.id, SOL.id}
    assert eth.instruments_seen("trade") == {ETH.id}
    # the one added while running streams to both, and only from when it was added
    for taker in (btc, eth):
        sol = taker.quotes_of(SOL.id)
        assert len(sol) >= 5
        assert taker.added_at is not None and sol[0].ts_init >= taker.added_at
    # the client heard of SOL once, for two subscribers
    assert client.calls.count(("subscribe", "quotes", SOL.id)) == 1
    assert [c for c in client.calls if c[0] == "unsubscribe"] == []
    assert hub.subscriptions("SIM") == [
        ("quotes", BTC.id),
        ("quotes", ETH.id),
        ("quotes", SOL.id),
        ("trades", BTC.id),
        ("trades", ETH.id),
    ]
    assert feed.subscriptions == {BTC.id, ETH.id, SOL.id}
    assert rig.driver.stats()["dropped"] == 0


def test_a_subscription_on_a_venue_without_a_data_client_is_one_clear_line() -> None:
    rig = paper_engine([BTC, BNB])
    SubscriptionHub(rig.engine, {"SIM": MockDataClient(MockFeed([BTC]))})
    rig.engine.add_strategy(RecordingStrategy([BNB.id]))
    with pytest.raises(ConfigError) as info:
        rig.engine.start()
    message = str(info.value)
    assert "\n" not in message
    assert "no data client for venue 'BINANCE'" in message
    assert "BNBUSDT.BINANCE" in message and "add a data client for BINANCE" in message


def test_a_hub_added_after_subscriptions_hears_of_them_and_refuses_a_missing_venue() -> None:
    rig = paper_engine([BTC, BNB])
    rig.engine.add_strategy(RecordingStrategy([BTC.id, BNB.id]))
    rig.engine.start()
    client = CountingClient(MockFeed([BTC]))
    with pytest.raises(ConfigError, match="no data client for venue 'BINANCE'"):
        SubscriptionHub(rig.engine, {"SIM": client})
    assert client.calls == [("subscribe", "quotes", BTC.id)]


def test_bars_keep_the_instrument_streaming_and_other_kinds_or_instruments_are_refused() -> None:
    feed = MockFeed([BTC, ETH])
    client = MockDataClient(feed)
    assert client.venue == "SIM"
    client.subscribe("bars", BTC.id)
    assert feed.subscriptions == {BTC.id}
    events = list(feed.events(20))
    assert {type(e) for e in events} <= {QuoteTick, TradeTick}
    client.unsubscribe("bars", BTC.id)
    assert feed.subscriptions == frozenset()
    with pytest.raises(ConfigError, match="unknown data kind 'book'"):
        client.subscribe("book", BTC.id)
    with pytest.raises(InstrumentError, match=r"unknown instrument 'SOLUSDT\.SIM'"):
        client.subscribe("quotes", InstrumentId(SOL.id))
    client.unsubscribe("quotes", InstrumentId(SOL.id))  # nothing held: nothing to do


def test_a_feed_across_venues_or_a_client_under_another_venue_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="venues BINANCE, SIM"):
        MockDataClient(MockFeed([BTC, BNB]))
    rig = paper_engine([BTC])
    with pytest.raises(ConfigError, match="key each client by its own venue"):
        SubscriptionHub(rig.engine, {"BINANCE": MockDataClient(MockFeed([BTC]))})
