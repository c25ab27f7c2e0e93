"""What the SQL state stores share: one schema, one set of statements, the methods over them.

``SqliteStore`` and ``PostgresStore`` are both a ``SqlStore``: every ``StateStore`` method is
written once here, over two hooks each store provides (``_write``: one short transaction,
committed when the block exits; ``_select``: a read). A ``Dialect`` says the little that
differs between the engines (placeholder, integer, row-key and blob types), so the two stores
run the same statements and cannot drift apart in what they refuse or return.

Schema versions: a column added to ``rows.py`` gets an entry in ``ADDED_COLUMNS`` under a new
``SCHEMA_VERSION``; opening an older database adds it (``ALTER TABLE ... ADD COLUMN``, the
same on both engines) in the same transaction that checks the version.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from tradewind.errors import ConfigError
from tradewind.store.base import CLOSED_STATUSES
from tradewind.store.rows import (
    FILL_COLUMNS,
    FILL_REQUIRED,
    ORDER_COLUMNS,
    ORDER_REQUIRED,
    Kind,
    StoreError,
    decode_doc,
    decode_row,
    decode_state,
    encode_doc,
    encode_row,
    encode_state,
)

SCHEMA_VERSION = 2
"""The schema the SQL stores write; a database with a higher version is refused."""

ADDED_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    2: tuple(
        ("orders", name)
        for name in (
            "working_status",
            "update_pending",
            "filled_notional",
            "expire_time_ns",
            "tags",
        )
    ),
}
"""(table, column) pairs each schema version added: an older database gains them on open."""


@dataclass(frozen=True)
class Dialect:
    """What differs between two SQL engines for our tables: a placeholder and a few types."""

    mark: str
    types: Mapping[Kind, str]
    row_key: str
    blob: str


class Cursor(Protocol):
    """The DB-API cursor surface the stores use (``sqlite3`` and ``psycopg`` both have it)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...


_ORDER_NAMES = ", ".join(ORDER_COLUMNS)
_FILL_NAMES = ", ".join(FILL_COLUMNS)


