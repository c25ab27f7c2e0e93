"""Mock venue pieces: a synthetic market-data feed to pair with the simulated venue."""

from tradewind.venues.mock.feed import MockFeed

__all__ = ["MockFeed"]
