"""Durable state of a trading node: the order-intent journal, fills, positions, risk, sequences.

``StateStore`` is the interface; ``InMemoryStore`` and ``SqliteStore`` implement it.
"""

from __future__ import annotations

from tradewind.store.base import CLOSED_STATUSES, StateStore
from tradewind.store.memory import InMemoryStore, MemoryState
from tradewind.store.rows import StoreError
from tradewind.store.sqlite import SCHEMA_VERSION, SqliteStore

__all__ = [
    "CLOSED_STATUSES",
    "SCHEMA_VERSION",
    "InMemoryStore",
    "MemoryState",
    "SqliteStore",
    "StateStore",
    "StoreError",
]