class Statements:
    """Every statement a SQL store runs, rendered once for one ``Dialect``."""

    def __init__(self, dialect: Dialect) -> None:
        self.mark = m = dialect.mark
        key, blob, integer = dialect.row_key, dialect.blob, dialect.types["int"]

        def columns(cols: Mapping[str, Kind]) -> str:
            return ", ".join(f"{name} {dialect.types[kind]}" for name, kind in cols.items())

        self.schema = (
            f"CREATE TABLE orders (seq {key}, {columns(ORDER_COLUMNS)}, UNIQUE (client_order_id))",
            "CREATE INDEX orders_status ON orders (status)",
            f"CREATE TABLE fills (seq {key}, {columns(FILL_COLUMNS)}, UNIQUE (venue, trade_id))",
            "CREATE INDEX fills_ts_event ON fills (ts_event)",
            "CREATE TABLE positions (ordinal INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
            "CREATE TABLE risk_state (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL)",
            "CREATE TABLE strategy_state (strategy_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            f"payload {blob} NOT NULL)",
            f"CREATE TABLE sequences (name TEXT PRIMARY KEY, value {integer} NOT NULL)",
        )
        table_columns = {"orders": ORDER_COLUMNS, "fills": FILL_COLUMNS}
        self.upgrades = {
            version: tuple(
                f"ALTER TABLE {table} ADD COLUMN {name} {dialect.types[table_columns[table][name]]}"
                for table, name in added
            )
            for version, added in ADDED_COLUMNS.items()
        }
        self.version_table = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        self.version = "SELECT MAX(version) FROM schema_version"
        self.insert_version = f"INSERT INTO schema_version (version) VALUES ({m})"
        self.set_version = f"UPDATE schema_version SET version = {m}"
        self.insert_order = (
            f"INSERT INTO orders ({_ORDER_NAMES}) VALUES ({self.marks(len(ORDER_COLUMNS))}) "
            "ON CONFLICT (client_order_id) DO NOTHING"
        )
        self.order_exists = f"SELECT 1 FROM orders WHERE client_order_id = {m}"
        self.orders = f"SELECT {_ORDER_NAMES} FROM orders ORDER BY seq"
        self.open_orders = (
            f"SELECT {_ORDER_NAMES} FROM orders "
            f"WHERE status NOT IN ({self.marks(len(CLOSED_STATUSES))}) ORDER BY seq"
        )
        self.insert_fill = (
            f"INSERT INTO fills ({_FILL_NAMES}) VALUES ({self.marks(len(FILL_COLUMNS))}) "
            "ON CONFLICT (venue, trade_id) DO NOTHING"
        )
        self.fills = f"SELECT {_FILL_NAMES} FROM fills ORDER BY ts_event, seq"
        self.fills_since = (
            f"SELECT {_FILL_NAMES} FROM fills WHERE ts_event >= {m} ORDER BY ts_event, seq"
        )
        self.clear_positions = "DELETE FROM positions"
        self.insert_position = f"INSERT INTO positions (ordinal, doc) VALUES ({m}, {m})"
        self.positions = "SELECT doc FROM positions ORDER BY ordinal"
        self.upsert_risk = (
            f"INSERT INTO risk_state (id, doc) VALUES (1, {m}) "
            "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
        )
        self.risk = "SELECT doc FROM risk_state WHERE id = 1"
        self.upsert_strategy = (
            f"INSERT INTO strategy_state (strategy_id, kind, payload) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (strategy_id) DO UPDATE "
            "SET kind = excluded.kind, payload = excluded.payload"
        )
        self.strategy = f"SELECT kind, payload FROM strategy_state WHERE strategy_id = {m}"
        # One statement, so the increment and the read are one atomic step on both engines.
        self.next_sequence = (
            f"INSERT INTO sequences (name, value) VALUES ({m}, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value"
        )

    def marks(self, n: int) -> str:
        """``n`` placeholders, comma-separated."""
        return ", ".join([self.mark] * n)

    def update_order(self, names: list[str]) -> str:
        """The UPDATE of some order fields (names come from ``ORDER_COLUMNS``, never a user)."""
        sets = ", ".join(f"{name} = {self.mark}" for name in names)
        return f"UPDATE orders SET {sets} WHERE client_order_id = {self.mark}"


