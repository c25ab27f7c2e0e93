"""PostgresStore only: connection errors, schema versions, a SIGKILLed writer, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import pytest

from tradewind.errors import ConfigError
from tradewind.store import SCHEMA_VERSION, StoreError

from .test_store import order_row

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[dev]'")

from tradewind.store.postgres import PostgresStore  # noqa: E402

PG = tuple[str, str]  # (url, schema) from the postgres_schema fixture


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def with_params(url: str, **params: str) -> str:
    """``url`` with libpq query parameters added (``options`` sets server settings)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def test_a_refused_connection_names_host_port_and_database_but_never_the_password() -> None:
    port = _closed_port()
    url = f"postgresql://trader:TWCANARY-pw-0451@127.0.0.1:{port}/books"
    with pytest.raises(ConfigError) as info:
        PostgresStore(url)
    message = str(info.value)
    assert "TWCANARY" not in message and "0451" not in message
    assert "\n" not in message
    assert f"127.0.0.1:{port}" in message and "'books'" in message
    assert "refused" in message.lower() and "check that the server is running" in message
    assert "TWCANARY" not in repr(info.value.__cause__) and info.value.__suppress_context__


def test_an_unparsable_url_is_refused_with_its_password_masked() -> None:
    with pytest.raises(ConfigError, match=r"cannot be parsed.*postgresql://user") as info:
        PostgresStore("postgresql://trader:TWCANARY-pw@[::1/books")
    assert "TWCANARY" not in str(info.value) and "trader:***@" in str(info.value)


def test_a_newer_schema_version_is_refused_naming_the_database(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    PostgresStore(url, schema=schema).close()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"UPDATE {schema}.schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    database = url.rsplit("/", 1)[1].split("?")[0]
    expected = (
        rf"PostgreSQL database '{database}' on 127\.0\.0\.1:\d+, schema '{schema}' has "
        rf"schema version {SCHEMA_VERSION + 1}, newer .* use another database or schema"
    )
    with pytest.raises(ConfigError, match=expected):
        PostgresStore(url, schema=schema)


def test_the_current_schema_version_is_recorded_once(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    for _ in range(2):
        PostgresStore(url, schema=schema).close()
    with psycopg.connect(url) as con:
        rows = con.execute(f"SELECT version FROM {schema}.schema_version").fetchall()
    assert rows == [(SCHEMA_VERSION,)]


def _write_then_wait(url: str, schema: str, coid: str, done: Connection) -> None:
    store = PostgresStore(url, schema=schema)
    store.save_order(order_row(coid))
    seq = store.next_sequence("coid")
    done.send((coid, seq))  # save_order has returned: the parent kills us now
    time.sleep(60)


def test_a_write_from_a_killed_process_is_there_after_reopening(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    PostgresStore(url, schema=schema).close()
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_write_then_wait, args=(url, schema, "O-KILLED", child_end))
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
    store = PostgresStore(url, schema=schema)
    try:
        assert [o["client_order_id"] for o in store.orders(open_only=True)] == ["O-KILLED"]
        assert store.next_sequence("coid") == 2
    finally:
        store.close()


def test_no_transaction_stays_open_between_calls(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    writer, reader = PostgresStore(url, schema=schema), PostgresStore(url, schema=schema)
    try:
        assert reader.orders() == []  # a read, then another connection's write...
        writer.save_order(order_row("O-1"))
        assert [o["client_order_id"] for o in reader.orders()] == ["O-1"]  # ...is seen at once
        for store in (writer, reader):
            status = store._connection().info.transaction_status
            assert status == psycopg.pq.TransactionStatus.IDLE
    finally:
        writer.close()
        reader.close()


def test_sequences_never_repeat_across_concurrent_connections(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    stores = [PostgresStore(url, schema=schema) for _ in range(3)]
    got: list[int] = []
    lock = threading.Lock()

    def draw(store: PostgresStore) -> None:
        values = [store.next_sequence("coid") for _ in range(30)]
        with lock:
            got.extend(values)

    threads = [threading.Thread(target=draw, args=(s,)) for s in stores]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for s in stores:
            s.close()
    assert sorted(got) == list(range(1, 91))


def test_stores_opening_one_empty_schema_at_once_all_succeed(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait(10)
        try:
            opened.append(PostgresStore(url, schema=schema))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for s in opened:
        s.close()
    assert errors == [] and len(opened) == 4


def test_schemas_keep_stores_apart(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    first = PostgresStore(url, schema=schema)
    second = PostgresStore(url, schema=schema + "_other")
    try:
        first.save_order(order_row("O-1"))
        assert second.orders() == [] and second.next_sequence("coid") == 1
        second.save_order(order_row("O-1"))  # the same id is new in the other schema
    finally:
        first.close()
        second.close()
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema}_other CASCADE")


def test_synchronous_commit_is_forced_on_when_the_server_has_it_off(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    lax = with_params(url, options="-csynchronous_commit%3Doff")
    with psycopg.connect(lax) as con:
        assert con.execute("SHOW synchronous_commit").fetchone() == ("off",)
    store = PostgresStore(lax, schema=schema)
    try:
        row = store._connection().execute("SHOW synchronous_commit").fetchone()
        assert row == ("on",)
    finally:
        store.close()


def test_a_server_lost_mid_run_is_a_one_line_store_error(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    store = PostgresStore(url, schema=schema)
    try:
        pid = store._connection().info.backend_pid
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError, match=re.escape(store.name)) as info:
            store.save_order(order_row("O-1"))
        assert "\n" not in str(info.value) and "restart" in str(info.value)
    finally:
        store.close()


def test_without_psycopg_the_store_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # 'import psycopg' now raises ImportError
    monkeypatch.delitem(sys.modules, "tradewind.store.postgres")
    import tradewind.store

    expected = re.escape("PostgreSQL store needs psycopg: pip install 'tradewind[postgres]'")
    with pytest.raises(ConfigError, match=expected):
        _ = tradewind.store.PostgresStore
    with pytest.raises(ConfigError, match=expected):
        tradewind.store.open_store("postgresql://127.0.0.1/books")


def test_importing_the_store_package_does_not_import_psycopg() -> None:
    code = "import sys, tradewind.store; print('psycopg' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"


def test_a_user_who_may_not_create_the_tables_is_told_the_fix(postgres_schema: PG) -> None:
    url, schema = postgres_schema
    role = f"reader_{schema}"
    with psycopg.connect(url, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'TWCANARY-role-pw'")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the test server's user may not create roles")
    try:
        head, tail = url.split("://", 1)
        as_reader = f"{head}://{role}:TWCANARY-role-pw@{tail.split('@', 1)[-1]}"
        with pytest.raises(ConfigError, match=r"not a usable .*grant the user CREATE") as info:
            PostgresStore(as_reader, schema=schema)
        assert "TWCANARY" not in str(info.value) and "\n" not in str(info.value)
        assert "permission denied" in str(info.value)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")
