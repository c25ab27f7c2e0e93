"""Shared data feeds: one data client per venue, told what the engine's strategies subscribe to.

``SubscriptionHub`` listens to the engine's subscription changes (already aggregated: a
(kind, instrument) is announced when its first subscriber arrives and when its last one
leaves) and forwards each to the data client of the instrument's venue. ``MockDataClient``
is the ``DataClient`` of mock mode, over a ``MockFeed``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.engine.protocols import DataClient, EventSink
from tradewind.errors import ConfigError
from tradewind.model.identifiers import InstrumentId, split_instrument_id
from tradewind.model.instrument import Instrument
from tradewind.venues.mock.feed import MockFeed

KINDS = ("quotes", "trades", "bars")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown data kind {kind!r}: use 'quotes', 'trades' or 'bars'")


class MockDataClient:
    """A ``DataClient`` over a ``MockFeed``: the feed walks an instrument while any kind of it
    is wanted.

    The feed emits quotes and trades only: a "bars" subscription is accepted (it keeps the
    instrument streaming, so quotes and trades arrive) but no bars are made; aggregate them
    in the strategy if it needs bars in mock mode. ``venue`` is the venue of the feed's
    instruments (a feed spanning several venues is refused: give each venue its own).
    """

    def __init__(self, feed: MockFeed) -> None:
        instruments = _feed_instruments(feed)
        venues = sorted({i.venue for i in instruments})
        if len(venues) != 1:
            raise ConfigError(
                f"MockDataClient: the feed's instruments are on venues {', '.join(venues)}: "
                "give each venue its own MockFeed and MockDataClient"
            )
        self.venue = venues[0]
        self.feed = feed
        self._kinds: dict[InstrumentId, set[str]] = {}

    def subscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Stream ``kind`` of one instrument (the feed starts walking it if it was not)."""
        _check_kind(kind)
        kinds = self._kinds.get(instrument_id)
        if kinds is None:
            self.feed.subscribe(instrument_id)  # refuses an instrument the feed does not have
            kinds = self._kinds[instrument_id] = set()
        kinds.add(kind)

    def unsubscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Stop ``kind`` of one instrument; the feed stops it when no kind is left."""
        kinds = self._kinds.get(instrument_id)
        if kinds is None:
            return
        kinds.discard(kind)
        if not kinds:
            del self._kinds[instrument_id]
            self.feed.unsubscribe(instrument_id)

    def subscriptions(self) -> list[tuple[str, InstrumentId]]:
        """What is held, as sorted (kind, instrument) pairs."""
        return sorted((kind, iid) for iid, kinds in self._kinds.items() for kind in kinds)

    async def run(self, emit: EventSink) -> None:
        """Run the feed into ``emit`` until cancelled (its steps follow the wall clock)."""
        await self.feed.run(emit)


def _feed_instruments(feed: MockFeed) -> list[Instrument]:
    # MockFeed keeps its instruments in its walks; it has no public list of them yet
    listed = getattr(feed, "instruments", None)
    if listed is not None:
        return list(listed)
    return [walk.instrument for walk in feed._walks.values()]


class SubscriptionHub:
    """Forwards the engine's aggregated subscription changes to each venue's data client.

    ``clients`` maps venue name -> data client. A subscription to an instrument of a venue
    with no client is a ConfigError (raised from the subscribing call, e.g. a strategy's
    ``on_start``, so a bot fails at start, not later). Keeps per-venue counters of the
    subscribe and unsubscribe calls made, and what each venue holds.
    """

    def __init__(self, engine: Engine, clients: Mapping[str, DataClient]) -> None:
        for name, client in clients.items():
            if client.venue != name:
                raise ConfigError(
                    f"data client for venue {name!r} says it serves {client.venue!r}: key each "
                    "client by its own venue"
                )
        self.engine = engine
        self.clients = dict(clients)
        self.counters: dict[str, Counter[str]] = {venue: Counter() for venue in self.clients}
        self._held: dict[str, set[tuple[str, InstrumentId]]] = {v: set() for v in self.clients}
        engine.add_subscription_listener(self._on_change)

    def _on_change(self, kind: str, instrument_id: InstrumentId, subscribed: bool) -> None:
        _, venue = split_instrument_id(instrument_id)
        client = self.clients.get(venue)
        if client is None:
            raise ConfigError(self._no_client(venue, instrument_id))
        held = self._held[venue]
        if subscribed:
            client.subscribe(kind, instrument_id)
            held.add((kind, instrument_id))
            self.counters[venue]["subscribe"] += 1
        else:
            client.unsubscribe(kind, instrument_id)
            held.discard((kind, instrument_id))
            self.counters[venue]["unsubscribe"] += 1

    def _no_client(self, venue: str, instrument_id: InstrumentId) -> str:
        known = sorted(
            i for i, inst in self.engine.cache.instruments.items() if inst.venue == venue
        ) or [instrument_id]
        have = ", ".join(sorted(self.clients)) or "none"
        return (
            f"no data client for venue {venue!r} (its instruments: {', '.join(known)}; data "
            f"clients for: {have}): add a data client for {venue} or trade other instruments"
        )

    def subscriptions(self, venue: str) -> list[tuple[str, InstrumentId]]:
        """What ``venue``'s client was asked to stream, as sorted (kind, instrument) pairs."""
        return sorted(self._held.get(venue, ()))

    def stats(self) -> dict[str, Any]:
        """Per venue: subscribe and unsubscribe calls, and how many (kind, instrument) are
        held; JSON-ready."""
        return {
            venue: {
                "subscribe": self.counters[venue]["subscribe"],
                "unsubscribe": self.counters[venue]["unsubscribe"],
                "held": len(self._held[venue]),
            }
            for venue in sorted(self.clients)
        }
