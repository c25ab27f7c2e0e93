"""Contingent groups survive a restart: brackets, OCO and trailing stops run on as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from runtime.restart_kit import BTC, BotCrashed, RemoteVenue, Run, Stores, Trader, new_run, q

from tradewind.engine.clock import HistoricalClock
from tradewind.model import OrderStatus
from tradewind.model.contingency import GroupState, OrderGroup
from tradewind.runtime.persistence import CONTINGENT_STATE, saved_groups
from tradewind.runtime.recovery import RecoveryReport, recover
from tradewind.store import StateStore
from tradewind.testing import T0, at

D = Decimal
S = OrderStatus
Action = Callable[[Trader], OrderGroup]


@pytest.fixture(params=["memory", "sqlite"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    s = Stores(request.param, tmp_path)
    yield s
    s.close_all()


class Life:
    """A bot's first life that opens one group; ``restart`` kills it and starts the next."""

    def __init__(self, stores: Stores, action: Action, *quotes: object) -> None:
        self.stores = stores
        self.clock = HistoricalClock(T0)
        self.venue = RemoteVenue(self.clock)
        self.store: StateStore = stores.open()
        self.run = new_run(self.clock, self.store, self.venue, "R1")
        self.groups: list[OrderGroup] = []
        self.run.add(Trader([at("quote", 1, lambda s: self.groups.append(action(s)))]))
        self.run.engine.start()
        self.run.feed(q("100.00", "100.10", 1), *quotes)  # type: ignore[arg-type]

    async def restart(self, prefix: str = "R2") -> tuple[Run, RecoveryReport]:
        self.venue.disconnect()
        self.store = self.stores.restart(self.store)
        run = new_run(self.clock, self.store, self.venue, prefix)
        report = await recover(run.engine, self.store, run.portfolio, sources={"SIM": self.venue})
        run.engine.start()
        return run, report


def bracket(entry_price: str | None) -> Action:
    def submit(s: Trader) -> OrderGroup:
        return s.submit_bracket(
            BTC.id, "BUY", "0.5", stop_loss="95.00", take_profit="105.00", entry_price=entry_price
        )

    return submit


def the_group(run: Run, group_id: str) -> OrderGroup:
    """The restored group, as the new engine's manager holds it."""
    manager = run.engine.contingent
    found = manager._groups[group_id].handle  # type: ignore[attr-defined]
    assert isinstance(found, OrderGroup)
    return found


async def test_a_filled_brackets_exits_still_cancel_each_other_after_a_restart(
    stores: Stores,
) -> None:
    life = Life(stores, bracket(None), q("100.00", "100.10", 2))
    old = life.groups[0]
    sl, tp = old.order("stop_loss"), old.order("take_profit")
    assert sl is not None and tp is not None
    assert sl.status is S.ACCEPTED and tp.status is S.ACCEPTED

    run, report = await life.restart()
    assert report.groups_restored == [old.group_id] and report.mismatches == []
    group = the_group(run, old.group_id)
    new_sl, new_tp = run.order(sl.client_order_id), run.order(tp.client_order_id)
    assert group.order("stop_loss") is new_sl and group.order("take_profit") is new_tp
    run.feed(q("101.00", "101.10", 3))  # neither exit trades: nothing is canceled
    assert new_sl.status is S.ACCEPTED and sl.client_order_id not in life.venue.cancels

    run.feed(q("105.00", "105.10", 4))  # the take-profit fills: the stop-loss goes
    assert new_tp.status is S.FILLED
    assert new_sl.status is S.CANCELED and sl.client_order_id in life.venue.cancels
    assert group.state is GroupState.COMPLETED
    assert run.portfolio.position(BTC.id).quantity == 0 == life.venue.sim.position(BTC.id)
    assert saved_groups(life.store) == []  # done: nothing left to restore


async def test_a_working_brackets_exits_go_out_sized_to_its_fills_after_a_restart(
    stores: Stores,
) -> None:
    life = Life(stores, bracket("99.00"))
    old = life.groups[0]
    entry = old.order("entry")
    assert entry is not None and entry.status is S.ACCEPTED
    assert old.order("stop_loss") is None  # held back until the entry fills: never journaled

    run, report = await life.restart(prefix="R1")  # the same prefix: no id may be reused
    assert report.groups_restored == [old.group_id]
    run.feed(q("98.90", "99.00", 2, ask_size=0.2))  # the entry fills 0.2
    group = the_group(run, old.group_id)
    sl, tp = group.order("stop_loss"), group.order("take_profit")
    assert sl is not None and tp is not None
    assert (sl.quantity, sl.trigger_price, sl.reduce_only) == (D("0.2"), D("95.00"), True)
    assert (tp.quantity, tp.price) == (D("0.2"), D("105.00"))
    assert sl.status is S.ACCEPTED and tp.status is S.ACCEPTED
    assert f"group:{old.group_id}:stop_loss" in sl.tags
    run.feed(q("98.90", "99.00", 3))  # the rest fills: both exits grow to 0.5
    assert run.order(entry.client_order_id).status is S.FILLED
    assert (sl.quantity, tp.quantity) == (D("0.5"), D("0.5"))
    sent = life.venue.submits
    assert len(sent) == len(set(sent)) == 3  # entry, stop-loss, take-profit: each once
    later = run.engine.next_order_id()
    assert later not in sent and later not in {o.client_order_id for o in group.orders}
    run.feed(q("94.90", "95.00", 4))  # the stop fires: the take-profit goes
    assert sl.status is S.FILLED and tp.status is S.CANCELED
    assert run.portfolio.position(BTC.id).quantity == 0


