"""Schema versions of the SQL stores: an older database is upgraded on open, keeping its rows."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.store import SCHEMA_VERSION, StateStore
from tradewind.store.rows import FILL_COLUMNS, ORDER_COLUMNS, encode_row
from tradewind.store.sql import ADDED_COLUMNS

from .conftest import Backend
from .test_store import order_row

V1_ORDER_COLUMNS = [
    "client_order_id", "strategy_id", "instrument_id", "side", "type", "quantity", "price",
    "trigger_price", "time_in_force", "post_only", "reduce_only", "status", "filled_quantity",
    "avg_price", "venue_order_id", "reason", "ts_init", "ts_last",
]  # fmt: skip
V1_FILL_COLUMNS = [
    "venue", "trade_id", "client_order_id", "venue_order_id", "instrument_id", "side",
    "quantity", "price", "fee", "fee_currency", "liquidity", "ts_event", "ts_init",
]  # fmt: skip


def _added(table: str) -> list[str]:
    return [
        name
        for version in sorted(ADDED_COLUMNS)
        for t, name in ADDED_COLUMNS[version]
        if t == table
    ]


def test_every_column_is_in_the_first_schema_or_added_by_an_upgrade() -> None:
    # A column added to rows.py without an ADDED_COLUMNS entry would break every older file.
    assert list(ORDER_COLUMNS) == V1_ORDER_COLUMNS + _added("orders")
    assert list(FILL_COLUMNS) == V1_FILL_COLUMNS + _added("fills")
    assert max(ADDED_COLUMNS) == SCHEMA_VERSION


def _execute(backend: Backend, *statements: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run SQL on the backend's database directly (not through a store); the last rows."""
    rows: list[Any] = []
    if backend.kind == "sqlite":
        import sqlite3

        con = sqlite3.connect(backend.path)
        with con:
            for sql in statements:
                rows = con.execute(sql.replace("%s", "?"), params).fetchall()
        con.close()
    else:
        import psycopg

        assert backend.postgres is not None
        url, schema = backend.postgres
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(f"SET search_path TO {schema}")
            for sql in statements:
                cur = pg.execute(sql, params)
                rows = cur.fetchall() if cur.description else []
    return rows


def _make_version_1(backend: Backend) -> None:
    """Turn the backend's fresh database into one written by schema version 1."""
    backend.open().close()
    drops = [f"ALTER TABLE orders DROP COLUMN {name}" for name in _added("orders")]
    _execute(backend, *drops, "UPDATE schema_version SET version = 1")


@pytest.fixture(params=["sqlite", "postgres"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    postgres = request.getfixturevalue("postgres_schema") if request.param == "postgres" else None
    b = Backend(request.param, tmp_path, postgres)
    yield b
    for store in b.opened:
        store.close()


def test_a_version_1_database_is_upgraded_on_open_keeping_its_orders(sql_backend: Backend) -> None:
    _make_version_1(sql_backend)
    v1 = {name: ORDER_COLUMNS[name] for name in V1_ORDER_COLUMNS}
    old = encode_row("orders", v1, {k: order_row("O-OLD")[k] for k in v1})
    marks = ", ".join(["%s"] * len(old))
    insert = f"INSERT INTO orders ({', '.join(old)}) VALUES ({marks})"
    _execute(sql_backend, insert, params=tuple(old.values()))

    store: StateStore = sql_backend.open()
    (got,) = store.orders()
    assert got["client_order_id"] == "O-OLD" and str(got["price"]) == "65000.10"
    assert all(got[name] is None for name in _added("orders"))
    store.save_order(order_row("O-NEW", filled_notional=Decimal("1.10"), tags="a,b"))
    new = store.orders()[1]
    assert str(new["filled_notional"]) == "1.10" and new["tags"] == "a,b"
    store.update_order("O-OLD", working_status="ACCEPTED")
    assert store.orders()[0]["working_status"] == "ACCEPTED"
    store.close()
    assert _execute(sql_backend, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
