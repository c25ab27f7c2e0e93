"""Recovery: a restarted bot takes back its state from the store, before any strategy runs.

It then reconciles that state with the venues.

``recover`` is called once the venues, instruments, portfolio, risk engine and the
``StatePersister`` are wired, and before strategies are added or started. In order:

a. journaled orders still open come back into the engine as ``Order``s
   (``Engine.restore_order``: the execution layer's tracker and reaper take them on), their
   fills (trade ids, filled quantity and notional) taken from the journaled fills, the truth
   when a crash fell between writing a fill and its order's row;
b. every journaled fill is booked again into the portfolio under its order's strategy, so
   positions, realized PnL, fees and balances are exactly what they were; the risk state is
   restored; the engine's client order ids continue past every journaled one;
c. a simulated venue that restarted with the bot (paper, mock) lost its working orders: ours
   are closed CANCELED (``PAPER_RESTARTED``), and its positions are set to the portfolio's;
d. each venue with an ``AccountSource`` is reconciled (``tradewind.runtime.reconciliation``):
   what it did while we were down is applied as live, orders of unknown outcome are resolved
   by client order id (never sent again), and its open orders, positions and balances are
   compared with ours;
e. the working contingent groups saved before the restart (``StatePersister.save_contingent``)
   are given back to the engine's ``ContingentOrderManager`` around the restored orders, once
   the venues are reconciled (so what they did while we were down is known): a bracket's exits
   cancel each other again, exits held back until their entry fills are sent when it fills
   (at once if it filled while we were down), trailing stops trail again. Group ids continue
   past every journaled one.

Whatever cannot be explained raises ``ReconcileError``, one line per mismatch: trading must not
start. A venue with neither a source nor a restart is not checked (its positions are the
journal's), unless we hold open orders there, which then cannot be resolved: that stops the
start too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.engine.protocols import AccountSource
from tradewind.errors import ConfigError, ReconcileError
from tradewind.model import exact
from tradewind.model.enums import OrderStatus
from tradewind.model.events import OrderCanceled
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order, apply_fill
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk.engine import RiskEngine
from tradewind.runtime.persistence import contingent_manager, fill_from_row, saved_groups
from tradewind.runtime.reconciliation import NEVER_REACHED, Reconciled, reconcile_venue
from tradewind.store.base import StateStore
from tradewind.venues.simulated import SimulatedVenue

__all__ = ["NEVER_REACHED", "PAPER_RESTARTED", "RecoveryReport", "recover"]

PAPER_RESTARTED = "paper venue restarted with the bot: its working orders are gone"

_GROUP_TAG = re.compile(r"group:G-(\d+):")


@dataclass
class RecoveryReport:
    """What ``recover`` did (``to_dict()`` is JSON-ready)."""

    orders_restored: list[str] = field(default_factory=list)
    """Open orders taken back from the journal into the engine."""
    orders_repaired: list[str] = field(default_factory=list)
    """Orders whose row lagged their journaled fills (a crash between two writes)."""
    fills_replayed: int = 0
    """Journaled fills booked again into the portfolio."""
    fills_recovered: list[dict[str, str]] = field(default_factory=list)
    """Fills the venues made that we had not journaled (venue, trade_id, client_order_id)."""
    orders_resolved: dict[str, str] = field(default_factory=dict)
    """Each restored order asked of its venue, and its status after the answer."""
    orders_never_received: list[str] = field(default_factory=list)
    """Journaled orders the venue does not know: closed REJECTED, never sent again."""
    orders_closed_with_venue: list[str] = field(default_factory=list)
    """Orders of a simulated venue that restarted with the bot: closed CANCELED."""
    positions: dict[str, str] = field(default_factory=dict)
    """Net position per instrument after recovery (non-flat ones)."""
    venues: dict[str, str] = field(default_factory=dict)
    """How each venue was checked: reconciled, restarted with the bot, or not checked."""
    mismatches: list[str] = field(default_factory=list)
    """What could not be explained (empty when recovery succeeded)."""
    groups_restored: list[str] = field(default_factory=list)
    """Contingent groups (brackets, OCO, OTO, trailing stops) taken back, by group id."""
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    def add(self, found: Reconciled) -> None:
        """Take in what reconciling one venue found."""
        self.fills_recovered.extend(found.fills_recovered)
        self.orders_resolved.update(found.orders_resolved)
        self.orders_never_received.extend(found.orders_never_received)
        self.mismatches.extend(found.mismatches)


class _Recovery:
    """One run of ``recover``: the engine, the store's contents and what was found."""

    def __init__(self, engine: Engine, store: StateStore, portfolio: Portfolio) -> None:
        self.engine = engine
        self.store = store
        self.portfolio = portfolio
        self.report = RecoveryReport()
        self.rows = {str(r["client_order_id"]): r for r in store.orders()}
        self.fills = store.fills()
        self.groups = saved_groups(store)

    def problem(self, line: str) -> None:
        self.report.mismatches.append(line)

    def venue_of(self, order: Order) -> str:
        return self.engine.cache.instrument(order.instrument_id).venue

    def now(self) -> int:
        return self.engine.clock.timestamp_ns()

    # ------------------------------------------------------ a. orders back
    def restore_orders(self) -> None:
        by_order: dict[str, list[dict[str, Any]]] = {}
        for row in self.fills:
            by_order.setdefault(str(row["client_order_id"]), []).append(row)
        cache = self.engine.cache
        for coid, row in self.rows.items():
            if OrderStatus(row["status"]).is_closed:
                continue
            order = Order.from_row(row)
            if order.instrument_id not in cache.instruments:
                self.problem(
                    f"order {coid} is open in the journal on {order.instrument_id}, an "
                    "instrument not configured: add the instrument, or cancel the order at "
                    "the venue and restart"
                )
                continue
            if self._take_fills(order, by_order.get(coid, [])):
                fields = order.to_row()
                del fields["client_order_id"]
                self.store.update_order(coid, **fields)
                self.report.orders_repaired.append(coid)
            if order.status.is_closed:
                continue
            self.engine.restore_order(order)  # the execution layer takes it on: TTL, queries
            self.report.orders_restored.append(coid)

    def _take_fills(self, order: Order, rows: list[dict[str, Any]]) -> bool:
        """Give ``order`` its journaled fills' trade ids; True when its row lagged them and
        its fill state was rebuilt from the fills (the truth)."""
        fills = [fill_from_row(r) for r in rows]
        total = Decimal(0)
        for fill in fills:
            total = exact.dec_add(total, fill.quantity)
        if total == order.filled_quantity:
            ids = [f.trade_id for f in fills]
            order.trade_id = ids[0] if ids else ""
            order.more_trade_ids = set(ids[1:]) or None
            return False
        order.filled_quantity = order.filled_notional = Decimal(0)
        order.trade_id, order.more_trade_ids = "", None
        for fill in fills:
            error = apply_fill(order, fill.quantity, fill.price, fill.ts_event, fill.trade_id)
            if error is not None:
                self.problem(f"journaled fill {fill.trade_id} does not fit its order: {error}")
        return True

    def continue_order_ids(self) -> None:
        """Move the engine's id counter past every journaled id of its own form (PREFIX-n);
        ids of other forms cannot collide with it. The store refuses a reused id anyway."""
        prefix = self.engine.order_id_prefix
        highest = 0
        templates = [leg["template"]["client_order_id"] for g in self.groups for leg in g["legs"]]
        for coid in [*self.rows, *templates]:  # an exit held back was never journaled
            head, _, tail = coid.rpartition("-")
            if head == prefix and tail.isdigit():
                highest = max(highest, int(tail))
        self.engine.continue_order_ids(highest)

    # ------------------------------------------------------ b. fills again
    def replay_fills(self) -> None:
        instruments = self.engine.cache.instruments
        for row in self.fills:
            fill = fill_from_row(row)
            order_row = self.rows.get(fill.client_order_id)
            if order_row is None:
                self.problem(
                    f"journaled fill {fill.trade_id} belongs to order {fill.client_order_id}, "
                    "which the journal does not have: the store is damaged; restore it from a "
                    "backup"
                )
                continue
            if fill.instrument_id not in instruments:
                self.problem(
                    f"journaled fill {fill.trade_id} is in {fill.instrument_id}, an instrument "
                    "not configured: add it to the configuration and restart"
                )
                continue
            self.portfolio.on_fill(fill, str(order_row["strategy_id"]))
            self.report.fills_replayed += 1

    # ---------------------------------------------------- e. groups back
    def restore_groups(self) -> None:
        manager = contingent_manager(self.engine)
        if manager is None:
            if self.groups:
                raise ConfigError(
                    f"{len(self.groups)} contingent group(s) were working before the restart "
                    "but the engine has no execution layer: call tradewind.execution.install"
                )
            return
        highest = 0
        for row in self.rows.values():
            for number in _GROUP_TAG.findall(str(row.get("tags") or "")):
                highest = max(highest, int(number))
        manager.continue_group_ids(highest)
        if not self.groups:
            return
        named: set[str] = set()
        for group in self.groups:
            named.update(coid for coid, _ in group["orders"])
            for leg in group["legs"]:
                named.update(leg["orders"])
                named.add(leg["template"]["client_order_id"])
            if group["parent"] is not None:
                named.add(group["parent"])
        cache = self.engine.cache.orders
        orders: dict[str, Order] = {}
        for coid in named:
            order = cache.get(ClientOrderId(coid))
            if order is None and coid in self.rows:
                order = Order.from_row(self.rows[coid])  # closed: counts for what it filled
            if order is not None:
                orders[coid] = order
        self.report.groups_restored = manager.restore_state(self.groups, orders)

    # ---------------------------------------------- c. paper venue restarted
    def restart_paper(self, name: str, venue: SimulatedVenue) -> None:
        for order in list(self.engine.cache.open_orders.values()):
            if self.venue_of(order) == name:
                now = self.now()
                self.engine.process(OrderCanceled(order.client_order_id, PAPER_RESTARTED, now, now))
                self.report.orders_closed_with_venue.append(order.client_order_id)
        for iid, instrument in self.engine.cache.instruments.items():
            if instrument.venue == name:
                venue.restore_position(iid, self.portfolio.position(iid).quantity)
        self.report.venues[name] = "restarted with the bot"


