"""StatePersister: intents durable before they leave, every change journaled, nothing dropped."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.engine.clock import HistoricalClock
from tradewind.engine.engine import Engine
from tradewind.engine.protocols import EventSink, VenueCapabilities
from tradewind.errors import ConfigError
from tradewind.model import OrderStatus
from tradewind.model.events import OrderDenied
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk import RiskConfig
from tradewind.runtime.persistence import StatePersister, fill_from_row, fill_row
from tradewind.store import InMemoryStore, StateStore, StoreError
from tradewind.testing import T0, at

from .restart_kit import BTC, START, RemoteVenue, Stores, Trader, new_run, q

D = Decimal


@pytest.fixture(params=["memory", "sqlite"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    s = Stores(request.param, tmp_path)
    yield s
    s.close_all()


class Recording:
    """A store wrapper that records every write (method, client order id or None)."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.writes: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)
        if not name.startswith(("save_", "update_", "record_")):
            return method

        def write(*args: Any, **kwargs: Any) -> Any:
            first = args[0] if args else None
            if name == "save_order":
                first = first["client_order_id"]
            elif name == "update_order":
                first = (first, kwargs.get("status"))
            elif name == "record_fill":
                first = first["trade_id"]
            self.writes.append((name, first))
            return method(*args, **kwargs)

        return write

    def of(self, name: str) -> list[Any]:
        return [arg for kind, arg in self.writes if kind == name]


class PeekingClient:
    """An execution client that, when asked to submit, looks in the store for the order."""

    venue = "SIM"
    capabilities = VenueCapabilities()

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.seen: list[tuple[str, str | None]] = []

    def connect(self, emit: EventSink) -> None:
        self.emit = emit

    def submit(self, order: Order) -> None:
        rows = {r["client_order_id"]: r for r in self.store.orders()}
        row = rows.get(order.client_order_id)
        self.seen.append((order.client_order_id, None if row is None else row["status"]))

    def cancel(self, order: Order) -> None: ...
    def modify(self, order: Order, **terms: Any) -> None: ...
    def query_order(self, client_order_id: ClientOrderId) -> None: ...


def bare_engine(store: StateStore, client: Any, **kw: Any) -> tuple[Engine, StatePersister]:
    clock = HistoricalClock(T0)
    engine = Engine(clock, order_id_prefix="R1")
    engine.add_venue(client)
    engine.add_instrument(BTC)
    engine.set_portfolio(
        Portfolio(engine.cache, base_currency="USDT", starting_balances={"SIM": START})
    )
    persister = StatePersister(engine, store, **kw)
    persister.attach()
    return engine, persister


