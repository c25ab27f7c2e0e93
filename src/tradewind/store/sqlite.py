"""``SqliteStore``: the embedded state store (stdlib ``sqlite3``, WAL, ``synchronous=FULL``).

Durability: the database runs in WAL journal mode with ``synchronous=FULL``, so a write is
fsync'd to the ``-wal`` file before its COMMIT returns and survives a process kill or a
power cut. Every write is one short ``BEGIN IMMEDIATE ... COMMIT`` transaction. Keep the
``-wal`` and ``-shm`` files next to the database when copying it while it is open (a copy
without them loses the last commits); after ``close`` the log is checkpointed into the file.

Schema: versioned by the ``schema_version`` table. A file written by an older tradewind is
upgraded on open (in one transaction); one written by a newer tradewind is refused with a
``ConfigError`` naming the file, never silently downgraded. Decimals are
TEXT (their exact ``str``, exponent included), timestamps INTEGER nanoseconds.

The tables, statements and store methods are shared with ``PostgresStore``
(``tradewind.store.sql``); this module only opens the file and runs the transactions.

One connection, used from the thread that opened it (sqlite3's own check enforces it).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tradewind.errors import ConfigError
from tradewind.store.rows import StoreError
from tradewind.store.sql import SCHEMA_VERSION, Dialect, SqlStore, Statements

__all__ = ["SCHEMA_VERSION", "SqliteStore"]

SQLITE = Dialect(
    mark="?",
    types={"text": "TEXT", "decimal": "TEXT", "int": "INTEGER", "bool": "INTEGER"},
    row_key="INTEGER PRIMARY KEY",
    blob="BLOB",
)
"""SQLite's placeholder and types (INTEGER is 64-bit; ``INTEGER PRIMARY KEY`` is the rowid)."""


class SqliteStore(SqlStore):
    """A ``StateStore`` in one SQLite file, created (with its schema) if missing."""

    sql = Statements(SQLITE)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = self.name = os.fspath(path)
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
            self._prepare_schema(tx, instead="use another file")

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            raise StoreError(f"the state store {self.path} is closed")
        return self._con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One short write transaction: committed (and synced) when the block exits."""
        con = self._connection()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con.cursor()
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _select(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cursor = self._connection().execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        """Close the connection (checkpointing the WAL); later calls raise ``StoreError``."""
        con, self._con = self._con, None
        if con is not None:
            con.close()
