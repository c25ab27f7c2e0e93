"""MockVenueServer: data per subscription, orders once, an exact ledger, replay after reconnect."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from tradewind.errors import ConfigError
from tradewind.model import Instrument
from tradewind.model.enums import OrderSide, OrderStatus, OrderType
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderUpdated,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId
from tradewind.model.orders import Order
from tradewind.venues.mock import MockVenueServer, RemoteMockVenue
from tradewind.venues.mock import protocol as wire
from tradewind.venues.mock.server import main
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

BTC = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001")
ETH = Instrument.spot("ETHUSDT", tick_size="0.01", lot_size="0.01")
LATENCY_MS = 5
TAKER_BPS = Decimal(5)


def make_server(**kw: object) -> MockVenueServer:
    options: dict[str, object] = {
        "rate_hz": 200.0,
        "seed": 3,
        "fees": FeeModel(maker_bps=Decimal(1), taker_bps=TAKER_BPS),
        "latency": LatencyModel.from_ms(LATENCY_MS),
        "start_prices": {"BTCUSDT": 50_000.0, "ETHUSDT": 2_500.0},
    }
    options.update(kw)
    return MockVenueServer([BTC, ETH], **options)  # type: ignore[arg-type]


@pytest.fixture
async def server() -> AsyncIterator[MockVenueServer]:
    srv = make_server()
    await srv.start()
    yield srv
    await srv.close()


async def until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the loop run until ``condition()`` is true (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the server"
        await asyncio.sleep(0.002)


class Peer:
    """A bare protocol client: sends messages, reads what the server sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, server: MockVenueServer) -> Peer:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        return cls(reader, writer)

    def send(self, *messages: object) -> None:
        for message in messages:
            raw = message if isinstance(message, bytes) else wire.encode(message)  # type: ignore[arg-type]
            self.writer.write(raw)

    async def next(self, *types: type) -> object:
        """The next message of one of ``types`` (others are skipped)."""
        while True:
            line = await asyncio.wait_for(self.reader.readline(), 5.0)
            assert line, "the server closed the connection"
            message = wire.decode_server(line)
            if isinstance(message, types):
                return message

    async def reports_until_welcome(self) -> tuple[list[wire.Report], wire.Welcome]:
        reports: list[wire.Report] = []
        while True:
            message = await self.next(wire.Report, wire.Welcome)
            if isinstance(message, wire.Welcome):
                return reports, message
            reports.append(message)  # type: ignore[arg-type]

    async def events_until(self, done: Callable[[list[object]], bool]) -> list[object]:
        """Order reports (as model events) until ``done(events)``."""
        events: list[object] = []
        while not done(events):
            report = await self.next(wire.Report)
            events.append(wire.report_event(report))  # type: ignore[arg-type]
        return events

    def close(self) -> None:
        self.writer.close()


def market(coid: str, side: str, qty: str, iid: str = BTC.id) -> wire.Submit:
    return wire.Submit(coid, iid, OrderSide(side), OrderType.MARKET, Decimal(qty))


def limit(coid: str, side: str, qty: str, price: str) -> wire.Submit:
    return wire.Submit(coid, BTC.id, OrderSide(side), OrderType.LIMIT, Decimal(qty), Decimal(price))


def filled(coid: str, qty: str) -> Callable[[list[object]], bool]:
    """True once the fills of ``coid`` add up to ``qty``."""

    def done(events: list[object]) -> bool:
        fills = [e for e in events if isinstance(e, Fill) and e.client_order_id == coid]
        return sum((f.quantity for f in fills), Decimal(0)) == Decimal(qty)

    return done


def fills_of(events: list[object]) -> list[Fill]:
    return [e for e in events if isinstance(e, Fill)]


async def test_quotes_and_trades_arrive_only_for_what_the_client_subscribed(
    server: MockVenueServer,
) -> None:
    peer = await Peer.open(server)
    peer.send(wire.Subscribe("quotes", BTC.id))
    first = [await peer.next(wire.Quote, wire.Trade) for _ in range(30)]
    assert {(m.__class__, m.instrument_id) for m in first} == {(wire.Quote, BTC.id)}  # type: ignore[attr-defined]

    peer.send(wire.Subscribe("trades", ETH.id), wire.Unsubscribe("quotes", BTC.id))
    trades = [await peer.next(wire.Trade) for _ in range(3)]
    assert {t.instrument_id for t in trades} == {ETH.id}  # type: ignore[attr-defined]
    later = [await peer.next(wire.Quote, wire.Trade) for _ in range(5)]
    assert {(m.__class__, m.instrument_id) for m in later} == {(wire.Trade, ETH.id)}  # type: ignore[attr-defined]

    # "bars": the mock venue makes none; it streams the quotes and trades to build them from
    peer.send(
        wire.Unsubscribe("trades", ETH.id),
        wire.Subscribe("bars", BTC.id),
        wire.Subscribe("quotes", BTC.id),
    )
    await peer.next(wire.Quote)  # from here on only BTC
    seen: list[object] = []
    while not any(isinstance(m, wire.Trade) for m in seen):
        seen.append(await peer.next(wire.Quote, wire.Trade))
    assert {m.instrument_id for m in seen} == {BTC.id}  # type: ignore[attr-defined]
    quote_times = [m.ts_event for m in seen if isinstance(m, wire.Quote)]
    assert len(quote_times) == len(set(quote_times))  # subscribed twice, sent once
    peer.close()


