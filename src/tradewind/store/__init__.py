"""Durable state of a trading node: the order-intent journal, fills, positions, risk, sequences.

``StateStore`` is the interface; ``InMemoryStore``, ``SqliteStore`` and ``PostgresStore``
implement it, and ``open_store(url)`` picks one from a url. ``PostgresStore`` is loaded on
first use, so importing this package never imports psycopg (an optional extra).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradewind.errors import ConfigError
from tradewind.store.base import CLOSED_STATUSES, StateStore
from tradewind.store.memory import InMemoryStore, MemoryState
from tradewind.store.rows import StoreError
from tradewind.store.sql import SCHEMA_VERSION, masked_url
from tradewind.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from tradewind.store.postgres import PostgresStore

__all__ = [
    "CLOSED_STATUSES",
    "SCHEMA_VERSION",
    "InMemoryStore",
    "MemoryState",
    "PostgresStore",
    "SqliteStore",
    "StateStore",
    "StoreError",
    "open_store",
]

_SQLITE_PREFIX = "sqlite:///"
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_FORMS = (
    "'memory', 'sqlite:///relative/path.db' or 'sqlite:////absolute/path.db' "
    "(or a plain path ending in .db or .sqlite), or 'postgresql://user:password@host:5432/db'"
)


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":  # raises ConfigError naming the extra when psycopg is missing
        return importlib.import_module("tradewind.store.postgres").PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url: str) -> StateStore:
    """The store a url names: ``memory``, ``sqlite:///path.db`` (or a path), ``postgresql://``.

    ``sqlite:///state/bot.db`` is relative to the working directory and
    ``sqlite:////var/lib/bot.db`` absolute (SQLAlchemy's convention); a plain path ending in
    ``.db``, ``.sqlite`` or ``.sqlite3`` works too. A SQLite file's missing parent folders are
    created. Anything else is a ``ConfigError`` naming the url (its password masked).
    """
    text = url.strip()
    if text == "memory":
        return InMemoryStore()
    if text.lower().startswith(_POSTGRES_PREFIXES):
        from tradewind.store.postgres import PostgresStore

        return PostgresStore(text)
    if text.lower().startswith(_SQLITE_PREFIX):
        path = text[len(_SQLITE_PREFIX) :]
        if not path:
            raise ConfigError(f"state store url {url!r} names no file; use {_FORMS}")
    elif "://" not in text and text.lower().endswith(_SQLITE_SUFFIXES):
        path = text
    else:
        raise ConfigError(
            f"state store url {masked_url(url)!r} is not one tradewind knows; use {_FORMS}"
        )
    file = Path(path).expanduser()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the folder {file.parent} for state store {file}: {exc.strerror}; "
            "choose a path you can write to"
        ) from None
    return SqliteStore(file)
