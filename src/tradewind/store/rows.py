"""Row codecs shared by every state store: typed columns, exact Decimals as TEXT, JSON docs.

Every implementation encodes through these functions, so an in-memory store and a SQL
store refuse the same rows and hand back the same values. Decimals are written as their
``str`` (exponent included: ``Decimal("1.10")`` comes back as ``Decimal("1.10")``), enums
as their value, booleans as 0/1, and ``None`` (or ``""`` in a Decimal column, as
``Order.to_row`` writes a missing price) as NULL.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Literal

from tradewind.errors import TradewindError

Kind = Literal["text", "decimal", "int", "bool"]
Encoded = str | int | None


class StoreError(TradewindError):
    """A state store refused a write or read: a malformed row, a duplicate id, a closed store."""


ORDER_COLUMNS: dict[str, Kind] = {
    "client_order_id": "text",
    "strategy_id": "text",
    "instrument_id": "text",
    "side": "text",
    "type": "text",
    "quantity": "decimal",
    "price": "decimal",
    "trigger_price": "decimal",
    "time_in_force": "text",
    "post_only": "bool",
    "reduce_only": "bool",
    "status": "text",
    "filled_quantity": "decimal",
    "avg_price": "decimal",
    "venue_order_id": "text",
    "reason": "text",
    "ts_init": "int",
    "ts_last": "int",
    "working_status": "text",
    "update_pending": "bool",
    "filled_notional": "decimal",
    "expire_time_ns": "int",
    "tags": "text",
}
"""The columns of an order row: ``Order.to_row``'s keys. Unknown keys are refused.

The last five (schema version 2) make ``Order.from_row`` exact: the status beneath a pending
request, a modify pending under a cancel, the exact fill notional, the GTD expiry and tags."""

ORDER_REQUIRED = ("client_order_id", "status")

FILL_COLUMNS: dict[str, Kind] = {
    "venue": "text",
    "trade_id": "text",
    "client_order_id": "text",
    "venue_order_id": "text",
    "instrument_id": "text",
    "side": "text",
    "quantity": "decimal",
    "price": "decimal",
    "fee": "decimal",
    "fee_currency": "text",
    "liquidity": "text",
    "ts_event": "int",
    "ts_init": "int",
}
"""The columns of a fill row: ``Fill``'s fields plus ``venue``; (venue, trade_id) is unique."""

FILL_REQUIRED = ("venue", "trade_id", "ts_event")


def _encode(table: str, name: str, kind: Kind, value: object) -> Encoded:
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if kind == "text":
        return str(value)
    if kind == "bool":
        return int(bool(value))
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise StoreError(f"{table}.{name} must be an int, got {value!r}")
        return value
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int) and not isinstance(value, bool):
        dec = Decimal(value)
    elif isinstance(value, str):
        if value == "":
            return None
        try:
            dec = Decimal(value)
        except InvalidOperation:
            raise StoreError(f"{table}.{name} is not a decimal: {value!r}") from None
    else:
        raise StoreError(f"{table}.{name} must be a Decimal, int or str (never float): {value!r}")
    if not dec.is_finite():
        raise StoreError(f"{table}.{name} must be finite, got {value!r}")
    return str(dec)


def encode_row(
    table: str,
    columns: dict[str, Kind],
    row: dict[str, Any],
    required: tuple[str, ...] = (),
    *,
    partial: bool = False,
) -> dict[str, Encoded]:
    """Check ``row`` against ``columns`` and encode it; a partial row keeps only its keys."""
    unknown = sorted(set(row) - set(columns))
    if unknown:
        raise StoreError(f"{table}: unknown field(s) {unknown}; known: {list(columns)}")
    for name in required:
        if row.get(name) in (None, ""):
            raise StoreError(f"{table}: field {name!r} is required")
    names = list(row) if partial else list(columns)
    return {n: _encode(table, n, columns[n], row.get(n)) for n in names}


def decode_row(columns: dict[str, Kind], values: dict[str, Encoded]) -> dict[str, Any]:
    """The Python values of an encoded row: Decimals, ints, bools, strs or None."""
    out: dict[str, Any] = {}
    for name, kind in columns.items():
        value = values.get(name)
        if value is None:
            out[name] = None
        elif kind == "decimal":
            out[name] = Decimal(str(value))
        elif kind == "bool":
            out[name] = bool(value)
        elif kind == "int":
            out[name] = int(value)
        else:
            out[name] = str(value)
    return out


_DEC = "__decimal__"


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return {_DEC: str(value)}
    raise StoreError(f"cannot store {type(value).__name__} value {value!r} in a state document")


def _hook(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and _DEC in obj:
        return Decimal(obj[_DEC])
    return obj


def encode_doc(doc: object) -> str:
    """A JSON document with exact Decimals (tuples come back as lists)."""
    try:
        return json.dumps(doc, default=_default, sort_keys=True, allow_nan=False)
    except ValueError as exc:
        raise StoreError(f"cannot store a non-finite float in a state document: {exc}") from None


def decode_doc(text: str | bytes) -> Any:
    """The inverse of ``encode_doc``."""
    return json.loads(text, object_hook=_hook)


def encode_state(state: bytes | dict[str, Any]) -> tuple[str, bytes]:
    """A strategy state as (kind, payload): raw bytes, or a dict as JSON."""
    if isinstance(state, bytes | bytearray | memoryview):
        return "bytes", bytes(state)
    if isinstance(state, dict):
        return "json", encode_doc(state).encode("utf-8")
    raise StoreError(f"strategy state must be bytes or a dict, got {type(state).__name__}")


def decode_state(kind: str, payload: bytes) -> bytes | dict[str, Any]:
    """The inverse of ``encode_state``."""
    if kind == "bytes":
        return bytes(payload)
    doc = decode_doc(payload)
    if not isinstance(doc, dict):
        raise StoreError(f"stored strategy state of kind {kind!r} is not a JSON object")
    return doc