async def test_a_market_order_is_accepted_then_filled_after_the_latency(
    server: MockVenueServer,
) -> None:
    peer = await Peer.open(server)
    peer.send(wire.Hello(0))
    sent_ns = time.time_ns()
    peer.send(market("O-1", "BUY", "0.002"))
    events = await peer.events_until(filled("O-1", "0.002"))

    accepted = events[0]
    assert isinstance(accepted, OrderAccepted) and accepted.client_order_id == "O-1"
    assert accepted.ts_event >= sent_ns + LATENCY_MS * 1_000_000  # arrived after the latency
    fills = fills_of(events)
    assert all(f.side is OrderSide.BUY and f.fee_currency == "USDT" for f in fills)
    assert all(f.ts_event >= accepted.ts_event for f in fills)
    assert server.ledger.orders[ClientOrderId("O-1")].status is OrderStatus.FILLED
    peer.close()


async def test_the_ledger_after_several_fills_equals_a_hand_computation(
    server: MockVenueServer,
) -> None:
    peer = await Peer.open(server)
    peer.send(wire.Hello(0))
    events: list[object] = []
    for coid, side, qty in (
        ("O-1", "BUY", "0.005"),
        ("O-2", "SELL", "0.002"),
        ("O-3", "BUY", "0.01"),
    ):
        peer.send(market(coid, side, qty))
        events += await peer.events_until(filled(coid, qty))
    fills = fills_of(events)
    assert len(fills) >= 3

    position = Decimal(0)
    usdt = Decimal(100_000)
    for f in fills:
        signed = f.quantity if f.side is OrderSide.BUY else -f.quantity
        assert f.fee == f.quantity * f.price * TAKER_BPS / Decimal(10_000)
        position += signed
        usdt -= signed * f.price + f.fee
    assert position == Decimal("0.013")

    account = await RemoteMockVenue("127.0.0.1", server.port).account(None, ())
    assert account.positions == {BTC.id: position, ETH.id: Decimal(0)}
    assert account.balances == {"USDT": usdt, "BTC": position}
    assert account.fills == tuple(fills)
    assert server.matching.position(BTC.id) == position  # the matching engine agrees
    peer.close()


async def test_a_second_submit_of_a_client_order_id_is_refused_and_counted(
    server: MockVenueServer,
) -> None:
    peer = await Peer.open(server)
    peer.send(wire.Hello(0), market("O-1", "BUY", "0.001"))
    await peer.events_until(filled("O-1", "0.001"))
    peer.send(market("O-1", "BUY", "0.001"))
    refused = wire.report_event(await peer.next(wire.Report))  # type: ignore[arg-type]

    assert isinstance(refused, OrderRejected)
    assert refused.reason.startswith("duplicate client order id O-1")
    stats = server.stats()
    assert (stats["orders_received"], stats["duplicate_submits"]) == (2, 1)
    assert stats["positions"] == {BTC.id: Decimal("0.001")}  # it traded once
    record = server.ledger.orders[ClientOrderId("O-1")]
    assert record.status is OrderStatus.FILLED  # the refusal did not touch the order
    peer.close()


async def test_a_client_back_with_its_last_sequence_gets_what_it_missed_exactly_once(
    server: MockVenueServer,
) -> None:
    first = await Peer.open(server)
    first.send(wire.Hello(0), market("O-1", "BUY", "0.002"))
    seen: list[wire.Report] = []
    while not filled("O-1", "0.002")([wire.report_event(r) for r in seen]):
        seen.append(await first.next(wire.Report))  # type: ignore[arg-type]
    last_seq = seen[-1].seq
    first.close()

    other = await Peer.open(server)  # another connection trades while the first is away
    other.send(market("O-2", "SELL", "0.001"), market("O-3", "BUY", "0.003"))
    await until(lambda: server.stats()["positions"].get(BTC.id) == Decimal("0.004"))

    back = await Peer.open(server)
    back.send(wire.Hello(last_seq))
    missed, welcome = await back.reports_until_welcome()
    assert [r.seq for r in missed] == list(range(last_seq + 1, welcome.last_seq + 1))
    events = [wire.report_event(r) for r in missed]
    assert {e.client_order_id for e in events} == {"O-2", "O-3"}  # type: ignore[attr-defined]
    missed_fills = fills_of(events)
    trade_ids = [f.trade_id for f in missed_fills]
    assert len(trade_ids) == len(set(trade_ids))
    assert {f.trade_id for f in server.ledger.fills} == {
        f.trade_id for f in fills_of([wire.report_event(r) for r in seen])
    } | set(trade_ids)
    assert sum(f.signed_quantity for f in missed_fills) == Decimal("0.002")
    for peer in (other, back):
        peer.close()


