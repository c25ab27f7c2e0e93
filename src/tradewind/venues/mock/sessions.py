"""The mock venue's clients: each connection and its subscriptions, and the numbered report log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator

from tradewind.errors import ConfigError
from tradewind.model.data import QuoteTick, TradeTick
from tradewind.venues.mock import protocol as wire

__all__ = ["MAX_BUFFERED", "ClientSession", "ClientSessions", "ReportLog", "send_all"]

log = logging.getLogger("tradewind.venues.mock.server")

MAX_BUFFERED = 32 * 1024 * 1024
"""A client with more than this waiting to be sent is too slow: it is disconnected."""

DataKey = tuple[str, str]
"""A data stream: (kind, instrument id), e.g. ``("quotes", "BTCUSDT.SIM")``."""


class ClientSession:
    """One connected client: where to write, and what it asked for."""

    __slots__ = ("peer", "streaming", "subscriptions", "writer")

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.peer = str(writer.get_extra_info("peername"))
        self.streaming = False  # said hello: gets the account's reports
        self.subscriptions: set[DataKey] = set()

    def send(self, line: bytes) -> None:
        """Write ``line`` to the client; one too slow to read is disconnected."""
        writer = self.writer
        if writer.is_closing():
            return
        writer.write(line)
        if writer.transport.get_write_buffer_size() > MAX_BUFFERED:
            log.warning("mock venue: client %s is too slow to read: disconnected", self.peer)
            writer.close()


def send_all(sessions: Iterable[ClientSession], line: bytes) -> None:
    """Write ``line`` to each of ``sessions``."""
    for session in list(sessions):
        session.send(line)


class ClientSessions:
    """The connected clients, who watches which data stream, and the data sent to them."""

    def __init__(self, instrument_ids: Iterable[str]) -> None:
        self._instruments = frozenset(instrument_ids)
        self._sessions: set[ClientSession] = set()
        self._watchers: dict[DataKey, set[ClientSession]] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[ClientSession]:
        return iter(self._sessions)

    def connect(self, writer: asyncio.StreamWriter) -> ClientSession:
        """A new client, writing to ``writer``."""
        session = ClientSession(writer)
        self._sessions.add(session)
        return session

    def disconnect(self, session: ClientSession) -> None:
        """Forget ``session`` and its subscriptions (its orders stay)."""
        self._sessions.discard(session)
        for key in session.subscriptions:
            self._watchers.get(key, set()).discard(session)

    def subscribe(self, session: ClientSession, kind: str, instrument_id: str) -> None:
        """``session`` gets ``kind`` of the instrument from now on."""
        key = self._data_key(kind, instrument_id)
        session.subscriptions.add(key)
        self._watchers.setdefault(key, set()).add(session)

    def unsubscribe(self, session: ClientSession, kind: str, instrument_id: str) -> None:
        """``session`` stops getting ``kind`` of the instrument."""
        key = self._data_key(kind, instrument_id)
        session.subscriptions.discard(key)
        self._watchers.get(key, set()).discard(session)

    def _data_key(self, kind: str, instrument_id: str) -> DataKey:
        if kind not in wire.KINDS:
            raise ConfigError(f"unknown data kind {kind!r}: use one of {', '.join(wire.KINDS)}")
        if instrument_id not in self._instruments:
            raise ConfigError(
                f"unknown instrument {instrument_id!r}: listed are {sorted(self._instruments)}"
            )
        return kind, instrument_id

    def watching(self, kind: str, instrument_id: str) -> set[ClientSession] | None:
        """Who gets ``kind`` of an instrument: its subscribers, and those of its "bars"."""
        direct = self._watchers.get((kind, instrument_id))
        bars = self._watchers.get(("bars", instrument_id))
        return (direct | bars if direct else bars) if bars else direct

    def publish(self, event: object) -> None:
        """Send a quote or trade of the feed to the clients watching it."""
        if isinstance(event, QuoteTick):
            kind = "quotes"
        elif isinstance(event, TradeTick):
            kind = "trades"
        else:
            return
        watchers = self.watching(kind, event.instrument_id)
        if watchers:
            send_all(watchers, wire.encode(_on_the_wire(event)))

    def streaming(self) -> list[ClientSession]:
        """The clients that said hello: they get the account's reports."""
        return [s for s in self._sessions if s.streaming]


def _on_the_wire(event: QuoteTick | TradeTick) -> wire.Quote | wire.Trade:
    """A quote or trade of the feed as the message a client gets."""
    if isinstance(event, QuoteTick):
        q = event
        return wire.Quote(q.instrument_id, q.bid, q.ask, q.bid_size, q.ask_size, q.ts_event)
    t = event
    return wire.Trade(t.instrument_id, t.price, t.size, t.aggressor, t.trade_id, t.ts_event)


class ReportLog:
    """Every report of the account, numbered from 1 and kept as sent, for clients to replay."""

    def __init__(self) -> None:
        self._lines: list[bytes] = []  # report n is self._lines[n - 1]

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, event: object) -> bytes:
        """Number ``event`` (the next sequence number), keep it and return its line."""
        line = wire.encode_report(len(self._lines) + 1, event)
        self._lines.append(line)
        return line

    def after(self, last_seq: int) -> list[bytes]:
        """The reports after ``last_seq``; all of them for a number from a past life."""
        start = last_seq if 0 <= last_seq <= len(self._lines) else 0
        return self._lines[start:]
