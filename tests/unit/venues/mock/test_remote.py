"""RemoteMockVenue: local refusals when down, resumed report streams, an engine trading on it."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from tradewind.engine import Engine
from tradewind.engine.clock import LiveClock
from tradewind.errors import ConfigError, TradewindError
from tradewind.execution import install as install_execution
from tradewind.model import Instrument
from tradewind.model.data import QuoteTick
from tradewind.model.enums import OrderSide, OrderStatus, OrderType
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderRejected,
)
from tradewind.model.identifiers import ClientOrderId, StrategyId
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.runtime.live import LiveDriver
from tradewind.testing import ScriptedStrategy, at
from tradewind.venues.mock import MockVenueServer, RemoteMockVenue, VenueConnectionError
from tradewind.venues.mock import protocol as wire
from tradewind.venues.simulated import FeeModel, LatencyModel

BTC = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001")
ETH = Instrument.spot("ETHUSDT", tick_size="0.01", lot_size="0.01")


@pytest.fixture
async def server() -> AsyncIterator[MockVenueServer]:
    srv = MockVenueServer(
        [BTC, ETH],
        rate_hz=200.0,
        seed=11,
        fees=FeeModel(taker_bps=Decimal(5)),
        latency=LatencyModel.from_ms(5),
        start_prices={"BTCUSDT": 50_000.0, "ETHUSDT": 2_500.0},
    )
    await srv.start()
    yield srv
    await srv.close()


async def until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the loop run until ``condition()`` is true (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


def order(coid: str, side: str = "BUY", qty: str = "0.001") -> Order:
    return Order(
        ClientOrderId(coid),
        StrategyId("s"),
        BTC.id,
        OrderSide(side),
        OrderType.MARKET,
        Decimal(qty),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fills(events: list[object]) -> list[Fill]:
    return [e for e in events if isinstance(e, Fill)]


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_while_disconnected_orders_are_refused_locally_and_never_sent_later(
    server: MockVenueServer,
) -> None:
    client = RemoteMockVenue("127.0.0.1", server.port)
    local: list[object] = []
    client.connect(local.append)
    client.submit(order("O-1"))
    client.cancel(order("O-1"))
    client.modify(order("O-1"), quantity=Decimal("0.002"), price=None, trigger_price=None)
    client.query_order(ClientOrderId("O-1"))

    down = f"not connected to mock venue SIM at 127.0.0.1:{server.port}"
    assert [e.__class__ for e in local] == [OrderRejected, OrderCancelRejected, OrderModifyRejected]
    assert [e.reason for e in local] == [  # type: ignore[attr-defined]
        f"{down}: order not sent",
        f"{down}: cancel not sent",
        f"{down}: modify not sent",
    ]
    streamed: list[object] = []
    runner = asyncio.create_task(client.run(streamed.append))
    await until(lambda: client.connected)
    await asyncio.sleep(0.05)  # what could have been queued has had time to arrive
    assert (await client.stats())["orders_received"] == 0  # nothing was sent late
    await stop(runner)
    assert not client.connected


async def test_run_raises_a_one_line_connection_error_when_nothing_listens() -> None:
    port = free_port()
    client = RemoteMockVenue("127.0.0.1", port)
    with pytest.raises(ConnectionError) as caught:
        await client.run(lambda event: None)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "\n" not in message
    assert isinstance(caught.value, TradewindError)
    with pytest.raises(VenueConnectionError, match=re.escape(f"127.0.0.1:{port}")):
        await client.account(None, ())


async def test_when_the_server_goes_away_run_raises_and_leaves_no_writer_behind() -> None:
    srv = MockVenueServer([BTC], rate_hz=200.0, start_prices={"BTCUSDT": 50_000.0})
    await srv.start()
    client = RemoteMockVenue("127.0.0.1", srv.port)
    local: list[object] = []
    client.connect(local.append)
    runner = asyncio.create_task(client.run(lambda event: None))
    await until(lambda: client.connected)
    await srv.close()
    with pytest.raises(ConnectionError, match="closed the connection"):
        await asyncio.wait_for(runner, 5)
    assert not client.connected
    client.submit(order("O-9"))
    assert isinstance(local[0], OrderRejected) and "order not sent" in local[0].reason


async def test_account_and_stats_time_out_naming_the_server() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers
        writer.close()

    mute = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = mute.sockets[0].getsockname()[1]
    client = RemoteMockVenue("127.0.0.1", port, timeout=0.2)
    try:
        with pytest.raises(
            ConnectionError, match=re.escape(f"127.0.0.1:{port}: no answer to AccountRequest")
        ):
            await client.account(None, ())
        with pytest.raises(
            VenueConnectionError, match=re.escape("no answer to StatsRequest within 0.2 s")
        ):
            await client.stats()
    finally:
        mute.close()
        await mute.wait_closed()


async def test_a_reconnected_client_resumes_its_reports_no_fill_twice_none_lost(
    server: MockVenueServer,
) -> None:
    client = RemoteMockVenue("127.0.0.1", server.port)
    client.subscribe("quotes", BTC.id)
    events: list[object] = []
    client.connect(events.append)
    runner = asyncio.create_task(client.run(events.append))
    await until(lambda: client.connected)
    client.submit(order("O-1", qty="0.002"))
    await until(lambda: sum(f.quantity for f in fills(events)) == Decimal("0.002"))
    await stop(runner)  # the connection drops; the venue keeps trading

    other = RemoteMockVenue("127.0.0.1", server.port)
    other_runner = asyncio.create_task(other.run(lambda event: None))
    await until(lambda: other.connected)
    other.submit(order("O-2", "SELL", "0.001"))
    other.submit(order("O-3", "BUY", "0.004"))
    await until(lambda: server.stats()["positions"].get(BTC.id) == Decimal("0.005"))
    quotes_before = sum(isinstance(e, QuoteTick) for e in events)

    runner = asyncio.create_task(client.run(events.append))
    await until(lambda: sum(f.signed_quantity for f in fills(events)) == Decimal("0.005"))
    await until(lambda: sum(isinstance(e, QuoteTick) for e in events) > quotes_before + 3)
    trade_ids = [f.trade_id for f in fills(events)]
    assert len(trade_ids) == len(set(trade_ids))  # not one fill twice
    assert set(trade_ids) == {f.trade_id for f in server.ledger.fills}  # none lost
    acks = [e.client_order_id for e in events if isinstance(e, OrderAccepted)]
    assert sorted(acks) == ["O-1", "O-2", "O-3"]  # each once
    assert client.last_seq == server.stats()["reports"]
    await stop(runner)
    await stop(other_runner)


async def test_a_malformed_line_from_the_server_is_counted_and_the_reader_carries_on() -> None:
    quote = wire.Quote(BTC.id, 100.0, 100.01, 1.0, 2.0, 7)

    async def garbled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()  # the hello
        writer.write(b"{not json\n")
        writer.write(b'{"type":"report","seq":1,"kind":"OrderTeleported","event":{}}\n')
        writer.write(wire.encode(quote))
        await writer.drain()
        writer.close()

    fake = await asyncio.start_server(garbled, "127.0.0.1", 0)
    client = RemoteMockVenue("127.0.0.1", fake.sockets[0].getsockname()[1])
    events: list[object] = []
    try:
        with pytest.raises(ConnectionError, match="closed the connection"):
            await asyncio.wait_for(client.run(events.append), 5)
    finally:
        fake.close()
        await fake.wait_closed()
    assert events == [QuoteTick(BTC.id, 100.0, 100.01, 1.0, 2.0, 7, 7)]
    assert client.bad_messages == 2
    assert client.last_seq == 0  # a report it could not read is not counted as seen


def test_an_unknown_data_kind_is_refused_naming_the_known_ones() -> None:
    client = RemoteMockVenue("127.0.0.1", 1)
    with pytest.raises(ConfigError, match=r"unknown data kind 'ticks'.*quotes, trades, bars"):
        client.subscribe("ticks", BTC.id)
    client.subscribe("trades", BTC.id)
    assert client.subscriptions == {("trades", BTC.id)}


async def test_an_engine_on_the_live_driver_trades_through_the_remote_venue(
    server: MockVenueServer,
) -> None:
    clock = LiveClock()
    engine = Engine(clock)
    driver = LiveDriver(engine)
    clock.bind(driver.put)
    install_execution(engine)
    engine.add_instrument(BTC)
    remote = RemoteMockVenue("127.0.0.1", server.port, clock=clock)
    engine.add_venue(remote)
    portfolio = Portfolio(
        engine.cache, base_currency="USDT", starting_balances={"SIM": {"USDT": Decimal(100_000)}}
    )
    engine.set_portfolio(portfolio)
    engine.add_subscription_listener(
        lambda kind, iid, on: (remote.subscribe if on else remote.unsubscribe)(kind, iid)
    )
    buy = at("quote", 1, lambda s: s.submit_market(BTC.id, "BUY", "0.003"))
    strategy = ScriptedStrategy([buy], [BTC.id])
    engine.add_strategy(strategy)

    data = asyncio.create_task(remote.run(driver.put))
    runner = asyncio.create_task(driver.run())
    await until(lambda: any(o.status is OrderStatus.FILLED for o in engine.cache.orders.values()))
    driver.stop()
    await asyncio.wait_for(runner, 5)
    await stop(data)

    [traded] = engine.cache.orders.values()
    assert traded.filled_quantity == Decimal("0.003")
    assert remote.subscriptions == {("quotes", BTC.id)}
    quotes = [c.event for c in strategy.of("quote")]
    assert quotes and all(q.instrument_id == BTC.id for q in quotes)  # type: ignore[attr-defined]
    assert all(q.ts_init >= q.ts_event for q in quotes)  # type: ignore[attr-defined]
    venue = await remote.account(None, (traded.client_order_id,))
    assert portfolio.position(BTC.id).quantity == venue.positions[BTC.id] == Decimal("0.003")
    assert portfolio.balances("SIM") == venue.balances
    assert [r.status for r in venue.orders] == [OrderStatus.FILLED]
    assert engine.illegal_reports == engine.duplicate_reports == 0
