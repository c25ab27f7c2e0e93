"""One state-store test suite run against every implementation: a parametrized ``backend``.

The PostgreSQL runs use ``TRADEWIND_TEST_POSTGRES_URL`` when it is set; otherwise this
session starts a throwaway server of its own (``postgres_server.py``; each xdist worker its
own), and each test gets a fresh schema in it. Without psycopg or server binaries those
runs are skipped with the reason, never failed.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tradewind.store import InMemoryStore, MemoryState, SqliteStore, StateStore

from .postgres_server import NO_SERVER, PostgresServer, find_server_binaries

URL_VARIABLE = "TRADEWIND_TEST_POSTGRES_URL"


class Backend:
    """Opens stores over the same data, so a test can close one and 'restart' with another."""

    def __init__(self, kind: str, tmp_path: Path, postgres: tuple[str, str] | None = None) -> None:
        self.kind = kind
        self.path = tmp_path / "state.db"
        self.memory = MemoryState()
        self.postgres = postgres  # (url, schema)
        self.opened: list[StateStore] = []

    def open(self) -> StateStore:
        """A new store over this backend's data (a restart, for a file or a database)."""
        store: StateStore
        if self.kind == "memory":
            store = InMemoryStore(self.memory)
        elif self.kind == "sqlite":
            store = SqliteStore(self.path)
        else:
            from tradewind.store import PostgresStore

            assert self.postgres is not None
            url, schema = self.postgres
            store = PostgresStore(url, schema=schema)
        self.opened.append(store)
        return store

    def reopen(self, store: StateStore) -> StateStore:
        """Close ``store`` and open the data again."""
        store.close()
        return self.open()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database to test in: the given url's, or one on a server started here."""
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg is not installed: pip install -e '.[dev]' (or 'tradewind[postgres]')")
    given = os.environ.get(URL_VARIABLE, "").strip()
    if given:
        yield given
        return
    binaries = find_server_binaries()
    if binaries is None:
        pytest.skip(NO_SERVER)
    server = PostgresServer(*binaries)
    try:
        yield server.start()
    finally:
        server.stop()


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql)


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[tuple[str, str]]:
    """``(url, schema)``: a schema of this test's own, dropped (with its tables) afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    yield postgres_url, schema
    _admin(postgres_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    postgres: Any = None
    if request.param == "postgres":
        postgres = request.getfixturevalue("postgres_schema")
    b = Backend(request.param, tmp_path, postgres)
    yield b
    for store in b.opened:
        store.close()


@pytest.fixture
def store(backend: Backend) -> StateStore:
    return backend.open()
