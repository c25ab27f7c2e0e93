"""Strategies: the base class, typed parameters, indicators and the built-in library."""

from tradewind.strategy.base import Strategy
from tradewind.strategy.panel import StrategyPanel
from tradewind.strategy.params import StrategyParams

__all__ = ["Strategy", "StrategyPanel", "StrategyParams"]
