"""Reconciliation with one venue when a bot restarts: what it did, then what it holds.

What the venue did while we were down is applied as if live, then what it holds is compared
with what we hold.

``reconcile_venue`` runs after the journal is back in the engine (``recover`` calls it, before
any strategy runs). The venue is asked, by client order id, about every order we hold open there
(an order whose outcome is unknown is resolved this way, never sent again), and for its fills
since the last one we journaled. Then, in order:

- fills we have not journaled (by trade id) go through ``engine.process``, so orders, portfolio
  and the persister see them exactly as live; a fill of an order our journal closed is booked
  all the same (the trade happened); a fill of an order we never sent is a mismatch;
- each status report of an asked order goes through ``engine.process``; a cancel or modify
  still pending while the venue has the order working did not take, and the order says so
  (``OrderCancelRejected`` / ``OrderModifyRejected``); nothing is sent again;
- an asked order the venue does not report never reached it: closed REJECTED
  (``NEVER_REACHED``). One it had acknowledged but no longer reports is a mismatch;
- open orders at the venue we do not know, positions that differ (an instrument the venue does
  not report counts as flat there) and balances that differ (assets both sides have) are
  mismatches: one line each, ours vs the venue's, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.engine.protocols import AccountSource, VenueAccount
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.enums import OrderStatus
from tradewind.model.events import (
    Fill,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderRejected,
    OrderStatusReport,
)
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.runtime.persistence import fill_row
from tradewind.store.base import StateStore

NEVER_REACHED = "never reached the venue (not found by client order id after restart)"
CANCEL_LOST = "the cancel sent before the restart did not take: the venue has the order working"
MODIFY_LOST = "the modify sent before the restart did not take: the venue has the order as it was"


@dataclass
class Reconciled:
    """What reconciling one venue found and did."""

    fills_recovered: list[dict[str, str]] = field(default_factory=list)
    """Fills the venue made that we had not journaled (venue, trade_id, client_order_id)."""
    orders_resolved: dict[str, str] = field(default_factory=dict)
    """Each order asked about, and its status after the venue's answer."""
    orders_never_received: list[str] = field(default_factory=list)
    """Orders the venue does not know: closed REJECTED, never sent again."""
    mismatches: list[str] = field(default_factory=list)
    """What cannot be explained, one line each."""


async def reconcile_venue(
    engine: Engine,
    store: StateStore,
    portfolio: Portfolio,
    venue: str,
    source: AccountSource,
    *,
    journal: Mapping[str, Mapping[str, Any]],
    fills: Sequence[Mapping[str, Any]],
) -> Reconciled:
    """Ask ``source`` what ``venue`` holds and reconcile it with the engine (module doc).

    ``journal`` is every journaled order row by client order id, ``fills`` every journaled fill
    row (any venue). The open orders asked about are the engine's on that venue.
    """
    return await _Venue(engine, store, portfolio, venue, journal).run(source, fills)


