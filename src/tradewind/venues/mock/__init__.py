"""Mock venue pieces: a synthetic feed, and a local venue server with the client bots use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.venues.mock.feed import MockFeed
from tradewind.venues.mock.remote import RemoteMockVenue, VenueConnectionError

if TYPE_CHECKING:
    from tradewind.venues.mock.server import MockVenueServer

__all__ = ["MockFeed", "MockVenueServer", "RemoteMockVenue", "VenueConnectionError"]


def __getattr__(name: str) -> Any:
    # imported on first use, so ``python -m tradewind.venues.mock.server`` runs it only once
    if name == "MockVenueServer":
        from tradewind.venues.mock.server import MockVenueServer

        return MockVenueServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
