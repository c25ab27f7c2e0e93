"""The trading vocabulary: instruments, market data, orders, fills, positions."""

from tradewind.model.data import Bar, MarketData, QuoteTick, TradeTick
from tradewind.model.enums import (
    AssetClass,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderRejected,
    OrderTriggered,
    TimeEvent,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId, instrument_id
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.model.position import Position

__all__ = [
    "AssetClass",
    "Bar",
    "ClientOrderId",
    "Fill",
    "Instrument",
    "InstrumentId",
    "LiquiditySide",
    "MarketData",
    "Order",
    "OrderAccepted",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderRejected",
    "OrderSide",
    "OrderStatus",
    "OrderTriggered",
    "OrderType",
    "Position",
    "QuoteTick",
    "StrategyId",
    "TimeEvent",
    "TimeInForce",
    "TradeTick",
    "instrument_id",
]