async def test_an_oco_reduces_its_other_leg_on_a_partial_fill_after_a_restart(
    stores: Stores,
) -> None:
    def oco(s: Trader) -> OrderGroup:
        buy = s.limit_order(BTC.id, "BUY", "0.5", "99.00")
        sell = s.limit_order(BTC.id, "SELL", "0.5", "101.00")
        return s.submit_oco(buy, sell)

    life = Life(stores, oco)
    old = life.groups[0]
    run, report = await life.restart()
    assert report.groups_restored == [old.group_id]
    first, second = old.order("first"), old.order("second")
    assert first is not None and second is not None
    run.feed(q("98.90", "99.00", 2, ask_size=0.2))  # the bid fills 0.2: the offer drops to 0.3
    buy, sell = run.order(first.client_order_id), run.order(second.client_order_id)
    assert (buy.filled_quantity, buy.status) == (D("0.2"), S.PARTIALLY_FILLED)
    assert (sell.quantity, sell.status) == (D("0.3"), S.ACCEPTED)
    run.feed(q("98.90", "99.00", 3))  # the bid fills: the offer is canceled
    assert buy.status is S.FILLED and sell.status is S.CANCELED
    assert the_group_done(run, old.group_id)


def the_group_done(run: Run, group_id: str) -> bool:
    return group_id not in run.engine.contingent._groups  # type: ignore[attr-defined]


async def test_a_trailing_stop_keeps_trailing_from_its_best_price_after_a_restart(
    stores: Stores,
) -> None:
    def buy_then_trail(s: Trader) -> OrderGroup:
        s.submit_market(BTC.id, "BUY", "0.5")
        return s.submit_trailing_stop(BTC.id, "SELL", "0.5", offset="1.00")

    life = Life(stores, buy_then_trail, q("101.00", "101.10", 2))
    old = life.groups[0]
    stop = old.order("stop")
    assert stop is not None and stop.trigger_price == D("100.00")  # best bid 101.00 less 1.00
    state = life.store.strategy_state(CONTINGENT_STATE)
    assert isinstance(state, dict) and state["groups"][0]["trail"] == {"best": "101.0"}

    run, report = await life.restart()
    assert report.groups_restored == [old.group_id]
    restored = run.order(stop.client_order_id)
    run.feed(q("100.60", "100.70", 3))  # below the best seen before the restart: no move
    assert restored.trigger_price == D("100.00")
    run.feed(q("103.00", "103.10", 4))  # a new best: the stop follows
    assert restored.trigger_price == D("102.00") and restored.status is S.ACCEPTED
    run.feed(q("101.90", "102.00", 5))  # and fires there
    assert restored.status is S.FILLED
    assert run.portfolio.position(BTC.id).quantity == 0
    assert the_group_done(run, old.group_id)


async def test_groups_that_were_done_are_not_restored_and_new_ids_do_not_repeat_them(
    stores: Stores,
) -> None:
    life = Life(stores, bracket(None), q("100.00", "100.10", 2), q("105.00", "105.10", 3))
    old = life.groups[0]
    assert old.state is GroupState.COMPLETED
    assert saved_groups(life.store) == []

    run, report = await life.restart()
    assert report.groups_restored == [] and report.mismatches == []
    assert run.engine.contingent._groups == {}  # type: ignore[attr-defined]
    trader = run.add(Trader([at("quote", 1, bracket("99.00"))]))
    run.feed(q("104.00", "104.10", 4))
    assert trader.of("quote")
    (group_id,) = run.engine.contingent._groups  # type: ignore[attr-defined]
    assert group_id != old.group_id and group_id == "G-000002"


async def test_a_crash_while_an_exit_leaves_restores_the_group_and_sends_the_exits_once(
    stores: Stores,
) -> None:
    life = Life(stores, bracket("99.00"))
    old = life.groups[0]
    life.venue.crash_on_submit = True  # killed while the stop-loss is being sent
    with pytest.raises(BotCrashed):
        life.run.feed(q("98.90", "99.00", 2))
    lost = old.order("stop_loss")
    assert lost is not None and old.order("take_profit") is None

    life.venue.crash_on_submit = False
    run, report = await life.restart()
    assert report.orders_never_received == [lost.client_order_id]
    assert report.groups_restored == [old.group_id]
    group = the_group(run, old.group_id)
    sl, tp = group.order("stop_loss"), group.order("take_profit")
    assert sl is not None and tp is not None and sl.client_order_id != lost.client_order_id
    run.feed(q("98.90", "99.00", 3))  # the venue's answers come in
    assert (sl.quantity, sl.status) == (D("0.5"), S.ACCEPTED)
    assert (tp.quantity, tp.status) == (D("0.5"), S.ACCEPTED)
    assert sorted(life.venue.sim.open_orders()) == sorted([sl.client_order_id, tp.client_order_id])
