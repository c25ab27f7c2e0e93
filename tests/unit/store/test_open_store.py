"""``open_store(url)``: which store each url opens, and one-line refusals with passwords masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.errors import ConfigError
from tradewind.store import InMemoryStore, SqliteStore, open_store
from tradewind.store.sql import masked_url

from .test_store import order_row


def test_memory_opens_an_in_memory_store() -> None:
    store = open_store("memory")
    assert isinstance(store, InMemoryStore)


@pytest.mark.parametrize(
    "url", ["sqlite:///state/bot.db", "state/bot.db", "state/bot.sqlite", " state/bot.sqlite3 "]
)
def test_a_sqlite_url_or_path_opens_the_file_relative_to_here_creating_folders(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store(url)
    try:
        assert isinstance(store, SqliteStore)
        store.save_order(order_row())
        assert Path(store.path).resolve().parent == tmp_path / "state"
        assert Path(store.path).resolve().is_file()
    finally:
        store.close()


def test_four_slashes_make_an_absolute_sqlite_path(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "bot.db"
    store = open_store(f"sqlite:///{target}")  # target starts with '/': four slashes in all
    try:
        assert isinstance(store, SqliteStore) and Path(store.path) == target
        assert target.is_file()
    finally:
        store.close()


def test_a_postgres_url_opens_a_postgres_store(postgres_schema: tuple[str, str]) -> None:
    from tradewind.store import PostgresStore

    from .test_postgres import with_params

    url, schema = postgres_schema
    PostgresStore(url, schema=schema).close()  # creates the schema the url below selects
    in_schema = with_params(url, options=f"-csearch_path%3D{schema}")
    for scheme in ("postgresql://", "postgres://"):
        store = open_store(scheme + in_schema.split("://", 1)[1])
        try:
            assert isinstance(store, PostgresStore)
            assert store.next_sequence("coid") == (1 if scheme == "postgresql://" else 2)
        finally:
            store.close()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://trader:TWCANARY-pw@db.example/books",
        "state.json",
        "redis://:TWCANARY-pw@localhost:6379/0",
        "",
    ],
)
def test_an_unknown_url_is_refused_naming_it_with_the_password_masked(url: str) -> None:
    with pytest.raises(ConfigError, match="is not one tradewind knows") as info:
        open_store(url)
    message = str(info.value)
    assert "TWCANARY" not in message and "\n" not in message
    assert masked_url(url) in message
    assert "'memory'" in message and "sqlite:///" in message and "postgresql://" in message


def test_a_sqlite_url_without_a_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="names no file"):
        open_store("sqlite:///")


def test_a_folder_that_cannot_be_created_is_refused_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"cannot create the folder .*a-file/sub"):
        open_store(str(blocker / "sub" / "bot.db"))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://trader:s3cret@host:5432/db", "postgresql://trader:***@host:5432/db"),
        ("postgresql://:s3cret@host/db", "postgresql://:***@host/db"),
        ("postgresql://trader@host/db", "postgresql://trader@host/db"),
        ("host=h dbname=d password=s3cret user=u", "host=h dbname=d password=*** user=u"),
        ("host=h password='s3 cret'", "host=h password=***"),
    ],
)
def test_masked_url_hides_only_the_password(url: str, shown: str) -> None:
    assert masked_url(url) == shown
