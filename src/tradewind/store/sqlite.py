"""``SqliteStore``: the embedded state store (stdlib ``sqlite3``, WAL, ``synchronous=FULL``).

Durability: the database runs in WAL journal mode with ``synchronous=FULL``, so a write is
fsync'd to the ``-wal`` file before its COMMIT returns and survives a process kill or a
power cut. Every write is one short ``BEGIN IMMEDIATE ... COMMIT`` transaction. Keep the
``-wal`` and ``-shm`` files next to the database when copying it while it is open (a copy
without them loses the last commits); after ``close`` the log is checkpointed into the file.

Schema: versioned by the ``schema_version`` table. A file written by a newer tradewind is
refused with a ``ConfigError`` naming the file, never silently downgraded. Decimals are
TEXT (their exact ``str``, exponent included), timestamps INTEGER nanoseconds.

PostgreSQL: a ``PostgresStore`` uses the same tables, statements and transactions. The
differences: ``%s`` placeholders instead of ``?``; ``BEGIN`` (or the driver's transaction)
instead of ``BEGIN IMMEDIATE``; ``BIGINT`` for INTEGER columns (ns timestamps overflow
``INTEGER``), ``BIGINT GENERATED ALWAYS AS IDENTITY`` for the ``seq`` keys, ``BYTEA`` for
BLOB; durability from ``synchronous_commit = on`` (the default) instead of the WAL/
``synchronous`` pragmas; no ``journal_mode`` check. Decimals stay TEXT rather than NUMERIC,
which would not keep trailing zeros' exponent the same way. ``ON CONFLICT ... DO NOTHING``,
``ON CONFLICT ... DO UPDATE ... RETURNING`` and ``CHECK`` are the same in both.

One connection, used from the thread that opened it (sqlite3's own check enforces it).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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

SCHEMA_VERSION = 1
"""The schema this module writes; files with a higher version are refused."""

_SQL_TYPE: dict[Kind, str] = {
    "text": "TEXT",
    "decimal": "TEXT",
    "int": "INTEGER",
    "bool": "INTEGER",
}


def _columns(columns: dict[str, Kind]) -> str:
    return ", ".join(f"{name} {_SQL_TYPE[kind]}" for name, kind in columns.items())


_SCHEMA = (
    f"CREATE TABLE orders (seq INTEGER PRIMARY KEY, {_columns(ORDER_COLUMNS)}, "
    "UNIQUE (client_order_id))",
    "CREATE INDEX orders_status ON orders (status)",
    f"CREATE TABLE fills (seq INTEGER PRIMARY KEY, {_columns(FILL_COLUMNS)}, "
    "UNIQUE (venue, trade_id))",
    "CREATE INDEX fills_ts_event ON fills (ts_event)",
    "CREATE TABLE positions (ordinal INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE risk_state (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL)",
    "CREATE TABLE strategy_state (strategy_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "payload BLOB NOT NULL)",
    "CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
_ORDER_NAMES = ", ".join(ORDER_COLUMNS)
_FILL_NAMES = ", ".join(FILL_COLUMNS)
_CLOSED_MARKS = ", ".join("?" * len(CLOSED_STATUSES))


class SqliteStore:
    """A ``StateStore`` in one SQLite file, created (with its schema) if missing."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            self._con: sqlite3.Connection | None = sqlite3.connect(
                self.path, isolation_level=None, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open state store {self.path}: {exc}") from None
        try:
            self._open()
        except sqlite3.Error as exc:
            self.close()
            raise ConfigError(
                f"{self.path} is not a usable tradewind state store ({exc}); "
                "point the store at another file"
            ) from None
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        con = self._connection()
        mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ConfigError(
                f"state store {self.path} cannot use WAL journal mode (got {mode!r}); "
                "use a file on a local disk, not ':memory:' or a network share"
            )
        con.execute("PRAGMA synchronous=FULL")
        with self._write() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = tx.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
            if version is None:
                for statement in _SCHEMA:
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version > SCHEMA_VERSION:
                raise ConfigError(
                    f"state store {self.path} has schema version {version}, newer than the "
                    f"{SCHEMA_VERSION} this tradewind reads; upgrade tradewind or use another file"
                )

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            raise StoreError(f"the state store {self.path} is closed")
        return self._con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction: committed (and synced) when the block exits."""
        con = self._connection()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _select(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        con = self._connection()
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def save_order(self, order_row: dict[str, Any]) -> None:
        """Journal a new order intent; committed and synced when this returns."""
        row = encode_row("orders", ORDER_COLUMNS, order_row, ORDER_REQUIRED)
        marks = ", ".join("?" * len(row))
        try:
            with self._write() as tx:
                tx.execute(
                    f"INSERT INTO orders ({_ORDER_NAMES}) VALUES ({marks})", tuple(row.values())
                )
        except sqlite3.IntegrityError:
            coid = row["client_order_id"]
            raise StoreError(f"orders: client_order_id {coid!r} is already journaled") from None

    def update_order(self, client_order_id: str, /, **fields: Any) -> None:
        """Change some fields of a journaled order."""
        if "client_order_id" in fields:
            raise StoreError("orders: client_order_id cannot be changed")
        row = encode_row("orders", ORDER_COLUMNS, fields, partial=True)
        if "status" in row and row["status"] is None:
            raise StoreError("orders: field 'status' is required")
        with self._write() as tx:
            if row:
                sets = ", ".join(f"{name} = ?" for name in row)
                params = (*row.values(), client_order_id)
                found = tx.execute(
                    f"UPDATE orders SET {sets} WHERE client_order_id = ?", params
                ).rowcount
            else:
                found = len(
                    tx.execute(
                        "SELECT 1 FROM orders WHERE client_order_id = ?", (client_order_id,)
                    ).fetchall()
                )
            if not found:
                raise StoreError(f"orders: no order {client_order_id!r} to update")

    def orders(self, open_only: bool = False) -> list[dict[str, Any]]:
        """The journaled orders in the order they were saved; only open ones if asked."""
        if open_only:
            where = f" WHERE status NOT IN ({_CLOSED_MARKS})"
            params: tuple[str, ...] = tuple(sorted(CLOSED_STATUSES))
        else:
            where, params = "", ()
        rows = self._select(f"SELECT {_ORDER_NAMES} FROM orders{where} ORDER BY seq", params)
        return [decode_row(ORDER_COLUMNS, r) for r in rows]

    def record_fill(self, fill_row: dict[str, Any]) -> bool:
        """Record a fill; False if (venue, trade_id) is already recorded."""
        row = encode_row("fills", FILL_COLUMNS, fill_row, FILL_REQUIRED)
        marks = ", ".join("?" * len(row))
        with self._write() as tx:
            cursor = tx.execute(
                f"INSERT INTO fills ({_FILL_NAMES}) VALUES ({marks}) "
                "ON CONFLICT (venue, trade_id) DO NOTHING",
                tuple(row.values()),
            )
            return cursor.rowcount == 1

    def fills(self, since_ts: int | None = None) -> list[dict[str, Any]]:
        """The recorded fills with ``ts_event >= since_ts``, oldest first."""
        where, params = ("", ()) if since_ts is None else (" WHERE ts_event >= ?", (since_ts,))
        rows = self._select(
            f"SELECT {_FILL_NAMES} FROM fills{where} ORDER BY ts_event, seq", params
        )
        return [decode_row(FILL_COLUMNS, r) for r in rows]

    def save_positions(self, rows: list[dict[str, Any]]) -> None:
        """Replace the position snapshot in one transaction."""
        docs = [(i, encode_doc(r)) for i, r in enumerate(rows)]
        with self._write() as tx:
            tx.execute("DELETE FROM positions")
            tx.executemany("INSERT INTO positions (ordinal, doc) VALUES (?, ?)", docs)

    def positions(self) -> list[dict[str, Any]]:
        """The last position snapshot, in the order saved."""
        rows = self._select("SELECT doc FROM positions ORDER BY ordinal")
        return [decode_doc(r["doc"]) for r in rows]

    def save_risk_state(self, state: dict[str, Any]) -> None:
        """Replace the risk state (a halt saved here survives a restart)."""
        doc = encode_doc(state)
        with self._write() as tx:
            tx.execute(
                "INSERT INTO risk_state (id, doc) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                (doc,),
            )

    def risk_state(self) -> dict[str, Any]:
        """The last risk state saved, or an empty dict."""
        rows = self._select("SELECT doc FROM risk_state WHERE id = 1")
        return dict(decode_doc(rows[0]["doc"])) if rows else {}

    def save_strategy_state(self, strategy_id: str, state: bytes | dict[str, Any]) -> None:
        """Replace one strategy's saved state."""
        kind, payload = encode_state(state)
        with self._write() as tx:
            tx.execute(
                "INSERT INTO strategy_state (strategy_id, kind, payload) VALUES (?, ?, ?) "
                "ON CONFLICT (strategy_id) DO UPDATE "
                "SET kind = excluded.kind, payload = excluded.payload",
                (strategy_id, kind, payload),
            )

    def strategy_state(self, strategy_id: str) -> bytes | dict[str, Any] | None:
        """One strategy's saved state, or None."""
        rows = self._select(
            "SELECT kind, payload FROM strategy_state WHERE strategy_id = ?", (strategy_id,)
        )
        return decode_state(rows[0]["kind"], rows[0]["payload"]) if rows else None

    def next_sequence(self, name: str) -> int:
        """The next value of a named counter, committed before it is returned."""
        with self._write() as tx:
            row = tx.execute(
                "INSERT INTO sequences (name, value) VALUES (?, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value",
                (name,),
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the connection (checkpointing the WAL); later calls raise ``StoreError``."""
        con, self._con = self._con, None
        if con is not None:
            con.close()
