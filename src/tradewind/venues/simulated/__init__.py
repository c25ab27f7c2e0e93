"""The simulated venue: one matching engine for backtest, paper and mock trading."""

from tradewind.venues.simulated.fees import FeeModel
from tradewind.venues.simulated.latency import LatencyModel
from tradewind.venues.simulated.venue import BAR_FILLS, SimulatedVenue

__all__ = ["BAR_FILLS", "FeeModel", "LatencyModel", "SimulatedVenue"]
