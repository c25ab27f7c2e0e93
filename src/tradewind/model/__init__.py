"""The trading vocabulary: instruments, market data, orders, fills, positions."""

from tradewind.model.contingency import FailurePolicy, GroupKind, GroupState, OrderGroup
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
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderTriggered,
    OrderUpdated,
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
    "FailurePolicy",
    "Fill",
    "GroupKind",
    "GroupState",
    "Instrument",
    "InstrumentId",
    "LiquiditySide",
    "MarketData",
    "Order",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderGroup",
    "OrderModifyRejected",
    "OrderNotFound",
    "OrderRejected",
    "OrderSide",
    "OrderStatus",
    "OrderStatusReport",
    "OrderTriggered",
    "OrderType",
    "OrderUpdated",
    "Position",
    "QuoteTick",
    "StrategyId",
    "TimeEvent",
    "TimeInForce",
    "TradeTick",
    "instrument_id",
]
