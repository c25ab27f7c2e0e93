"""``InMemoryStore``: the state store kept in dicts, for tests and backtests.

It encodes every row through ``tradewind.store.rows`` exactly as the SQL stores do, so it
refuses the same rows and returns the same values. Nothing survives the process; to model a
restart in a test, open a second store over the same ``MemoryState``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tradewind.store.base import CLOSED_STATUSES
from tradewind.store.rows import (
    FILL_COLUMNS,
    FILL_REQUIRED,
    ORDER_COLUMNS,
    ORDER_REQUIRED,
    Encoded,
    StoreError,
    decode_doc,
    decode_row,
    decode_state,
    encode_doc,
    encode_row,
    encode_state,
)


@dataclass
class MemoryState:
    """The data behind an ``InMemoryStore``, shareable by a reopened store."""

    orders: dict[str, dict[str, Encoded]] = field(default_factory=dict)
    fills: dict[tuple[str, str], dict[str, Encoded]] = field(default_factory=dict)
    positions: list[str] = field(default_factory=list)
    risk: str | None = None
    strategies: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)


class InMemoryStore:
    """A ``StateStore`` in memory. Pass ``state`` to share data with an earlier store."""

    def __init__(self, state: MemoryState | None = None) -> None:
        self.state = state if state is not None else MemoryState()
        self._closed = False

    def _data(self) -> MemoryState:
        if self._closed:
            raise StoreError("the in-memory state store is closed")
        return self.state

    def save_order(self, order_row: dict[str, Any]) -> None:
        """Journal a new order intent."""
        data = self._data()
        row = encode_row("orders", ORDER_COLUMNS, order_row, ORDER_REQUIRED)
        coid = str(row["client_order_id"])
        if coid in data.orders:
            raise StoreError(f"orders: client_order_id {coid!r} is already journaled")
        data.orders[coid] = row

    def update_order(self, client_order_id: str, /, **fields: Any) -> None:
        """Change some fields of a journaled order."""
        data = self._data()
        if "client_order_id" in fields:
            raise StoreError("orders: client_order_id cannot be changed")
        row = encode_row("orders", ORDER_COLUMNS, fields, partial=True)
        if "status" in row and row["status"] is None:
            raise StoreError("orders: field 'status' is required")
        current = data.orders.get(client_order_id)
        if current is None:
            raise StoreError(f"orders: no order {client_order_id!r} to update")
        current.update(row)

    def orders(self, open_only: bool = False) -> list[dict[str, Any]]:
        """The journaled orders in the order they were saved."""
        rows = self._data().orders.values()
        return [
            decode_row(ORDER_COLUMNS, r)
            for r in rows
            if not (open_only and r["status"] in CLOSED_STATUSES)
        ]

    def record_fill(self, fill_row: dict[str, Any]) -> bool:
        """Record a fill once per (venue, trade_id)."""
        data = self._data()
        row = encode_row("fills", FILL_COLUMNS, fill_row, FILL_REQUIRED)
        key = (str(row["venue"]), str(row["trade_id"]))
        if key in data.fills:
            return False
        data.fills[key] = row
        return True

    def fills(self, since_ts: int | None = None) -> list[dict[str, Any]]:
        """The recorded fills from ``since_ts`` on, oldest first."""
        rows = [
            r
            for r in self._data().fills.values()
            if since_ts is None or int(r["ts_event"] or 0) >= since_ts
        ]
        rows.sort(key=lambda r: int(r["ts_event"] or 0))  # stable: ties keep insertion order
        return [decode_row(FILL_COLUMNS, r) for r in rows]

    def save_positions(self, rows: list[dict[str, Any]]) -> None:
        """Replace the position snapshot."""
        data = self._data()
        data.positions = [encode_doc(r) for r in rows]

    def positions(self) -> list[dict[str, Any]]:
        """The last position snapshot."""
        return [decode_doc(r) for r in self._data().positions]

    def save_risk_state(self, state: dict[str, Any]) -> None:
        """Replace the risk state."""
        data = self._data()
        data.risk = encode_doc(state)

    def risk_state(self) -> dict[str, Any]:
        """The last risk state, or an empty dict."""
        risk = self._data().risk
        return {} if risk is None else dict(decode_doc(risk))

    def save_strategy_state(self, strategy_id: str, state: bytes | dict[str, Any]) -> None:
        """Replace one strategy's saved state."""
        data = self._data()
        data.strategies[strategy_id] = encode_state(state)

    def strategy_state(self, strategy_id: str) -> bytes | dict[str, Any] | None:
        """One strategy's saved state, or None."""
        saved = self._data().strategies.get(strategy_id)
        return None if saved is None else decode_state(*saved)

    def next_sequence(self, name: str) -> int:
        """The next value of a named counter."""
        data = self._data()
        value = data.sequences.get(name, 0) + 1
        data.sequences[name] = value
        return value

    def close(self) -> None:
        """Close the store (the shared ``MemoryState`` keeps its data)."""
        self._closed = True