_SECRET_IN_URL = re.compile(r"(?P<head>://[^/?#@:]*:)[^/?#@]*@")
_SECRET_IN_DSN = re.compile(r"(?P<head>\bpassword\s*=\s*)(?:'[^']*'|\S+)", re.I)


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for an error message or a log."""
    url = _SECRET_IN_URL.sub(r"\g<head>***@", url)
    return _SECRET_IN_DSN.sub(r"\g<head>***", url)


class SqlStore(ABC):
    """A ``StateStore`` over SQL: the shared methods; subclasses open the connection."""

    sql: Statements
    """The statements in this store's dialect (a class attribute of each subclass)."""
    name: str
    """What the store is, for messages: a file path, or a database on a host."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Cursor]:
        """One short write transaction: committed (durably) when the block exits."""

    @abstractmethod
    def _select(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """The rows of a query, as dicts by column name."""

    def _prepare_schema(self, tx: Cursor, *, instead: str) -> None:
        """Create the tables in an empty database, upgrade an older one (in the caller's
        transaction, so all or nothing); refuse one written by a newer tradewind."""
        tx.execute(self.sql.version_table)
        tx.execute(self.sql.version)
        version = tx.fetchone()[0]
        if version is None:
            for statement in self.sql.schema:
                tx.execute(statement)
            tx.execute(self.sql.insert_version, (SCHEMA_VERSION,))
        elif version < SCHEMA_VERSION:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in self.sql.upgrades.get(step, ()):
                    tx.execute(statement)
            tx.execute(self.sql.set_version, (SCHEMA_VERSION,))
        elif version > SCHEMA_VERSION:
            raise ConfigError(
                f"state store {self.name} has schema version {version}, newer than the "
                f"{SCHEMA_VERSION} this tradewind reads; upgrade tradewind or {instead}"
            )

    def save_order(self, order_row: dict[str, Any]) -> None:
        """Journal a new order intent; committed and synced when this returns."""
        row = encode_row("orders", ORDER_COLUMNS, order_row, ORDER_REQUIRED)
        with self._write() as tx:
            tx.execute(self.sql.insert_order, tuple(row.values()))
            inserted = tx.rowcount == 1
        if not inserted:
            coid = row["client_order_id"]
            raise StoreError(f"orders: client_order_id {coid!r} is already journaled")

    def update_order(self, client_order_id: str, /, **fields: Any) -> None:
        """Change some fields of a journaled order."""
        if "client_order_id" in fields:
            raise StoreError("orders: client_order_id cannot be changed")
        row = encode_row("orders", ORDER_COLUMNS, fields, partial=True)
        if "status" in row and row["status"] is None:
            raise StoreError("orders: field 'status' is required")
        with self._write() as tx:
            if row:
                tx.execute(self.sql.update_order(list(row)), (*row.values(), client_order_id))
                found = tx.rowcount > 0
            else:
                tx.execute(self.sql.order_exists, (client_order_id,))
                found = tx.fetchone() is not None
            if not found:
                raise StoreError(f"orders: no order {client_order_id!r} to update")

    def orders(self, open_only: bool = False) -> list[dict[str, Any]]:
        """The journaled orders in the order they were saved; only open ones if asked."""
        if open_only:
            rows = self._select(self.sql.open_orders, tuple(sorted(CLOSED_STATUSES)))
        else:
            rows = self._select(self.sql.orders)
        return [decode_row(ORDER_COLUMNS, r) for r in rows]

    def record_fill(self, fill_row: dict[str, Any]) -> bool:
        """Record a fill; False (nothing written) if (venue, trade_id) is already recorded."""
        row = encode_row("fills", FILL_COLUMNS, fill_row, FILL_REQUIRED)
        with self._write() as tx:
            tx.execute(self.sql.insert_fill, tuple(row.values()))
            return tx.rowcount == 1

    def fills(self, since_ts: int | None = None) -> list[dict[str, Any]]:
        """The recorded fills with ``ts_event >= since_ts``, oldest first."""
        if since_ts is None:
            rows = self._select(self.sql.fills)
        else:
            rows = self._select(self.sql.fills_since, (since_ts,))
        return [decode_row(FILL_COLUMNS, r) for r in rows]

    def save_positions(self, rows: list[dict[str, Any]]) -> None:
        """Replace the position snapshot in one transaction."""
        docs = [(i, encode_doc(r)) for i, r in enumerate(rows)]
        with self._write() as tx:
            tx.execute(self.sql.clear_positions)
            if docs:
                tx.executemany(self.sql.insert_position, docs)

    def positions(self) -> list[dict[str, Any]]:
        """The last position snapshot, in the order saved."""
        return [decode_doc(r["doc"]) for r in self._select(self.sql.positions)]

    def save_risk_state(self, state: dict[str, Any]) -> None:
        """Replace the risk state (a halt saved here survives a restart)."""
        doc = encode_doc(state)
        with self._write() as tx:
            tx.execute(self.sql.upsert_risk, (doc,))

    def risk_state(self) -> dict[str, Any]:
        """The last risk state saved, or an empty dict."""
        rows = self._select(self.sql.risk)
        return dict(decode_doc(rows[0]["doc"])) if rows else {}

    def save_strategy_state(self, strategy_id: str, state: bytes | dict[str, Any]) -> None:
        """Replace one strategy's saved state."""
        kind, payload = encode_state(state)
        with self._write() as tx:
            tx.execute(self.sql.upsert_strategy, (strategy_id, kind, payload))

    def strategy_state(self, strategy_id: str) -> bytes | dict[str, Any] | None:
        """One strategy's saved state, or None."""
        rows = self._select(self.sql.strategy, (strategy_id,))
        return decode_state(rows[0]["kind"], rows[0]["payload"]) if rows else None

    def next_sequence(self, name: str) -> int:
        """The next value of a named counter, committed before it is returned."""
        with self._write() as tx:
            tx.execute(self.sql.next_sequence, (name,))
            value = tx.fetchone()[0]
        return int(value)