async def test_account_has_open_and_asked_orders_positions_balances_and_fills_since(
    server: MockVenueServer,
) -> None:
    peer = await Peer.open(server)
    peer.send(wire.Hello(0), limit("REST", "BUY", "0.001", "40000.00"))
    peer.send(market("BUY-1", "BUY", "0.003"))
    events = await peer.events_until(filled("BUY-1", "0.003"))
    peer.send(market("SELL-1", "SELL", "0.001"))
    events += await peer.events_until(filled("SELL-1", "0.001"))
    sells = [f for f in fills_of(events) if f.client_order_id == "SELL-1"]

    client = RemoteMockVenue("127.0.0.1", server.port)
    asked = (ClientOrderId("BUY-1"), ClientOrderId("NEVER-SENT"))
    account = await client.account(sells[0].ts_event, asked)

    by_id = {r.client_order_id: r for r in account.orders}
    assert set(by_id) == {"REST", "BUY-1"}  # open + asked; never received = absent
    assert by_id["REST"].status is OrderStatus.ACCEPTED
    assert by_id["BUY-1"].status is OrderStatus.FILLED
    assert by_id["BUY-1"].filled_quantity == Decimal("0.003")
    assert account.positions[BTC.id] == Decimal("0.002")
    assert account.balances["BTC"] == Decimal("0.002")
    assert account.fills == tuple(f for f in server.ledger.fills if f.ts_event >= sells[0].ts_event)
    assert {f.client_order_id for f in account.fills} == {"SELL-1"}
    assert client.last_seq == server.stats()["reports"]  # the stream resumes from there
    peer.close()


async def test_an_order_still_in_its_latency_is_reported_submitted_not_absent() -> None:
    srv = make_server(latency=LatencyModel.from_ms(2_000))
    await srv.start()
    try:
        peer = await Peer.open(srv)
        peer.send(market("SLOW", "BUY", "0.001"))
        await until(lambda: srv.stats()["orders_received"] == 1)
        account = await RemoteMockVenue("127.0.0.1", srv.port).account(None, ())
        assert [(r.client_order_id, r.status) for r in account.orders] == [
            ("SLOW", OrderStatus.SUBMITTED)
        ]
        peer.close()
    finally:
        await srv.close()


async def test_queries_cancels_and_amends_by_client_order_id(server: MockVenueServer) -> None:
    peer = await Peer.open(server)
    peer.send(
        wire.Hello(0), market("DONE", "BUY", "0.001"), limit("REST", "BUY", "0.001", "40000.00")
    )
    events = await peer.events_until(filled("DONE", "0.001"))
    await until(lambda: server.ledger.orders[ClientOrderId("REST")].status is OrderStatus.ACCEPTED)

    peer.send(wire.Query("DONE"))
    answer = await peer.events_until(lambda ev: any(isinstance(e, OrderStatusReport) for e in ev))
    assert fills_of(answer) == [f for f in fills_of(events) if f.client_order_id == "DONE"]
    assert answer[-1].status is OrderStatus.FILLED  # type: ignore[attr-defined]
    peer.send(wire.Query("NOPE"))
    assert isinstance(wire.report_event(await peer.next(wire.Report)), OrderNotFound)  # type: ignore[arg-type]
    peer.send(wire.Cancel("NOPE"))
    assert isinstance(wire.report_event(await peer.next(wire.Report)), OrderCancelRejected)  # type: ignore[arg-type]

    peer.send(wire.Modify("REST", Decimal("0.002"), Decimal("40000.01")))
    updated = await peer.events_until(lambda ev: any(isinstance(e, OrderUpdated) for e in ev))
    assert updated[-1].quantity == Decimal("0.002")  # type: ignore[attr-defined]
    peer.send(wire.Cancel("REST"))
    canceled = await peer.events_until(lambda ev: any(isinstance(e, OrderCanceled) for e in ev))
    assert canceled[-1].client_order_id == "REST"  # type: ignore[attr-defined]
    account = await RemoteMockVenue("127.0.0.1", server.port).account(None, ("REST",))  # type: ignore[arg-type]
    [rest] = account.orders
    assert (rest.status, rest.quantity) == (OrderStatus.CANCELED, Decimal("0.002"))
    peer.close()


