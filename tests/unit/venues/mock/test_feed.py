"""MockFeed: grid-aligned, deterministic, subscription-aware quotes and trades."""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from decimal import Decimal

import pytest

from tradewind.errors import ConfigError, InstrumentError
from tradewind.model import Instrument, QuoteTick, TradeTick
from tradewind.venues.mock import MockFeed
from tradewind.venues.mock.feed import SECONDS_PER_YEAR

BTC = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001", min_quantity="0.005")
ETH = Instrument.spot("ETHUSDT", tick_size="0.05", lot_size="0.01")
SOL = Instrument.spot("SOLUSDT", tick_size="0.001", lot_size="1")


def _feed(**kw: object) -> MockFeed:
    kw.setdefault("start_prices", {BTC.id: 30_000.0, ETH.id: 2_000.0, SOL.id: 0.02})
    feed = MockFeed([BTC, ETH, SOL], **kw)  # type: ignore[arg-type]
    for inst in (BTC, ETH, SOL):
        feed.subscribe(inst.id)
    return feed


def _on_grid(value: float, step: Decimal) -> bool:
    return Decimal(repr(value)) % step == 0


GRID = {i.id: i for i in (BTC, ETH, SOL)}


def test_prices_stay_on_the_tick_grid_and_bid_is_below_ask() -> None:
    # SOL starts at 20 ticks with high volatility: the walk hugs the floor and must stay > 0
    events = list(_feed(volatility=50.0, rate_hz=1.0).events(6_000))
    quotes = [e for e in events if isinstance(e, QuoteTick)]
    trades = [e for e in events if isinstance(e, TradeTick)]
    assert quotes and trades
    for q in quotes:
        tick = GRID[q.instrument_id].tick_size
        assert _on_grid(q.bid, tick) and _on_grid(q.ask, tick), q
        assert 0 < q.bid < q.ask
        assert round((q.ask - q.bid) / float(tick)) in (1, 2), q
    for t in trades:
        assert _on_grid(t.price, GRID[t.instrument_id].tick_size), t


def test_sizes_are_on_the_lot_grid_positive_and_at_least_the_minimum() -> None:
    events = list(_feed().events(3_000))
    for e in events:
        inst = GRID[e.instrument_id]
        sizes = [e.bid_size, e.ask_size] if isinstance(e, QuoteTick) else [e.size]
        for size in sizes:
            assert size > 0 and _on_grid(size, inst.lot_size), e
            assert Decimal(repr(size)) >= inst.min_quantity, e


def test_trades_print_at_the_bid_or_ask_with_matching_aggressor_and_unique_ids() -> None:
    events = list(_feed().events(3_000))
    last: dict[str, QuoteTick] = {}
    ids = []
    for e in events:
        if isinstance(e, QuoteTick):
            last[e.instrument_id] = e
            continue
        q = last[e.instrument_id]
        assert e.ts_event == q.ts_event
        assert (e.aggressor, e.price) in {("BUY", q.ask), ("SELL", q.bid)}, (e, q)
        ids.append(e.trade_id)
    assert len(ids) > 100
    assert len(set(ids)) == len(ids)


def test_the_same_seed_gives_identical_events_and_a_different_seed_does_not() -> None:
    a = list(_feed(seed=7).events(500))
    b = list(_feed(seed=7).events(500))
    c = list(_feed(seed=8).events(500))
    assert a == b
    assert a != c


def test_events_are_the_same_however_the_stream_is_chunked_and_ignore_wall_time() -> None:
    whole = list(_feed(seed=3).events(301))
    feed = _feed(seed=3)
    chunked = list(feed.events(1)) + list(feed.events(100))
    time.sleep(0.01)
    chunked += list(feed.events(200))
    assert chunked == whole


def test_synthetic_timestamps_advance_by_one_period_per_step() -> None:
    feed = _feed(rate_hz=4.0, start_ns=1_000)
    stamps = sorted({e.ts_init for e in feed.events(200)})
    assert stamps[0] == 1_000
    assert all(b - a == 250_000_000 for a, b in itertools.pairwise(stamps))


