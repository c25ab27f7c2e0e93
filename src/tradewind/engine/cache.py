"""The cache: current state (instruments, market data, orders), updated before anyone is told."""

from __future__ import annotations

from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order


class Cache:
    """Latest known state. The engine writes it; strategies and components read it."""

    __slots__ = ("bars", "instruments", "open_orders", "orders", "quotes", "trades")

    def __init__(self) -> None:
        self.instruments: dict[InstrumentId, Instrument] = {}
        self.quotes: dict[InstrumentId, QuoteTick] = {}
        self.trades: dict[InstrumentId, TradeTick] = {}
        self.bars: dict[InstrumentId, Bar] = {}
        self.orders: dict[ClientOrderId, Order] = {}
        self.open_orders: dict[ClientOrderId, Order] = {}

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        """The instrument, or an InstrumentError naming the ones that are known."""
        try:
            return self.instruments[instrument_id]
        except KeyError:
            from tradewind.errors import InstrumentError

            known = ", ".join(sorted(self.instruments)) or "none"
            raise InstrumentError(
                f"unknown instrument {instrument_id!r} (known: {known}): add it to the engine "
                "before trading it"
            ) from None

    def mark_price(self, instrument_id: InstrumentId) -> float | None:
        """The latest price to value a position at: quote mid, else last trade, else bar close."""
        quote = self.quotes.get(instrument_id)
        if quote is not None:
            return (quote.bid + quote.ask) * 0.5
        trade = self.trades.get(instrument_id)
        if trade is not None:
            return trade.price
        bar = self.bars.get(instrument_id)
        return None if bar is None else bar.close

    def open_orders_for(
        self, strategy_id: str | None = None, instrument_id: InstrumentId | None = None
    ) -> list[Order]:
        """Open orders, optionally only one strategy's and/or one instrument's."""
        return [
            o
            for o in self.open_orders.values()
            if (strategy_id is None or o.strategy_id == strategy_id)
            and (instrument_id is None or o.instrument_id == instrument_id)
        ]
