"""One state-store test suite run against every implementation: a parametrized ``backend``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradewind.store import InMemoryStore, MemoryState, SqliteStore, StateStore


class Backend:
    """Opens stores over the same data, so a test can close one and 'restart' with another."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.path = tmp_path / "state.db"
        self.memory = MemoryState()
        self.opened: list[StateStore] = []

    def open(self) -> StateStore:
        """A new store over this backend's data (a restart, for a file)."""
        store: StateStore
        store = InMemoryStore(self.memory) if self.kind == "memory" else SqliteStore(self.path)
        self.opened.append(store)
        return store

    def reopen(self, store: StateStore) -> StateStore:
        """Close ``store`` and open the data again."""
        store.close()
        return self.open()


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = Backend(request.param, tmp_path)
    yield b
    for store in b.opened:
        store.close()


@pytest.fixture
def store(backend: Backend) -> StateStore:
    return backend.open()
