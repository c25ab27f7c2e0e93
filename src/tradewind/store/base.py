"""The state store interface: what a live run writes so that a crash or restart loses nothing.

The rule (RELIABILITY.md section 4.1): an order intent is written with ``save_order`` and the
call has returned (durable: committed and synced) **before** the request leaves the process;
state is then the intent journal plus the venue's reports. Fills are recorded idempotently by
(venue, trade_id), so a fill re-sent after a reconnect or backfill counts once. A halt saved
with ``save_risk_state`` survives a restart, so a supervisor never auto-resumes trading.

Rows are plain dicts (see ``tradewind.store.rows`` for the columns); money and quantities
are exact ``Decimal``s on the way in and out, never floats. Implementations:
``InMemoryStore`` (tests, backtests) and ``SqliteStore`` (the embedded default); a
PostgreSQL store follows the same SQL (see ``tradewind.store.sqlite``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from tradewind.model.enums import OrderStatus
from tradewind.store.rows import StoreError

CLOSED_STATUSES = frozenset(s.value for s in OrderStatus if s.is_closed)
"""Order statuses that can no longer trade; ``orders(open_only=True)`` leaves these out."""

__all__ = ["CLOSED_STATUSES", "StateStore", "StoreError"]


@runtime_checkable
class StateStore(Protocol):
    """Durable state of a trading node. Every write is one short transaction, durable on return."""

    def save_order(self, order_row: dict[str, Any]) -> None:
        """Journal a new order intent; durable when this returns. A known id is refused."""
        ...

    def update_order(self, client_order_id: str, /, **fields: Any) -> None:
        """Change some fields of a journaled order (status, fills, venue id, ...)."""
        ...

    def orders(self, open_only: bool = False) -> list[dict[str, Any]]:
        """The journaled orders in the order they were saved; only open ones if asked."""
        ...

    def record_fill(self, fill_row: dict[str, Any]) -> bool:
        """Record a fill; False (and nothing written) if (venue, trade_id) is already known."""
        ...

    def fills(self, since_ts: int | None = None) -> list[dict[str, Any]]:
        """The recorded fills with ``ts_event >= since_ts`` (all if None), oldest first."""
        ...

    def save_positions(self, rows: list[dict[str, Any]]) -> None:
        """Replace the position snapshot with ``rows`` (atomically)."""
        ...

    def positions(self) -> list[dict[str, Any]]:
        """The last position snapshot saved, in the order given."""
        ...

    def save_risk_state(self, state: dict[str, Any]) -> None:
        """Replace the risk state (session PnL, halts and their reasons)."""
        ...

    def risk_state(self) -> dict[str, Any]:
        """The last risk state saved, or an empty dict."""
        ...

    def save_strategy_state(self, strategy_id: str, state: bytes | dict[str, Any]) -> None:
        """Replace one strategy's saved state (raw bytes, or a JSON-able dict)."""
        ...

    def strategy_state(self, strategy_id: str) -> bytes | dict[str, Any] | None:
        """One strategy's saved state, or None if it never saved any."""
        ...

    def next_sequence(self, name: str) -> int:
        """The next value (1, 2, ...) of a named counter; never repeats, even across restarts."""
        ...

    def close(self) -> None:
        """Release the store; later calls raise ``StoreError``."""
        ...
