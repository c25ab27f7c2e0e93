"""StatePersister: a live bot's orders, fills, positions, risk and strategy state, durable.

Everything is written as it changes, so that ``recover`` can rebuild it after a crash.

What is written, and when (each write one short transaction, durable when it returns):

- an order is journaled (``save_order``) when the engine tells its listeners
  ``OrderSubmitted``, which is **before** ``client.submit`` is called: the intent is durable
  before the request leaves. Orders denied by pre-trade checks never reach that point and are
  never journaled; a denial of an order that was journaled is written like any change.
- every later change of a journaled order (acknowledged, venue order id, fills, pending
  cancel/modify, canceled, rejected, expired, new price or quantity) rewrites its row
  (``update_order``); events that change nothing (a query sent, an answer repeating what we
  know) write nothing.
- every fill is recorded with its venue (``record_fill``, once per (venue, trade id)), then its
  order's row and the position snapshot are written, in that order: the fills table is the
  truth recovery rebuilds from, so a crash between the writes loses nothing.
- the risk state (``RiskEngine.export_state``) when the risk engine says it changed (a halt, a
  kill, a session high...) and after each fill, only when it differs from the last one saved.
- strategy state on ``save_strategies`` / ``checkpoint`` (periodically and at shutdown).
- the working contingent groups (brackets, OCO, OTO, trailing stops: their links and the
  exits held back until an entry fills, which no order row holds) under the strategy-state
  key ``CONTINGENT_STATE`` whenever a group changes, and before each order of a group leaves
  (``save_contingent``; only when it differs from the last one saved). ``recover`` gives them
  back to the engine's ``ContingentOrderManager``.

A write that fails raises (``StoreError``, or the database driver's error) out of the
listener, that is out of ``engine.process``: nothing is silently dropped. The bot must then
stop trading at once (halt: no new order may leave, since its intent can no longer be made
durable) and restart through ``recover``, which rebuilds from what was written. A journal
write that fails on ``OrderSubmitted`` raises before ``client.submit``: that order never leaves
(so does a client order id the journal already holds: no id is ever sent twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.execution.contingent import ContingentOrderManager
from tradewind.model.enums import LiquiditySide, OrderSide
from tradewind.model.events import (
    Fill,
    OrderDenied,
    OrderNotFound,
    OrderQueried,
    OrderRestored,
    OrderSubmitted,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.orders import Order
from tradewind.model.position import Position
from tradewind.risk.engine import RiskEngine
from tradewind.risk.session import exact_text
from tradewind.store.base import StateStore
from tradewind.strategy.base import Strategy

_NO_CHANGE = frozenset({OrderQueried, OrderNotFound})

CONTINGENT_STATE = "__contingent__"
"""The strategy-state key the working contingent groups are saved under."""


def contingent_manager(engine: Engine) -> ContingentOrderManager | None:
    """The engine's contingent-order manager (built now if need be), or None when the engine
    has no execution layer (``tradewind.execution.install``) or another manager."""
    try:
        manager = engine.contingent
    except ConfigError:
        return None
    return manager if isinstance(manager, ContingentOrderManager) else None


def saved_groups(store: StateStore) -> list[dict[str, Any]]:
    """The contingent groups ``save_contingent`` last wrote (empty if none)."""
    state = store.strategy_state(CONTINGENT_STATE)
    if not isinstance(state, dict):
        return []
    return list(state.get("groups") or [])


def fill_row(fill: Fill, venue: str) -> dict[str, Any]:
    """The store row of a fill on ``venue`` (``fill_from_row`` reads it back)."""
    return {**msgspec.structs.asdict(fill), "venue": venue}


def fill_from_row(row: dict[str, Any]) -> Fill:
    """The fill a store row holds."""
    return Fill(
        ClientOrderId(str(row["client_order_id"] or "")),
        str(row["venue_order_id"] or ""),
        str(row["trade_id"]),
        InstrumentId(str(row["instrument_id"])),
        OrderSide(str(row["side"])),
        Decimal(row["quantity"]),
        Decimal(row["price"]),
        Decimal(row["fee"] or 0),
        str(row["fee_currency"] or ""),
        LiquiditySide(str(row["liquidity"] or LiquiditySide.TAKER.value)),
        int(row["ts_event"]),
        int(row["ts_init"] or 0),
    )


def position_row(position: Position, strategy_id: str | None) -> dict[str, Any]:
    """One position of the snapshot, exact (a Fraction is written ``"n/d"``)."""
    return {
        "instrument_id": position.instrument_id,
        "strategy_id": strategy_id,
        "quantity": position.quantity,
        "cost": exact_text(position.cost),
        "realized_pnl": exact_text(position.realized_pnl),
        "fees": dict(position.fees),
        "trades": position.trades,
        "ts_opened": position.ts_opened,
        "ts_last": position.ts_last,
    }


class StatePersister:
    """Writes what a restart needs to ``store`` as it changes (see the module doc).

    Build it once the venues, instruments, portfolio and risk engine are wired (after the
    ``RiskEngine``, so that a fill is saved with the risk state it caused) and call
    ``attach()`` before anything trades (orders sent before it are not journaled, and their
    later changes fail loudly). ``strategies`` are the ones whose ``on_save`` / ``on_load``
    it calls.
    """

    def __init__(
        self,
        engine: Engine,
        store: StateStore,
        *,
        risk: RiskEngine | None = None,
        strategies: Iterable[Strategy[Any]] = (),
    ) -> None:
        self.engine = engine
        self.store = store
        self.risk = risk
        self.strategies: list[Strategy[Any]] = list(strategies)
        self._attached = False
        self._rows: dict[ClientOrderId, dict[str, object]] = {}  # open orders' last rows
        self._journaled: set[ClientOrderId] = set()  # journaled this run, still open
        self._risk_saved: dict[str, Any] | None = None
        self._contingent: ContingentOrderManager | None = None
        self._groups_saved: list[dict[str, Any]] | None = None
        self.orders_journaled = 0
        """Orders journaled by this persister."""
        self.fills_recorded = 0
        """Fills recorded by this persister (repeats of a known trade id not counted)."""

    def attach(self) -> None:
        """Start listening to the engine (orders, fills) and the risk engine (its state)."""
        if self._attached:
            raise ConfigError("StatePersister.attach was called twice: attach it once")
        self._attached = True
        self.engine.add_order_listener(self._on_order)
        self.engine.add_fill_listener(self._on_fill)
        if self.risk is not None:
            self.risk.add_state_listener(self.save_risk)
        self._contingent = contingent_manager(self.engine)
        if self._contingent is not None:
            self._contingent.add_state_listener(self.save_contingent)

    # ------------------------------------------------------------- orders
    def _on_order(self, order: Order, event: object) -> None:
        kind = event.__class__
        coid = order.client_order_id
        if kind is OrderSubmitted:
            row = order.to_row()
            self.store.save_order(row)  # durable before client.submit is called
            self.orders_journaled += 1
            self._journaled.add(coid)
            self._rows[coid] = row
            return
        if kind in _NO_CHANGE:
            return
        if kind is OrderRestored:  # its row is the journal's already: nothing to write
            self._rows[coid] = order.to_row()
            self._journaled.add(coid)
            return
        if kind is OrderDenied and coid not in self._journaled:
            return  # denied before it left: never journaled
        self._update(order)

    def _update(self, order: Order) -> None:
        coid = order.client_order_id
        row = order.to_row()
        if self._rows.get(coid) != row:
            fields = dict(row)
            del fields["client_order_id"]
            self.store.update_order(coid, **fields)
        if order.status.is_closed:
            self._rows.pop(coid, None)
            self._journaled.discard(coid)
        else:
            self._rows[coid] = row

    # -------------------------------------------------------------- fills
    def _on_fill(self, fill: Fill, order: Order) -> None:
        venue = self.engine.cache.instrument(fill.instrument_id).venue
        if self.store.record_fill(fill_row(fill, venue)):
            self.fills_recorded += 1
        self._update(order)
        self.save_positions()
        self.save_risk()

    def save_positions(self) -> None:
        """Write the position snapshot: each instrument's net position, then each strategy's."""
        portfolio = self.engine.portfolio
        net: dict[InstrumentId, Position] = getattr(portfolio, "positions", {})
        own: dict[tuple[str, InstrumentId], Position] = getattr(portfolio, "strategy_positions", {})
        rows = [position_row(p, None) for p in net.values()]
        rows.extend(position_row(p, sid) for (sid, _), p in own.items())
        self.store.save_positions(rows)

    # --------------------------------------------------------------- risk
    def save_risk(self) -> bool:
        """Write the risk state if it differs from the last one written; True if written."""
        if self.risk is None:
            return False
        state = self.risk.export_state()
        if state == self._risk_saved:
            return False
        self.store.save_risk_state(state)
        self._risk_saved = state
        return True

    # ---------------------------------------------------------- contingent
    def save_contingent(self) -> bool:
        """Write the working contingent groups if they differ from the last ones written;
        True if written."""
        if self._contingent is None:
            return False
        groups = self._contingent.export_state()
        if groups == self._groups_saved:
            return False
        self.store.save_strategy_state(CONTINGENT_STATE, {"groups": groups})
        self._groups_saved = groups
        return True

    # ---------------------------------------------------------- strategies
    def save_strategies(self) -> list[str]:
        """Store each strategy's ``on_save()`` (those returning None keep nothing); returns
        the ids of the strategies saved."""
        saved: list[str] = []
        for strategy in self.strategies:
            state = strategy.on_save()
            if state is not None:
                self.store.save_strategy_state(strategy.id, state)
                saved.append(strategy.id)
        return saved

    def load_strategies(self) -> list[str]:
        """Give each strategy that saved state its last one (``on_load``); call it before the
        strategies start. Returns the ids of the strategies given state."""
        loaded: list[str] = []
        for strategy in self.strategies:
            state = self.store.strategy_state(strategy.id)
            if state is not None:
                strategy.on_load(state)
                loaded.append(strategy.id)
        return loaded

    def checkpoint(self) -> None:
        """Save strategies, risk and positions now (the bot's periodic and shutdown save)."""
        self.save_strategies()
        self.save_risk()
        self.save_positions()

    def add_strategies(self, strategies: Sequence[Strategy[Any]]) -> None:
        """Also save and load these strategies."""
        self.strategies.extend(strategies)