class _Venue:
    """Reconciling one venue: the engine, the journal, and what was found."""

    def __init__(
        self,
        engine: Engine,
        store: StateStore,
        portfolio: Portfolio,
        name: str,
        journal: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.engine = engine
        self.store = store
        self.portfolio = portfolio
        self.name = name
        self.journal = journal
        self.found = Reconciled()

    def problem(self, line: str) -> None:
        self.found.mismatches.append(f"{self.name}: {line}")

    def now(self) -> int:
        return self.engine.clock.timestamp_ns()

    async def run(self, source: AccountSource, fills: Sequence[Mapping[str, Any]]) -> Reconciled:
        name, cache = self.name, self.engine.cache
        journaled = [r for r in fills if r["venue"] == name]
        since = max((int(r["ts_event"]) for r in journaled), default=None)
        asked = tuple(
            o.client_order_id
            for o in cache.open_orders.values()
            if cache.instrument(o.instrument_id).venue == name
        )
        account = await source.account(since, asked)
        if account.venue != name:
            raise ConfigError(
                f"the account source given for venue {name!r} answers for {account.venue!r}: "
                "pass each venue its own source"
            )
        known = {str(r["trade_id"]) for r in journaled}
        for fill in account.fills:
            if fill.trade_id not in known:
                known.add(fill.trade_id)
                self._fill(fill)
        reported: dict[ClientOrderId, OrderStatusReport] = {}
        asked_ids = set(asked)
        for report in account.orders:
            reported[report.client_order_id] = report
            self._report(report, asked_ids)
        for coid in asked:
            self._resolve(coid, reported.get(coid))
        self._compare(account)
        return self.found

    def _fill(self, fill: Fill) -> None:
        coid = fill.client_order_id
        order = self.engine.cache.orders.get(coid)
        row = self.journal.get(coid)
        what = f"{fill.side.value} {fill.quantity} {fill.instrument_id} @ {fill.price}"
        if order is not None and order.is_open:
            self.engine.process(fill)
            if not order.has_trade(fill.trade_id):
                self.problem(
                    f"fill {fill.trade_id} ({what}) of order {coid} was refused (order "
                    f"{order.status.value}, filled {order.filled_quantity} of {order.quantity}): "
                    "check the order at the venue, flatten and restart"
                )
                return
        elif row is not None and fill.instrument_id in self.engine.cache.instruments:
            # our journal closed the order, yet the venue traded it (their reports crossed):
            # the trade happened, so it is booked and journaled all the same
            self.portfolio.on_fill(fill, str(row["strategy_id"]))
        else:
            self.problem(
                f"fill {fill.trade_id} ({what}) belongs to order {coid}, which we never sent: "
                "check for manual orders on the account, flatten at the venue and restart"
            )
            return
        self.store.record_fill(fill_row(fill, self.name))  # done already if a persister listens
        self.found.fills_recovered.append(
            {"venue": self.name, "trade_id": fill.trade_id, "client_order_id": coid}
        )

    def _report(self, report: OrderStatusReport, asked: set[ClientOrderId]) -> None:
        coid = report.client_order_id
        order = self.engine.cache.orders.get(coid)
        if order is not None and coid in asked:
            self.engine.process(report)
            self._settle_request(order, report)
            return
        if report.status.is_closed:
            return
        row = self.journal.get(coid)
        if row is not None:
            self.problem(
                f"order {coid} is {row['status']} in our journal but {report.status.value} at "
                "the venue: cancel it at the venue and restart"
            )
        else:
            self.problem(
                f"open order {coid} ({report.status.value}, {report.filled_quantity} of "
                f"{report.quantity} filled) is not in our journal: check for manual orders on "
                "the account; cancel it at the venue and restart"
            )

    def _settle_request(self, order: Order, report: OrderStatusReport) -> None:
        """A cancel or modify sent before the restart, with the venue's order still working:
        it did not take. Said so to the order; nothing is sent again."""
        if order.status.is_closed or report.status.is_closed:
            return
        now = self.now()
        coid = order.client_order_id
        if order.status is OrderStatus.PENDING_CANCEL:
            self.engine.process(OrderCancelRejected(coid, CANCEL_LOST, now, now))
        if order.update_pending:
            self.engine.process(OrderModifyRejected(coid, MODIFY_LOST, now, now))
        if report.quantity != order.quantity:
            self.problem(
                f"order {coid} is for {order.quantity} here but {report.quantity} at the venue "
                "(a modify sent before the restart may have taken): cancel it at the venue and "
                "restart"
            )

    def _resolve(self, coid: ClientOrderId, report: OrderStatusReport | None) -> None:
        order = self.engine.cache.orders[coid]
        if report is None and not order.status.is_closed:
            if order.working_status is not OrderStatus.SUBMITTED:
                self.problem(
                    f"order {coid} was acknowledged (venue id {order.venue_order_id or '?'}) "
                    "but the venue does not report it: check its history at the venue, cancel "
                    "it there if working, and restart"
                )
                return
            now = self.now()
            self.engine.process(OrderRejected(coid, NEVER_REACHED, now, now))
            self.found.orders_never_received.append(coid)
        elif report is not None and report.filled_quantity != order.filled_quantity:
            self.problem(
                f"order {coid} has {order.filled_quantity} filled here but "
                f"{report.filled_quantity} at the venue: fills before the last journaled one "
                "are missing; check the account's trade history, flatten and restart"
            )
        self.found.orders_resolved[coid] = order.status.value

    def _compare(self, account: VenueAccount) -> None:
        instruments = self.engine.cache.instruments
        ours = {
            iid: p.quantity
            for iid, p in self.portfolio.positions.items()
            if instruments[iid].venue == self.name
        }
        for iid in sorted(set(ours) | set(account.positions)):
            mine, theirs = ours.get(iid, Decimal(0)), account.positions.get(iid, Decimal(0))
            if mine != theirs:
                self.problem(
                    f"position {iid}: ours {mine}, venue's {theirs}: flatten at the venue and "
                    "restart, or check for manual trades on the account"
                )
        balances = self.portfolio.balances(self.name)
        for asset in sorted(set(balances) & set(account.balances)):
            mine_exact, theirs_dec = balances[asset], account.balances[asset]
            if Fraction(mine_exact) != Fraction(theirs_dec):
                self.problem(
                    f"balance {asset}: ours {exact.to_decimal(mine_exact)}, venue's "
                    f"{theirs_dec}: check deposits, withdrawals and fees on the account (and "
                    "the configured starting balances), then restart"
                )
