"""tradewind: write a trading strategy once; backtest, paper trade and trade it live."""

from typing import TYPE_CHECKING

from tradewind.engine import Engine, HistoricalClock, LiveClock
from tradewind.errors import (
    ConfigError,
    DataError,
    InstrumentError,
    OrderError,
    StrategyError,
    TradewindError,
)
from tradewind.model import (
    AssetClass,
    Bar,
    Fill,
    Instrument,
    LiquiditySide,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    QuoteTick,
    TimeEvent,
    TimeInForce,
    TradeTick,
)
from tradewind.strategy import Strategy, StrategyParams

if TYPE_CHECKING:
    from tradewind.runtime.backtest import run_backtest

__version__ = "0.1.0"

__all__ = [
    "AssetClass",
    "Bar",
    "ConfigError",
    "DataError",
    "Engine",
    "Fill",
    "HistoricalClock",
    "Instrument",
    "InstrumentError",
    "LiquiditySide",
    "LiveClock",
    "Order",
    "OrderError",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "QuoteTick",
    "Strategy",
    "StrategyError",
    "StrategyParams",
    "TimeEvent",
    "TimeInForce",
    "TradeTick",
    "TradewindError",
    "__version__",
    "run_backtest",
]


def __getattr__(name: str) -> object:
    # run_backtest pulls in data and analysis; import it only when asked for.
    if name == "run_backtest":
        from tradewind.runtime.backtest import run_backtest

        return run_backtest
    raise AttributeError(f"module 'tradewind' has no attribute {name!r}")
