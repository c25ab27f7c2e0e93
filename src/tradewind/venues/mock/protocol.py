"""The mock venue's wire: JSON lines over TCP, one tagged msgspec message per line.

Every message is a ``msgspec.Struct`` tagged by its ``type`` field. Decimals travel as
strings (exact); market-data prices as JSON numbers (shortest repr, so a float comes back
bit for bit). Order reports travel inside a ``Report`` as the model's own event, named by
``kind``, with the account's report sequence number (0: an answer to one request only, not
in the account's log). Unknown fields are tolerated; anything else malformed is refused by
``decode_client``/``decode_server`` with a one-line ``BadMessage``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from tradewind.errors import TradewindError
from tradewind.model.enums import OrderSide, OrderType, TimeInForce
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderTriggered,
    OrderUpdated,
)

KINDS = ("quotes", "trades", "bars")
"""What a client may subscribe to. The mock venue makes no bars: a "bars" subscription streams
the instrument's quotes and trades (as the in-process mock feed does) to aggregate from."""

MAX_LINE = 64 * 1024 * 1024
"""The longest line a peer may send (an account answer with many fills is long)."""


class BadMessage(TradewindError):
    """A line from a peer that is not a message of this protocol (counted, never fatal)."""


class _Message(msgspec.Struct, tag_field="type"):
    """Base of every wire message: its ``type`` tag says which one it is."""


# ------------------------------------------------------------ client -> server
class Hello(_Message, tag="hello"):
    """Stream the account's reports to me, starting after report number ``last_seq``."""

    last_seq: int = 0


class Subscribe(_Message, tag="subscribe"):
    """Send me ``kind`` ("quotes" or "trades") of one instrument."""

    kind: str
    instrument_id: str


class Unsubscribe(_Message, tag="unsubscribe"):
    """Stop sending me ``kind`` of one instrument."""

    kind: str
    instrument_id: str


class Submit(_Message, tag="submit"):
    """A new order; the venue refuses a client order id it has seen before."""

    client_order_id: str
    instrument_id: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False


class Cancel(_Message, tag="cancel"):
    """Cancel a working order."""

    client_order_id: str


class Modify(_Message, tag="modify"):
    """Amend a working order to these terms."""

    client_order_id: str
    quantity: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None


class Query(_Message, tag="query"):
    """Re-send an order's fills, then its status (or that the venue never received it)."""

    client_order_id: str


class AccountRequest(_Message, tag="account"):
    """What the venue holds: open and asked orders, positions, balances, fills since."""

    since_ns: int | None = None
    client_order_ids: tuple[str, ...] = ()


class StatsRequest(_Message, tag="stats"):
    """The server's counters."""


# ------------------------------------------------------------ server -> client
class Welcome(_Message, tag="welcome"):
    """Answer to ``Hello``: every report up to ``last_seq`` has been sent; live from here."""

    venue: str
    last_seq: int


class Quote(_Message, tag="quote"):
    """Top of book of one instrument."""

    instrument_id: str
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    ts_event: int


class Trade(_Message, tag="trade"):
    """One print on the venue's tape."""

    instrument_id: str
    price: float
    size: float
    aggressor: str
    trade_id: str
    ts_event: int


class Report(_Message, tag="report"):
    """One order report (the model event named ``kind``); ``seq`` 0 is outside the log."""

    seq: int
    kind: str
    event: msgspec.Raw


class AccountReply(_Message, tag="account_reply"):
    """Answer to ``AccountRequest``, as of report number ``last_seq``."""

    venue: str
    orders: list[OrderStatusReport]
    positions: dict[str, Decimal]
    balances: dict[str, Decimal]
    fills: list[Fill]
    ts_event: int
    last_seq: int


class StatsReply(_Message, tag="stats_reply"):
    """Answer to ``StatsRequest``: what the server has seen."""

    venue: str
    orders_received: int
    duplicate_submits: int
    open_orders: int
    fills: int
    positions: dict[str, Decimal]
    bad_messages: int
    reports: int
    clients: int


class Error(_Message, tag="error"):
    """The server could not take a line or a request; ``message`` says which and why."""

    message: str


ClientMessage = (
    Hello
    | Subscribe
    | Unsubscribe
    | Submit
    | Cancel
    | Modify
    | Query
    | AccountRequest
    | StatsRequest
)
"""What a client sends."""

ServerMessage = Welcome | Quote | Trade | Report | AccountReply | StatsReply | Error
"""What the server sends."""

REPORT_KINDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        OrderAccepted,
        OrderRejected,
        OrderCanceled,
        OrderExpired,
        OrderTriggered,
        OrderUpdated,
        OrderCancelRejected,
        OrderModifyRejected,
        OrderStatusReport,
        OrderNotFound,
        Fill,
    )
}
"""The order reports a ``Report`` may carry, by ``kind``."""

_encoder = msgspec.json.Encoder()
_client_decoder = msgspec.json.Decoder(ClientMessage)
_server_decoder = msgspec.json.Decoder(ServerMessage)
_report_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    kind: msgspec.json.Decoder(cls) for kind, cls in REPORT_KINDS.items()
}


def encode(message: _Message) -> bytes:
    """One message as one line (newline included)."""
    return _encoder.encode(message) + b"\n"


def encode_report(seq: int, event: object) -> bytes:
    """An order report as one ``Report`` line."""
    kind = event.__class__.__name__
    return encode(Report(seq, kind, msgspec.Raw(_encoder.encode(event))))


def decode_client(line: bytes) -> Any:
    """A line from a client as its message; ``BadMessage`` naming it when it is not one."""
    return _decode(_client_decoder, line)


def decode_server(line: bytes) -> Any:
    """A line from the server as its message; ``BadMessage`` naming it when it is not one."""
    return _decode(_server_decoder, line)


def report_event(report: Report) -> object:
    """The model event a ``Report`` carries; ``BadMessage`` when it is not a known report."""
    decoder = _report_decoders.get(report.kind)
    if decoder is None:
        raise BadMessage(f"report of unknown kind {report.kind!r} (seq {report.seq})")
    try:
        return decoder.decode(report.event)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise BadMessage(f"bad {report.kind} report (seq {report.seq}): {exc}") from None


def _decode(decoder: msgspec.json.Decoder[Any], line: bytes) -> Any:
    try:
        return decoder.decode(line)
    except msgspec.DecodeError as exc:
        raise BadMessage(f"bad message {_excerpt(line)}: {exc}") from None


def _excerpt(line: bytes, width: int = 80) -> str:
    text = line.strip()[:width].decode("utf-8", "replace")
    return repr(text + ("..." if len(line.strip()) > width else ""))
