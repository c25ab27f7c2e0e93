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
    from tradewind.runtime.bot import Bot
    from tradewind.runtime.handle import BotHandle

__version__ = "0.1.0"

__all__ = [
    "AssetClass",
    "Bar",
    "Bot",
    "BotHandle",
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
    # run_backtest and Bot pull in data, analysis and the runtime: import them when asked for.
    if name == "run_backtest":
        from tradewind.runtime.backtest import run_backtest

        return run_backtest
    if name == "Bot":
        from tradewind.runtime.bot import Bot

        return Bot
    if name == "BotHandle":
        from tradewind.runtime.handle import BotHandle

        return BotHandle
    raise AttributeError(f"module 'tradewind' has no attribute {name!r}")
