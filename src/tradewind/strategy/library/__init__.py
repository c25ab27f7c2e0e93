"""The built-in strategies, by the name they are chosen with (``--strategy NAME``)."""

from __future__ import annotations

from typing import Any

from tradewind.strategy.base import Strategy
from tradewind.strategy.library.ma_crossover import MaCrossover, MaCrossoverParams
from tradewind.strategy.library.mean_reversion import MeanReversion, MeanReversionParams
from tradewind.strategy.library.momentum import Momentum, MomentumParams
from tradewind.strategy.library.vol_breakout import VolBreakout, VolBreakoutParams

BUILTINS: dict[str, type[Strategy[Any]]] = {
    cls.name: cls for cls in (MaCrossover, MeanReversion, VolBreakout, Momentum)
}
"""Each built-in strategy class by its name."""

__all__ = [
    "BUILTINS",
    "MaCrossover",
    "MaCrossoverParams",
    "MeanReversion",
    "MeanReversionParams",
    "Momentum",
    "MomentumParams",
    "VolBreakout",
    "VolBreakoutParams",
]