async def recover(
    engine: Engine,
    store: StateStore,
    portfolio: Portfolio,
    *,
    sources: Mapping[str, AccountSource],
    restarted: Mapping[str, SimulatedVenue] | None = None,
    risk: RiskEngine | None = None,
) -> RecoveryReport:
    """Take back the state in ``store`` and reconcile it with the venues (see the module doc).

    ``sources`` are the venues to ask (venue name -> ``AccountSource``); ``restarted`` the
    simulated venues that restarted with the bot. Returns what was done; raises
    ``ReconcileError`` (one line per mismatch, ``.report`` attached) when the venues hold
    something it cannot explain: trading must not start then.
    """
    started = time.perf_counter()
    restarted = dict(restarted or {})
    both = sorted(set(sources) & set(restarted))
    if both:
        raise ConfigError(
            f"venue(s) {both} are given both an account source and as restarted: a venue is "
            "either remote (asked) or simulated in-process (restarted with the bot)"
        )
    run = _Recovery(engine, store, portfolio)
    report = run.report
    run.restore_orders()
    run.continue_order_ids()
    run.replay_fills()
    if risk is not None:
        risk.restore_state(store.risk_state())
    for name, venue in restarted.items():
        run.restart_paper(name, venue)
    for name, source in sources.items():
        found = await reconcile_venue(
            engine, store, portfolio, name, source, journal=run.rows, fills=run.fills
        )
        report.add(found)
        report.venues[name] = "reconciled"
    unchecked = sorted(
        {run.venue_of(o) for o in engine.cache.open_orders.values()} - set(report.venues)
    )
    for name in unchecked:
        run.problem(
            f"{name}: journaled open orders cannot be resolved: no account source is given for "
            "this venue; configure one (or say it restarted with the bot) and restart"
        )
    for instrument in engine.cache.instruments.values():
        report.venues.setdefault(instrument.venue, "not checked: no account source")
    for iid, position in portfolio.positions.items():
        if position.quantity:
            report.positions[iid] = str(position.quantity)
    report.duration_seconds = time.perf_counter() - started
    if report.mismatches:
        lines = "\n".join(f"  - {m}" for m in report.mismatches)
        raise ReconcileError(
            f"reconciliation found {len(report.mismatches)} mismatch(es) it cannot explain; "
            f"trading does not start:\n{lines}",
            tuple(report.mismatches),
            report,
        )
    run.restore_groups()
    return report
