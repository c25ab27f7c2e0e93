"""SqliteStore only: WAL and fsync settings, a SIGKILLed writer, schema versions, bad files."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sqlite3
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from tradewind.errors import ConfigError
from tradewind.store import SCHEMA_VERSION, SqliteStore

from .test_store import order_row


def test_wal_journal_and_full_sync_are_on(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        con = store._connection()
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        store.save_order(order_row())
        assert (tmp_path / "state.db-wal").exists()
    finally:
        store.close()
    other = sqlite3.connect(path)  # WAL mode is a property of the file: it persists
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def _write_then_wait(path: str, coid: str, done: Connection) -> None:
    store = SqliteStore(path)
    store.save_order(order_row(coid))
    seq = store.next_sequence("coid")
    done.send((coid, seq))  # save_order has returned: the parent kills us now
    time.sleep(60)


def test_a_write_from_a_killed_process_is_there_after_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    SqliteStore(path).close()
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_write_then_wait, args=(path, "O-KILLED", child_end))
    child.start()
    try:
        assert parent_end.poll(30), "the child never reported its write"
        assert parent_end.recv() == ("O-KILLED", 1)
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    store = SqliteStore(path)
    try:
        assert [o["client_order_id"] for o in store.orders(open_only=True)] == ["O-KILLED"]
        assert store.next_sequence("coid") == 2
    finally:
        store.close()


def test_a_newer_schema_version_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteStore(path).close()
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    con.close()
    expected = re.escape(str(path)) + f".*schema version {SCHEMA_VERSION + 1}"
    with pytest.raises(ConfigError, match=expected):
        SqliteStore(path)


def test_the_current_schema_version_is_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    for _ in range(2):
        SqliteStore(path).close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        con.close()


def test_a_file_that_is_not_a_database_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not sqlite\n" * 200)
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        SqliteStore(path)


def test_an_in_memory_database_is_refused_for_lacking_wal() -> None:
    with pytest.raises(ConfigError, match="WAL"):
        SqliteStore(":memory:")


def test_a_second_connection_sees_each_committed_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    writer, reader = SqliteStore(path), SqliteStore(path)
    try:
        writer.save_order(order_row("O-1"))
        assert [o["client_order_id"] for o in reader.orders()] == ["O-1"]
        assert writer.next_sequence("x") == 1 and reader.next_sequence("x") == 2
    finally:
        writer.close()
        reader.close()
