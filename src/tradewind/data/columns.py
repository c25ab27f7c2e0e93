"""Canonical columns of quotes, trades and bars, the names accepted for them, kind detection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tradewind.errors import DataError

KINDS: tuple[str, ...] = ("quotes", "trades", "bars")

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "quotes": ("ts", "bid", "ask", "bid_size", "ask_size"),
    "trades": ("ts", "price", "size"),
    "bars": ("ts", "open", "high", "low", "close", "volume"),
}
OPTIONAL: Mapping[str, tuple[str, ...]] = {
    "quotes": ("symbol",),
    "trades": ("side", "trade_id", "symbol"),
    "bars": ("symbol",),
}
# The columns that tell the kinds apart when the caller does not name the kind.
SIGNATURES: Mapping[str, tuple[str, ...]] = {
    "quotes": ("bid", "ask"),
    "trades": ("price", "size"),
    "bars": ("open", "high", "low", "close"),
}

PRICE_COLUMNS = frozenset({"bid", "ask", "price", "open", "high", "low", "close"})
SIZE_COLUMNS = frozenset({"bid_size", "ask_size", "size", "volume"})
TEXT_COLUMNS = frozenset({"symbol", "side", "trade_id"})

TRADE_SIDES = ("buy", "sell", "")

_COMMON_ALIASES: Mapping[str, tuple[str, ...]] = {
    "ts": ("ts_ns", "ts_event", "ts", "timestamp", "time", "datetime", "date", "open_time"),
    "symbol": ("symbol", "instrument", "instrument_id", "ticker"),
}
_KIND_ALIASES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "quotes": {
        "bid": ("bid", "bid_price"),
        "ask": ("ask", "ask_price"),
        "bid_size": ("bid_size", "bid_qty", "bid_volume", "bid_amount"),
        "ask_size": ("ask_size", "ask_qty", "ask_volume", "ask_amount"),
    },
    "trades": {
        "price": ("price",),
        "size": ("size", "qty", "quantity", "amount", "volume"),
        "side": ("side", "aggressor_side", "taker_side"),
        "trade_id": ("trade_id", "id"),
    },
    "bars": {
        "open": ("open", "o"),
        "high": ("high", "h"),
        "low": ("low", "l"),
        "close": ("close", "c"),
        "volume": ("volume", "v"),
    },
}


def aliases(kind: str, column: str) -> tuple[str, ...]:
    """The names accepted for a canonical column of a kind, most preferred first."""
    return _COMMON_ALIASES.get(column) or _KIND_ALIASES[kind][column]


def normalize(name: str) -> str:
    """A column name as we compare it: lower case, spaces and hyphens as underscores."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def find_columns(kind: str, names: Iterable[str]) -> dict[str, str]:
    """Map each canonical column of ``kind`` found among ``names`` to its name in the file."""
    by_normal: dict[str, str] = {}
    for name in names:
        by_normal.setdefault(normalize(name), name)
    found: dict[str, str] = {}
    for column in REQUIRED[kind] + OPTIONAL[kind]:
        for alias in aliases(kind, column):
            if alias in by_normal:
                found[column] = by_normal[alias]
                break
    return found


def missing_columns(kind: str, names: Iterable[str]) -> list[str]:
    """The required canonical columns of ``kind`` that ``names`` lacks."""
    found = find_columns(kind, names)
    return [column for column in REQUIRED[kind] if column not in found]


def describe_aliases(kind: str, columns: Iterable[str]) -> str:
    """``bid_size (bid_size/bid_qty/...)`` for each column: what the user may call it."""
    return ", ".join(f"{c} ({'/'.join(aliases(kind, c))})" for c in columns)


def detect_kind(names: Iterable[str], source: str) -> str:
    """Tell quotes, trades and bars apart by their columns; refuse when none or several fit."""
    names = list(names)
    fitting = [k for k in KINDS if not _missing_signature(k, names)]
    if len(fitting) == 1:
        return fitting[0]
    needs = "; ".join(f"{k} need {', '.join(REQUIRED[k])}" for k in KINDS)
    found = ", ".join(names) or "none"
    if fitting:
        problem = f"the columns fit {' and '.join(fitting)} alike"
    else:
        problem = "cannot tell whether the file holds quotes, trades or bars"
    raise DataError(
        f"{source}: {problem}; columns found: {found}; {needs}; "
        "rename the columns or pass kind='quotes', 'trades' or 'bars'"
    )


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is one we read, else raise naming the choices."""
    if kind not in KINDS:
        raise DataError(f"unknown data kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def _missing_signature(kind: str, names: list[str]) -> list[str]:
    found = find_columns(kind, names)
    return [c for c in SIGNATURES[kind] if c not in found]
