"""``PostgresStore``: the state store in a PostgreSQL database (psycopg 3), for production.

Same tables, statements and methods as ``SqliteStore`` (``tradewind.store.sql``): ``%s``
placeholders, ``BIGINT`` ns timestamps, identity ``seq`` keys, ``BYTEA`` blobs, Decimals as
TEXT (exponent kept: ``Decimal("1.10")`` comes back as ``"1.10"``). Every call is one short
transaction, committed before it returns (reads too, so no transaction is left open), and a
commit is durable on return: ``synchronous_commit`` is forced on if the server has it off.

``schema=`` puts the tables in that schema (created if missing) instead of the connection's
default (usually ``public``). Two processes opening an empty database at once do not race:
the schema is created under a transaction-level advisory lock.

Errors: a bad url or an unreachable server is a ``ConfigError`` naming the host, port and
database (never the password); a failure of the server or the link while running is a
``StoreError``. Without psycopg installed, importing this module raises a ``ConfigError``
saying which extra to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from tradewind.errors import ConfigError
from tradewind.store.rows import StoreError
from tradewind.store.sql import Dialect, SqlStore, Statements, masked_url

try:
    import psycopg
    from psycopg import sql as pgsql
    from psycopg.conninfo import conninfo_to_dict
except ImportError:  # the 'postgres' extra is not installed
    raise ConfigError("PostgreSQL store needs psycopg: pip install 'tradewind[postgres]'") from None

__all__ = ["POSTGRES", "PostgresStore"]

POSTGRES = Dialect(
    mark="%s",
    types={"text": "TEXT", "decimal": "TEXT", "int": "BIGINT", "bool": "INTEGER"},
    row_key="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    blob="BYTEA",
)
"""PostgreSQL's placeholder and types (ns timestamps overflow ``INTEGER``, so ``BIGINT``)."""

_SCHEMA_LOCK = 0x7472_6164_6577_696E  # "tradewin": the advisory lock held while creating tables
_CONNECT_TIMEOUT_S = 10


def _one_line(exc: BaseException, password: str | None) -> str:
    """The driver's message on one line, any password in it masked (libpq leaves it out)."""
    text = masked_url(" ".join(str(exc).split()) or type(exc).__name__)
    return text.replace(password, "***") if password else text


class PostgresStore(SqlStore):
    """A ``StateStore`` in a PostgreSQL database, its tables created if missing."""

    sql = Statements(POSTGRES)

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = masked_url(url)
        self.schema = schema
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error:
            raise ConfigError(
                f"PostgreSQL url {self.url} cannot be parsed; "
                "write it as postgresql://user:password@host:5432/database"
            ) from None
        password = str(params.get("password") or "") or None
        self.name = self._describe(params)
        if schema is not None and not schema.strip():
            raise ConfigError(f"schema for {self.name} is empty; give a name or leave it out")
        extra: dict[str, Any] = {}
        if "connect_timeout" not in params:
            extra["connect_timeout"] = _CONNECT_TIMEOUT_S
        try:
            self._con: psycopg.Connection[Any] | None = psycopg.connect(
                url, autocommit=False, **extra
            )
        except psycopg.Error as exc:
            raise ConfigError(
                f"cannot connect to the {self.name}: {_one_line(exc, password)}; check that "
                "the server is running there and the url's host, port, database, user and password"
            ) from None
        try:
            self._open()
        except psycopg.Error as exc:
            self.close()
            raise ConfigError(
                f"{self.name} is not a usable tradewind state store ({_one_line(exc, password)}); "
                "grant the user CREATE on the database or schema, or point the store elsewhere"
            ) from None
        except BaseException:
            self.close()
            raise

    def _describe(self, params: dict[str, Any]) -> str:
        host = params.get("host") or "the local socket"
        port = params.get("port") or "5432"
        database = params.get("dbname") or params.get("user") or "(default)"
        where = f"PostgreSQL database {database!r} on {host}:{port}"
        return f"{where}, schema {self.schema!r}" if self.schema else where

    def _open(self) -> None:
        with self._transaction() as tx:  # the SETs are session settings once this commits
            tx.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            if self.schema:
                schema = pgsql.Identifier(self.schema)
                tx.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
                tx.execute(pgsql.SQL("SET search_path TO {}").format(schema))
            tx.execute("SELECT current_setting('synchronous_commit')")
            if tx.fetchone() == ("off",):
                tx.execute("SET synchronous_commit TO on")
            self._prepare_schema(tx, instead="use another database or schema")

    def _connection(self) -> psycopg.Connection[Any]:
        if self._con is None:
            raise StoreError(f"the state store {self.name} is closed")
        return self._con

    def _failed(self, exc: psycopg.Error) -> StoreError:
        return StoreError(
            f"{self.name} failed: {_one_line(exc, None)}; check the server and the link to it, "
            "then restart (what was committed is kept)"
        )

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        """One transaction: committed when the block exits, rolled back if it raises."""
        con = self._connection()
        try:
            with con.cursor() as cur:
                yield cur
            con.commit()
        except BaseException:
            with suppress(psycopg.Error):
                con.rollback()
            raise

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor[Any]]:
        """One short write transaction: committed (durably) when the block exits."""
        try:
            with self._transaction() as cur:
                yield cur
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def _select(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        con = self._connection()
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                names = [d.name for d in cur.description or ()]
                rows = cur.fetchall()
            con.commit()  # end the read's transaction: nothing stays open between calls
        except psycopg.Error as exc:
            with suppress(psycopg.Error):
                con.rollback()
            raise self._failed(exc) from None
        return [dict(zip(names, row, strict=True)) for row in rows]

    def close(self) -> None:
        """Close the connection; later calls raise ``StoreError``."""
        con, self._con = self._con, None
        if con is not None:
            con.close()
