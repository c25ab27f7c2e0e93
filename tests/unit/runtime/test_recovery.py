"""Recovery: a bot thrown away and rebuilt from its store, reconciled with a venue that lived on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from tradewind.engine.clock import HistoricalClock
from tradewind.engine.engine import Engine
from tradewind.engine.protocols import VenueAccount
from tradewind.errors import ReconcileError
from tradewind.execution import OrderReaper, OrderTracker
from tradewind.model import OrderSide, OrderStatus, OrderType
from tradewind.model.events import OrderDenied, OrderStatusReport
from tradewind.model.identifiers import ClientOrderId, StrategyId
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk import RiskConfig, TradingState
from tradewind.runtime.persistence import StatePersister
from tradewind.runtime.recovery import NEVER_REACHED, PAPER_RESTARTED, recover
from tradewind.runtime.wiring import wire_simulated
from tradewind.store import StateStore
from tradewind.testing import SECOND, T0, at

from .restart_kit import BTC, START, BotCrashed, RemoteVenue, Run, Stores, Trader, new_run, q

D = Decimal


@pytest.fixture(params=["memory", "sqlite"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    s = Stores(request.param, tmp_path)
    yield s
    s.close_all()


def opening(s: Trader) -> None:
    """A market buy, a bid below, an offer just above, an offer far above."""
    s.counter += 1
    s.submit_market(BTC.id, "BUY", "0.5")
    s.submit_limit(BTC.id, "BUY", "0.3", "99.00")
    s.submit_limit(BTC.id, "SELL", "0.2", "101.00")
    s.submit_limit(BTC.id, "SELL", "0.1", "105.00")


def first_life(stores: Stores) -> tuple[HistoricalClock, RemoteVenue, StateStore, Run]:
    """Run 1 trades: bought 0.5, sold 0.2, a 0.3 bid filled 0.1, a 0.1 offer resting."""
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    store = stores.open()
    run = new_run(clock, store, venue, "R1")
    run.add(Trader([at("quote", 1, opening)]))
    run.engine.start()
    run.feed(q("100.00", "100.10", 1), q("101.00", "101.10", 2))
    run.feed(q("98.90", "99.00", 3, ask_size=0.1))
    run.persister.checkpoint()
    return clock, venue, store, run


def assert_same_books(ours: Portfolio, theirs: Portfolio) -> None:
    """Positions (net and per strategy), realized PnL, fees and balances: exactly equal."""

    def book(p: Portfolio) -> object:
        def pos(x: object) -> tuple[object, ...]:
            return tuple(
                getattr(x, f)
                for f in ("quantity", "cost", "realized_pnl", "fees", "trades", "ts_opened")
            )

        return (
            {iid: pos(x) for iid, x in p.positions.items()},
            {key: pos(x) for key, x in p.strategy_positions.items()},
            p.balances("SIM"),
            p.fees,
            p.fills,
        )

    assert book(ours) == book(theirs)


def assert_matches_venue(portfolio: Portfolio, venue: RemoteVenue) -> None:
    assert portfolio.position(BTC.id).quantity == venue.sim.position(BTC.id)
    mine = portfolio.balances("SIM")
    assert {a: Fraction(v) for a, v in mine.items()} == {
        a: Fraction(v) for a, v in venue.balances.items()
    }


async def test_a_restarted_bot_gets_back_its_orders_positions_pnl_and_balances_exactly(
    stores: Stores,
) -> None:
    clock, venue, store, old = first_life(stores)
    # the bot dies; the venue lives on and fills the rest of the 99.00 bid meanwhile
    venue.disconnect()
    venue.on_quote(q("98.80", "98.90", 4))
    down = venue.fills[-1]
    assert (down.client_order_id, down.quantity) == ("R1-000002", D("0.2"))
    old.portfolio.on_fill(down, "trader")  # what the old books would now say

    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})

    assert report.orders_restored == ["R1-000002", "R1-000004"]
    assert report.fills_replayed == 3
    assert report.fills_recovered == [
        {"venue": "SIM", "trade_id": down.trade_id, "client_order_id": "R1-000002"}
    ]
    assert report.orders_resolved == {"R1-000002": "FILLED", "R1-000004": "ACCEPTED"}
    assert report.orders_never_received == [] and report.mismatches == []
    assert report.venues == {"SIM": "reconciled"}
    assert report.positions == {BTC.id: "0.6"}
    assert json.loads(json.dumps(report.to_dict()))["fills_replayed"] == 3
    # the order the venue filled while we were down came back FILLED with both its fills
    filled = run.order("R1-000002")
    assert filled.status is OrderStatus.FILLED and filled.filled_quantity == D("0.3")
    assert len(filled.trade_ids) == 2 and down.trade_id in filled.trade_ids
    by_id = {r["client_order_id"]: r for r in store.orders()}
    assert by_id["R1-000002"]["status"] == "FILLED"
    assert by_id["R1-000002"]["filled_quantity"] == D("0.3")
    # the resting offer is back exactly as the old engine had it
    assert list(run.engine.cache.open_orders) == ["R1-000004"]
    assert run.order("R1-000004").to_row() == old.order("R1-000004").to_row()
    assert run.order("R1-000004").trade_ids == old.order("R1-000004").trade_ids
    assert_same_books(run.portfolio, old.portfolio)
    assert_matches_venue(run.portfolio, venue)
    assert len(store.fills()) == 4

    # the new life trades on: the restored offer fills into the new engine
    trader = run.add(Trader([at("quote", 1, lambda s: s.submit_limit(BTC.id, "BUY", "0.1", "90"))]))
    assert run.persister.load_strategies() == ["trader"]
    assert trader.counter == 1 and trader.loaded == {"counter": 1, "note": D("1.10")}
    run.engine.start()
    run.feed(q("105.00", "105.10", 5))
    assert run.order("R1-000004").status is OrderStatus.FILLED
    assert run.portfolio.position(BTC.id).quantity == D("0.5")
    assert_matches_venue(run.portfolio, venue)
    assert len(venue.submits) == len(set(venue.submits)) == 5  # no order sent twice

    # a third life, with the second life's id prefix: nothing is recovered twice
    venue.disconnect()
    store = stores.restart(store)
    third = new_run(clock, store, venue, "R2")
    again = await recover(third.engine, store, third.portfolio, sources={"SIM": venue})
    assert again.fills_recovered == [] and again.fills_replayed == 5
    assert again.orders_restored == ["R2-000001"]
    assert_same_books(third.portfolio, run.portfolio)
    assert third.engine.next_order_id() == "R2-000002"  # never R2-000001 again


async def test_an_order_journaled_but_never_sent_is_closed_never_received_and_not_resent(
    stores: Stores,
) -> None:
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    store = stores.open()
    run = new_run(clock, store, venue, "R1")

    def second(s: Trader) -> None:
        venue.crash_on_submit = True
        s.submit_limit(BTC.id, "BUY", "0.2", "98.00")

    run.add(
        Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1", "99.00")), at("quote", 2, second)])
    )
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    with pytest.raises(BotCrashed):
        run.feed(q("100.00", "100.10", 2))
    journal = {r["client_order_id"]: r["status"] for r in store.orders()}
    assert journal == {"R1-000001": "ACCEPTED", "R1-000002": "SUBMITTED"}  # before it left
    venue.crash_on_submit = False
    venue.disconnect()

    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})

    assert report.orders_never_received == ["R1-000002"]
    assert report.orders_resolved == {"R1-000001": "ACCEPTED", "R1-000002": "REJECTED"}
    lost = {r["client_order_id"]: r for r in store.orders()}["R1-000002"]
    assert (lost["status"], lost["reason"]) == ("REJECTED", NEVER_REACHED)
    assert list(run.engine.cache.open_orders) == ["R1-000001"]
    run.engine.start()
    run.feed(q("100.00", "100.10", 3), q("97.00", "97.10", 4))
    assert venue.submits.count(ClientOrderId("R1-000002")) == 1  # the attempt that died
    assert "R1-000002" not in venue.sim.open_orders()
    assert run.order("R1-000001").status is OrderStatus.FILLED  # the other one worked on


async def test_an_order_whose_answer_died_with_the_bot_is_resolved_by_its_id_with_its_fills(
    stores: Stores,
) -> None:
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    store = stores.open()
    run = new_run(clock, store, venue, "R1")
    trader = run.add(Trader())
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    venue.disconnect()  # the request leaves; the bot dies before any answer comes back
    trader.buy(BTC.id, "0.4")
    assert [(r["client_order_id"], r["status"]) for r in store.orders()] == [
        ("R1-000001", "SUBMITTED")
    ]
    (fill,) = venue.fills

    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    assert report.orders_resolved == {"R1-000001": "FILLED"}
    assert report.fills_recovered == [
        {"venue": "SIM", "trade_id": fill.trade_id, "client_order_id": "R1-000001"}
    ]
    row = store.orders()[0]
    assert (row["status"], row["filled_quantity"], row["venue_order_id"]) == (
        "FILLED",
        D("0.4"),
        "SIM-1",
    )
    assert [r["trade_id"] for r in store.fills()] == [fill.trade_id]
    assert_matches_venue(run.portfolio, venue)
    assert venue.submits == ["R1-000001"]


async def test_a_cancel_lost_in_the_crash_leaves_the_order_working_and_is_not_resent(
    stores: Stores,
) -> None:
    clock, venue, store, old = first_life(stores)
    venue.lose_cancels = True
    old.engine.cancel_order(old.order("R1-000004"))
    assert {r["client_order_id"]: r["status"] for r in store.orders()}["R1-000004"] == (
        "PENDING_CANCEL"
    )
    venue.disconnect()
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    offer = run.order("R1-000004")
    assert offer.status is OrderStatus.ACCEPTED and not offer.is_pending
    assert report.orders_resolved["R1-000004"] == "ACCEPTED"
    assert {r["client_order_id"]: r["status"] for r in store.orders()}["R1-000004"] == "ACCEPTED"
    assert venue.cancels == ["R1-000004"]  # the lost one; recovery sends nothing


async def test_an_open_order_at_the_venue_that_the_journal_does_not_know_stops_the_start(
    stores: Stores,
) -> None:
    clock, venue, store, _ = first_life(stores)
    venue.disconnect()
    manual = Order(
        ClientOrderId("MANUAL-7"),
        StrategyId("someone"),
        BTC.id,
        OrderSide.BUY,
        OrderType.LIMIT,
        D("0.1"),
        price=D("90.00"),
    )
    venue.sim.submit(manual)
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    with pytest.raises(ReconcileError) as caught:
        await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    (line,) = caught.value.mismatches
    assert line.startswith("SIM: open order MANUAL-7 (ACCEPTED, 0 of 0.1 filled)")
    assert "check for manual orders on the account" in line
    first, second = str(caught.value).splitlines()
    assert "1 mismatch(es)" in first and "trading does not start" in first
    assert second == f"  - {line}"


async def test_a_position_that_differs_from_the_venue_stops_the_start_with_both_sides(
    stores: Stores,
) -> None:
    clock, venue, store, old = first_life(stores)
    venue.disconnect()
    venue.position_offset[BTC.id] = D("0.25")
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    with pytest.raises(ReconcileError) as caught:
        await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    ours = old.portfolio.position(BTC.id).quantity
    (line,) = caught.value.mismatches
    assert f"position {BTC.id}: ours {ours}, venue's {ours + D('0.25')}" in line
    assert "flatten at the venue and restart" in line
    report = caught.value.report
    assert report is not None and report.orders_restored  # type: ignore[attr-defined]


async def test_a_balance_that_differs_from_the_venue_stops_the_start_with_both_sides(
    stores: Stores,
) -> None:
    clock, venue, store, old = first_life(stores)
    venue.disconnect()
    venue.balances["USDT"] += D("12.5")  # a deposit we know nothing of
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    with pytest.raises(ReconcileError) as caught:
        await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    ours = old.portfolio.balance("USDT", "SIM")
    (line,) = caught.value.mismatches
    assert line.startswith(f"SIM: balance USDT: ours {ours}, venue's {ours + D('12.5')}: ")
    assert "deposits, withdrawals and fees" in line


async def test_a_halt_and_the_strategy_state_survive_the_restart(stores: Stores) -> None:
    clock = HistoricalClock(T0)
    venue = RemoteVenue(clock)
    store = stores.open()
    run = new_run(clock, store, venue, "R1", risk=RiskConfig())
    trader = run.add(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1"))]))
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    trader.counter = 41
    run.persister.save_strategies()
    assert run.risk is not None
    run.risk.halt("operator: stop everything")  # a command from outside, no event after it
    venue.disconnect()

    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2", risk=RiskConfig())
    assert run.risk is not None and run.risk.state() is TradingState.ENABLED
    await recover(run.engine, store, run.portfolio, sources={"SIM": venue}, risk=run.risk)
    assert run.risk.state() is TradingState.HALTED
    assert [h.message for h in run.risk.halts] == ["operator: stop everything"]
    trader = run.add(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1"))]))
    run.persister.load_strategies()
    assert trader.counter == 41
    run.engine.start()
    run.feed(q("100.00", "100.10", 2))
    denied = [c.event for c in trader.of("order") if isinstance(c.event, OrderDenied)]
    assert [d.reason for d in denied] == ["HALTED"]
    assert trader.disabled == [("halted", "operator: stop everything")]
    assert venue.submits == ["R1-000001"]
    assert run.portfolio.position(BTC.id).quantity == D("0.1")


async def test_journaled_open_orders_on_a_venue_nobody_can_ask_stop_the_start(
    stores: Stores,
) -> None:
    clock, venue, store, _ = first_life(stores)
    venue.disconnect()
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    with pytest.raises(ReconcileError, match="no account source is given"):
        await recover(run.engine, store, run.portfolio, sources={})


async def test_a_fill_journaled_before_its_order_row_was_updated_repairs_the_row(
    stores: Stores,
) -> None:
    clock, venue, store, old = first_life(stores)
    # a crash between record_fill and update_order: the row says nothing filled yet
    row = {r["client_order_id"]: r for r in store.orders()}["R1-000002"]
    store.update_order(
        "R1-000002", status="ACCEPTED", working_status="ACCEPTED", filled_quantity=D(0)
    )
    venue.disconnect()
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    assert report.orders_repaired == ["R1-000002"]
    bid = run.order("R1-000002")
    assert bid.to_row() == old.order("R1-000002").to_row()
    assert {r["client_order_id"]: r for r in store.orders()}["R1-000002"] == row


async def test_a_new_run_with_the_same_prefix_never_reuses_an_id(stores: Stores) -> None:
    clock, venue, store, _ = first_life(stores)
    store.save_order({**_row("X-abc"), "status": "CANCELED"})
    store.save_order({**_row("R1-000042"), "status": "CANCELED"})
    venue.disconnect()
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R1")
    await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    assert run.engine.next_order_id() == "R1-000043"


def _row(coid: str) -> dict[str, object]:
    return Order(
        ClientOrderId(coid), StrategyId("x"), BTC.id, OrderSide.BUY, OrderType.MARKET, D(1)
    ).to_row()


async def test_a_paper_venue_restarted_with_the_bot_gets_its_positions_and_loses_its_orders(
    stores: Stores,
) -> None:
    store = stores.open()
    clock = HistoricalClock(T0)

    def life(prefix: str) -> tuple[Engine, Portfolio, StatePersister, object]:
        engine = Engine(clock, order_id_prefix=prefix)
        venues, portfolio = wire_simulated(engine, [BTC], balances=START)
        persister = StatePersister(engine, store)
        persister.attach()
        return engine, portfolio, persister, venues["SIM"]

    engine, portfolio, _, _ = life("R1")

    def trade(s: Trader) -> None:
        s.buy(BTC.id, "0.5")
        s.sell(BTC.id, "0.2", "105.00")

    engine.add_strategy(Trader([at("quote", 1, trade)]))
    engine.start()
    clock.now_ns = T0 + 1
    engine.process(q("100.00", "100.10", 1))
    assert portfolio.position(BTC.id).quantity == D("0.5")

    store = stores.restart(store)
    engine, portfolio2, _, sim = life("R2")
    report = await recover(engine, store, portfolio2, sources={}, restarted={"SIM": sim})  # type: ignore[dict-item]
    assert report.orders_closed_with_venue == ["R1-000002"]
    assert report.venues == {"SIM": "restarted with the bot"}
    offer = {r["client_order_id"]: r for r in store.orders()}["R1-000002"]
    assert (offer["status"], offer["reason"]) == ("CANCELED", PAPER_RESTARTED)
    assert sim.position(BTC.id) == D("0.5")  # type: ignore[attr-defined]
    assert portfolio2.balances("SIM") == portfolio.balances("SIM")
    # the restored venue position lets a reduce-only exit through
    engine.add_strategy(
        Trader([at("quote", 1, lambda s: s.submit_market(BTC.id, "SELL", "0.5", reduce_only=True))])
    )
    engine.start()
    engine.process(q("101.00", "101.10", 2))
    assert portfolio2.position(BTC.id).quantity == 0


class HoldingVenue(RemoteVenue):
    """A venue that has received orders it does not work yet (its "pending new"): it reports
    them SUBMITTED until ``release`` hands them to its matching engine."""

    def __init__(self, clock: HistoricalClock) -> None:
        super().__init__(clock)
        self.clock = clock
        self.hold = False
        self.held: dict[ClientOrderId, Order] = {}
        self.queries: list[ClientOrderId] = []

    def submit(self, order: Order) -> None:
        if not self.hold:
            super().submit(order)
            return
        self.submits.append(order.client_order_id)
        self.held[order.client_order_id] = order

    def release(self) -> None:
        """Work the held orders; their acknowledgements are lost on the way (no sink)."""
        sink, self._sink = self._sink, None
        for order in self.held.values():
            self.sim.submit(order)
        self.held.clear()
        self._sink = sink

    def query_order(self, client_order_id: ClientOrderId) -> None:
        self.queries.append(client_order_id)
        super().query_order(client_order_id)

    async def account(
        self, since_ns: int | None, client_order_ids: tuple[ClientOrderId, ...]
    ) -> VenueAccount:
        account = await super().account(since_ns, client_order_ids)
        now = self.clock.timestamp_ns()
        pending = tuple(
            OrderStatusReport(coid, "", OrderStatus.SUBMITTED, False, o.quantity, D(0), now, now)
            for coid, o in self.held.items()
        )
        return replace(account, orders=account.orders + pending)


async def test_a_restored_order_the_venue_holds_pending_is_queried_by_its_id_never_resent(
    stores: Stores,
) -> None:
    clock = HistoricalClock(T0)
    venue = HoldingVenue(clock)
    store = stores.open()
    run = new_run(clock, store, venue, "R1")
    venue.hold = True
    run.add(Trader([at("quote", 1, lambda s: s.buy(BTC.id, "0.1", "99.00"))]))
    run.engine.start()
    run.feed(q("100.00", "100.10", 1))
    venue.disconnect()  # the bot dies with the venue holding the order, not yet working it

    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    reaper = OrderReaper(run.engine, OrderTracker(run.engine), in_flight_timeout_ns=2 * SECOND)
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    assert report.orders_restored == ["R1-000001"] and report.mismatches == []
    assert report.orders_resolved == {"R1-000001": "SUBMITTED"}  # received, still pending
    bid = run.order("R1-000001")
    venue.release()  # the venue works it now; the acknowledgement never reaches us
    run.feed(q("100.00", "100.10", 1500))
    assert bid.status is OrderStatus.SUBMITTED and venue.queries == []
    run.feed(q("100.00", "100.10", 3500))  # past the in-flight timeout since the restart
    assert venue.queries == ["R1-000001"] and reaper.queries == 1
    assert bid.status is OrderStatus.ACCEPTED
    assert {r["client_order_id"]: r["status"] for r in store.orders()} == {"R1-000001": "ACCEPTED"}
    run.feed(q("100.00", "100.10", 9000))
    assert venue.queries == ["R1-000001"]  # answered: asked once
    assert venue.submits == ["R1-000001"]  # never sent again


async def test_a_restored_order_past_its_time_to_live_is_canceled_with_the_venues_reason(
    stores: Stores,
) -> None:
    clock, venue, store, _ = first_life(stores)
    venue.disconnect()
    store = stores.restart(store)
    run = new_run(clock, store, venue, "R2")
    reaper = OrderReaper(run.engine, OrderTracker(run.engine), ttl_ns=30 * SECOND)
    report = await recover(run.engine, store, run.portfolio, sources={"SIM": venue})
    assert report.orders_restored == ["R1-000002", "R1-000004"]
    run.feed(q("100.00", "100.10", 20_000))
    assert run.order("R1-000004").status is OrderStatus.ACCEPTED  # 20 s old: not yet
    run.feed(q("100.00", "100.10", 31_000))
    assert venue.cancels == ["R1-000002", "R1-000004"] and reaper.ttl_cancels == 2
    offer = run.order("R1-000004")
    assert (offer.status, offer.reason) == (OrderStatus.CANCELED, "canceled")
    row = {r["client_order_id"]: r for r in store.orders()}["R1-000004"]
    assert (row["status"], row["reason"]) == ("CANCELED", "canceled")
    assert venue.submits == ["R1-000001", "R1-000002", "R1-000003", "R1-000004"]