async def test_orders_the_venue_cannot_take_are_rejected_on_sight(server: MockVenueServer) -> None:
    peer = await Peer.open(server)
    peer.send(
        wire.Hello(0),
        limit("OFF-GRID", "BUY", "0.001", "40000.005"),
        market("UNLISTED", "BUY", "1", iid="DOGEUSDT.SIM"),
        wire.Submit("NAN", BTC.id, OrderSide.BUY, OrderType.MARKET, Decimal("NaN")),
        wire.Submit("NO-PRICE", BTC.id, OrderSide.BUY, OrderType.LIMIT, Decimal("0.001")),
    )
    events = await peer.events_until(lambda ev: len(ev) == 4)
    reasons = {e.client_order_id: e.reason for e in events if isinstance(e, OrderRejected)}  # type: ignore[attr-defined]
    assert "off the tick grid" in reasons["OFF-GRID"]
    assert "not listed" in reasons["UNLISTED"]
    assert "finite" in reasons["NAN"]
    assert "needs a price" in reasons["NO-PRICE"]
    assert server.stats()["open_orders"] == 0
    peer.close()


async def test_a_malformed_line_is_counted_and_answered_and_kills_nothing(
    server: MockVenueServer,
) -> None:
    watcher = await Peer.open(server)
    watcher.send(wire.Subscribe("quotes", BTC.id))
    await watcher.next(wire.Quote)
    peer = await Peer.open(server)
    bad = [
        b"this is not json\n",
        b'{"type":"submit","client_order_id":"X"}\n',
        b'{"type":"teleport"}\n',
        b"\xff\xfe\n",
    ]
    for line in bad:
        peer.send(line)
    errors = [await peer.next(wire.Error) for _ in bad]
    assert "'this is not json'" in errors[0].message  # type: ignore[attr-defined]
    assert '"type":"submit"' in errors[1].message  # type: ignore[attr-defined]
    assert all("\n" not in e.message for e in errors)  # type: ignore[attr-defined]
    assert server.stats()["bad_messages"] == len(bad)

    peer.send(wire.Subscribe("ticks", BTC.id))  # well formed, but a request it cannot take
    refusal = await peer.next(wire.Error)
    assert "unknown data kind 'ticks'" in refusal.message  # type: ignore[attr-defined]
    peer.send(wire.Hello(0), market("O-1", "BUY", "0.001"))
    await peer.events_until(filled("O-1", "0.001"))  # the same connection still trades
    await watcher.next(wire.Quote)  # and the others still get data
    for p in (peer, watcher):
        p.close()


def test_a_server_needs_instruments_on_its_own_venue() -> None:
    with pytest.raises(ConfigError, match="no instrument"):
        MockVenueServer([])
    with pytest.raises(ConfigError, match="is on venue SIM"):
        MockVenueServer([BTC], venue="PAPER")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--instrument", "BTCUSDT"],
        ["--instrument", "BTCUSDT:tick=0.01,lot=0.001", "--price", "BTCUSDT=cheap"],
        ["--instrument", "BTCUSDT:tick=0.01,lot=0.001", "--latency-ms", "-1"],
        ["--bogus"],
    ],
)
def test_bad_arguments_give_one_line_on_stderr_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tradewind mock venue: ")


def test_the_simulated_venue_restores_a_position_for_a_restarted_paper_bot() -> None:
    from tradewind.engine.clock import HistoricalClock

    venue = SimulatedVenue(clock=HistoricalClock())
    venue.add_instrument(BTC)
    venue.restore_position(BTC.id, Decimal("0.25"))
    assert venue.position(BTC.id) == Decimal("0.25")
    with pytest.raises(ConfigError, match="not listed"):
        venue.restore_position(InstrumentId("XRPUSDT.SIM"), Decimal(1))


async def test_as_a_subprocess_it_serves_trades_and_exits_0_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tradewind.venues.mock.server",
        "--port",
        "0",
        "--instrument",
        "BTCUSDT:tick=0.01,lot=0.001",
        "--price",
        "BTCUSDT=50000",
        "--rate-hz",
        "100",
        "--latency-ms",
        "1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        assert line.startswith("tradewind mock venue SIM listening on 127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        client = RemoteMockVenue("127.0.0.1", port)
        events: list[object] = []
        client.connect(events.append)
        runner = asyncio.create_task(client.run(events.append))
        await until(lambda: client.connected)
        client.submit(
            Order(
                ClientOrderId("P-1"),
                StrategyId("s"),
                BTC.id,
                OrderSide.BUY,
                OrderType.MARKET,
                Decimal("0.001"),
            )
        )
        await until(lambda: any(isinstance(e, Fill) for e in events), timeout=10)
        stats = await client.stats()
        assert (stats["orders_received"], stats["fills"]) == (1, 1)
        assert stats["positions"] == {BTC.id: Decimal("0.001")}
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(runner, 5)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