def test_subscribing_and_unsubscribing_changes_which_instruments_emit() -> None:
    feed = MockFeed([BTC, ETH, SOL], seed=1)
    with pytest.raises(ConfigError, match="subscribe"):
        list(feed.events(1))
    feed.subscribe(BTC.id)
    assert {e.instrument_id for e in feed.events(300)} == {BTC.id}
    feed.subscribe(ETH.id)
    assert {e.instrument_id for e in feed.events(300)} == {BTC.id, ETH.id}
    feed.unsubscribe(BTC.id)
    feed.unsubscribe(BTC.id)  # idempotent
    assert {e.instrument_id for e in feed.events(300)} == {ETH.id}
    assert feed.subscriptions == {ETH.id}
    with pytest.raises(InstrumentError, match="unknown instrument"):
        feed.subscribe("DOGEUSDT.SIM")


def test_what_is_subscribed_does_not_change_an_instruments_prices() -> None:
    only_btc = MockFeed([BTC, ETH], seed=5)
    only_btc.subscribe(BTC.id)
    both = MockFeed([BTC, ETH], seed=5)
    both.subscribe(BTC.id)
    both.subscribe(ETH.id)
    btc_alone = list(only_btc.events(200))
    btc_with_eth = [e for e in both.events(600) if e.instrument_id == BTC.id][:200]
    assert btc_alone == btc_with_eth


def test_bad_configuration_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match="rate_hz"):
        MockFeed([BTC], rate_hz=0)
    with pytest.raises(ConfigError, match="trade_probability"):
        MockFeed([BTC], trade_probability=1.5)
    with pytest.raises(ConfigError, match="start price"):
        MockFeed([BTC], start_prices={BTC.id: -1.0})
    with pytest.raises(ConfigError, match="unknown instruments"):
        MockFeed([BTC], start_prices={"XRPUSDT.SIM": 1.0})


async def test_run_emits_at_the_configured_rate_with_non_decreasing_ts_init() -> None:
    feed = MockFeed([BTC, ETH, SOL], rate_hz=50.0, seed=2)
    feed.subscribe(BTC.id)
    feed.subscribe(ETH.id)
    got: list[object] = []
    before = time.time_ns()
    await asyncio.wait_for(feed.run(got.append, duration=0.3), timeout=2.0)
    after = time.time_ns()
    quotes = [e for e in got if isinstance(e, QuoteTick)]
    for iid in (BTC.id, ETH.id):
        assert 5 <= sum(q.instrument_id == iid for q in quotes) <= 25
    assert not any(q.instrument_id == SOL.id for q in quotes)
    stamps = [e.ts_init for e in got]  # type: ignore[attr-defined]
    assert stamps == sorted(stamps)
    assert before <= stamps[0] and stamps[-1] <= after


async def test_run_stops_on_cancel_and_emits_nothing_afterwards() -> None:
    feed = _feed(rate_hz=100.0)
    got: list[object] = []
    task = asyncio.create_task(feed.run(got.append))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    count = len(got)
    assert count > 0
    await asyncio.sleep(0.05)
    assert len(got) == count


def test_realised_volatility_over_20000_steps_is_near_the_configured_one() -> None:
    fine = Instrument.spot("XYZUSDT", tick_size="0.000001", lot_size="1")
    feed = MockFeed([fine], rate_hz=10.0, volatility=0.35, trade_probability=0.0, seed=11)
    feed.subscribe(fine.id)
    mids = [e.mid for e in feed.events(20_000) if isinstance(e, QuoteTick)]
    assert len(mids) == 20_000
    returns = [math.log(b / a) for a, b in itertools.pairwise(mids)]
    realised = statistics.pstdev(returns) * math.sqrt(10.0 * SECONDS_PER_YEAR)
    assert 0.35 / 1.5 <= realised <= 0.35 * 1.5, realised