def test_an_order_is_journaled_before_the_request_leaves(stores: Stores) -> None:
    store = stores.open()
    client = PeekingClient(store)
    engine, persister = bare_engine(store, client)
    engine.add_strategy(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1", "99.00"))]))
    engine.start()
    engine.process(q("100.00", "100.10", 1))
    assert client.seen == [("R1-000001", "SUBMITTED")]
    assert persister.orders_journaled == 1


def test_every_change_of_an_order_rewrites_its_row(stores: Stores) -> None:
    store = Recording(stores.open())
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    run = new_run(clock, store, venue, "R1")  # type: ignore[arg-type]
    trader = run.add(Trader())
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    bid = trader.submit_limit(BTC.id, "BUY", "0.3", "99.00")
    run.feed(q("98.90", "99.00", 2, ask_size=0.1))  # fills 0.1 of it
    assert run.engine.modify_order(bid, price=D("98.50"), quantity=D("0.4"))
    run.feed(q("99.00", "99.10", 3))  # the venue's answer is processed
    run.engine.cancel_order(bid)
    run.feed(q("99.00", "99.10", 4))
    gtd = trader.submit_limit(
        BTC.id, "SELL", "0.1", "110.00", time_in_force="GTD", expire_time_ns=T0 + 10**9
    )
    crossing = trader.submit_limit(BTC.id, "SELL", "0.1", "98.00", post_only=True)
    run.feed(q("99.00", "99.10", 1000))  # past the GTD expiry

    def statuses(coid: str) -> list[str]:
        return [s for c, s in store.of("update_order") if c == coid]

    assert statuses(bid.client_order_id) == [
        "ACCEPTED",
        "PARTIALLY_FILLED",
        "PENDING_UPDATE",
        "PARTIALLY_FILLED",  # the venue applied the amend
        "PENDING_CANCEL",
        "CANCELED",
    ]
    assert statuses(gtd.client_order_id) == ["ACCEPTED", "EXPIRED"]
    assert statuses(crossing.client_order_id) == ["REJECTED"]
    assert store.of("save_order") == [
        bid.client_order_id,
        gtd.client_order_id,
        crossing.client_order_id,
    ]
    rows = {r["client_order_id"]: r for r in store.orders()}
    for order in (bid, gtd, crossing):
        assert Order.from_row(rows[order.client_order_id]).to_row() == order.to_row()
    back = Order.from_row(rows[bid.client_order_id])
    assert (back.quantity, back.price, back.venue_order_id) == (D("0.4"), D("98.50"), "SIM-1")
    assert back.filled_quantity == D("0.1") and back.filled_notional == D("9.900")
    assert rows[crossing.client_order_id]["reason"] == "post-only order would take liquidity"


def test_orders_denied_before_they_leave_are_not_journaled(stores: Stores) -> None:
    store = stores.open()
    clock = HistoricalClock(T0)
    run = new_run(clock, store, RemoteVenue(clock), "R1", risk=RiskConfig(max_order_notional=50))
    trader = run.add(Trader())
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    small = trader.buy(BTC.id, "0.1", "99.00")
    big = trader.buy(BTC.id, "1", "99.00")
    run.feed(q("100.00", "100.10", 2))
    assert big.status is OrderStatus.DENIED
    assert [c.event.reason for c in trader.of("order") if isinstance(c.event, OrderDenied)] == [
        "MAX_ORDER_NOTIONAL"
    ]
    assert [r["client_order_id"] for r in store.orders()] == [small.client_order_id]


def test_fills_are_recorded_once_with_their_venue_and_the_positions_follow(
    stores: Stores,
) -> None:
    store = stores.open()
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    run = new_run(clock, store, venue, "R1")
    trader = run.add(Trader())
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    trader.buy(BTC.id, "0.3")
    trader.sell(BTC.id, "0.1")
    run.feed(q("100.00", "100.10", 2))
    run.engine.query_order(run.order("R1-000001"))  # the venue re-sends its fill
    run.feed(q("100.00", "100.10", 3))
    assert run.engine.duplicate_reports == 1
    fills = store.fills()
    assert [(f["venue"], f["client_order_id"]) for f in fills] == [
        ("SIM", "R1-000001"),
        ("SIM", "R1-000002"),
    ]
    assert [fill_from_row(f) for f in fills] == venue.fills
    assert run.persister.fills_recorded == 2
    snapshot = store.positions()
    net, own = snapshot
    position = run.portfolio.position(BTC.id)
    assert (net["strategy_id"], own["strategy_id"]) == (None, "trader")
    assert net["quantity"] == position.quantity == D("0.2")
    assert net["realized_pnl"] == str(position.realized_pnl)
    assert net["fees"] == position.fees and net["trades"] == 2


def test_fill_rows_read_back_into_the_same_fill() -> None:
    store = InMemoryStore()
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    run = new_run(clock, store, venue, "R1")
    run.add(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.123"))]))
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    (fill,) = venue.fills
    assert fill_from_row(fill_row(fill, "SIM")) == fill
    assert fill_from_row(store.fills()[0]) == fill


def test_the_risk_state_is_saved_when_it_changes_and_only_then(stores: Stores) -> None:
    store = Recording(stores.open())
    clock = HistoricalClock(T0)
    run = new_run(clock, store, RemoteVenue(clock), "R1", risk=RiskConfig())  # type: ignore[arg-type]
    risk = run.risk
    assert risk is not None
    run.engine.start()
    risk.halt("operator", strategy_id="trader")
    risk.halt("operator", strategy_id="trader")  # nothing new
    assert len(store.of("save_risk_state")) == 1
    saved = store.risk_state()
    assert saved["restrictions"] == [
        {
            "scope": "trader",
            "key": "manual",
            "state": "halted",
            "code": "HALTED",
            "cause": "manual",
            "message": "operator",
        }
    ]
    risk.enable("trader")
    assert len(store.of("save_risk_state")) == 2
    assert store.risk_state()["restrictions"] == []
    assert store.risk_state()["halts"][0]["scope"] == "strategy:trader"


def test_strategy_state_is_saved_and_given_back_for_the_strategies_that_keep_some(
    stores: Stores,
) -> None:
    store = stores.open()

    class Quiet(Trader):
        def on_save(self) -> dict[str, Any] | None:
            return None

    class Raw(Trader):
        def on_save(self) -> bytes:
            return b"\x00state"

        def on_load(self, state: dict[str, Any] | bytes) -> None:
            self.loaded = state

    _, persister = bare_engine(
        store,
        PeekingClient(store),
        strategies=[Trader(strategy_id="a"), Quiet(strategy_id="b"), Raw(strategy_id="c")],
    )
    persister.strategies[0].counter = 7  # type: ignore[attr-defined]
    assert persister.save_strategies() == ["a", "c"]
    store = stores.restart(store)
    fresh = [Trader(strategy_id="a"), Quiet(strategy_id="b"), Raw(strategy_id="c")]
    _, again = bare_engine(store, PeekingClient(store), strategies=fresh)
    assert again.load_strategies() == ["a", "c"]
    assert fresh[0].counter == 7 and fresh[0].loaded == {"counter": 7, "note": D("1.10")}
    assert fresh[1].loaded is None
    assert fresh[2].loaded == b"\x00state"


class BrokenStore(InMemoryStore):
    """A store whose disk is gone."""

    def save_order(self, order_row: dict[str, Any]) -> None:
        raise StoreError("disk I/O error")


def test_a_failed_journal_write_raises_and_the_order_never_leaves() -> None:
    store = BrokenStore()
    client = PeekingClient(store)
    engine, _ = bare_engine(store, client)
    engine.add_strategy(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1", "99.00"))]))
    engine.start()
    with pytest.raises(StoreError, match="disk I/O error"):
        engine.process(q("100.00", "100.10", 1))
    assert client.seen == []


def test_attaching_twice_is_refused() -> None:
    store = InMemoryStore()
    _, persister = bare_engine(store, PeekingClient(store))
    with pytest.raises(ConfigError, match="attach it once"):
        persister.attach()


def test_risk_engines_fills_and_persister_agree_on_what_the_risk_state_is() -> None:
    store = InMemoryStore()
    clock = HistoricalClock(T0)
    run = new_run(
        clock, store, RemoteVenue(clock), "R1", risk=RiskConfig(session_drawdown_limit=D(5))
    )
    run.add(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "1"))]))
    run.engine.start()
    run.feed(q("100.00", "100.10", 1), q("101.00", "101.10", 2000))  # marked 2 s later
    assert run.risk is not None
    assert store.risk_state() == run.risk.export_state()
    assert store.risk_state()["sessions"]["sessions"]["trader"]["high"] != "0"
