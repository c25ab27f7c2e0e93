"""What the built-in strategies share: one price per event of any kind, a lot-sized trade size."""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import TypeVar

from pydantic import Field

from tradewind.errors import StrategyError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.base import Strategy
from tradewind.strategy.params import StrategyParams

BPS = 1e-4
"""One basis point as a fraction (0.01 %)."""
NS_PER_SECOND = 1_000_000_000
ZERO = Decimal(0)


class SizedParams(StrategyParams):
    """Parameters of a strategy that holds a fixed size long or short."""

    size: Decimal = Field(
        Decimal("0.01"),
        gt=0,
        allow_inf_nan=False,
        description="Position held when the signal is on, in units of the instrument "
        "(rounded down to its lot size)",
    )


SP = TypeVar("SP", bound=SizedParams)


class PriceSignalStrategy(Strategy[SP], ABC):
    """Subscribes to quotes, trades and bars of every instrument and sees one price per event.

    A quote gives its mid (and its bid and ask, for rules that trade at the touch); a trade
    its price; a bar its close. Subclasses implement ``on_price`` and call ``move_to`` to
    change the position they hold.
    """

    def on_start(self) -> None:
        """Check the trade size against each instrument's lot, then subscribe to every kind."""
        self.sizes: dict[InstrumentId, Decimal] = {}
        self.targets: dict[InstrumentId, Decimal] = {}
        for iid in self.instruments:
            self.sizes[iid] = self._lot_size(iid)
            self.targets[iid] = ZERO
            self.subscribe_quotes(iid)
            self.subscribe_trades(iid)
            self.subscribe_bars(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        """Quotes: the mid, with the bid and ask."""
        self.on_price(quote.instrument_id, quote.mid, quote.bid, quote.ask)

    def on_trade(self, trade: TradeTick) -> None:
        """Trades: the print's price, used as bid and ask too."""
        price = trade.price
        self.on_price(trade.instrument_id, price, price, price)

    def on_bar(self, bar: Bar) -> None:
        """Bars: the close, used as bid and ask too."""
        close = bar.close
        self.on_price(bar.instrument_id, close, close, close)

    @abstractmethod
    def on_price(self, instrument_id: InstrumentId, price: float, bid: float, ask: float) -> None:
        """A new price of one instrument (quote mid, trade price or bar close)."""

    def move_to(self, instrument_id: InstrumentId, target: Decimal) -> None:
        """Hold ``target`` (signed) from now on: trade towards it, counting orders in flight."""
        self.targets[instrument_id] = target
        self.target_position(instrument_id, target)

    def _lot_size(self, instrument_id: InstrumentId) -> Decimal:
        instrument = self.instrument(instrument_id)
        size = instrument.round_quantity(self.params.size)
        if not size:
            raise StrategyError(
                f"{self.name}: size {self.params.size} is below the lot size "
                f"{instrument.lot_size} of {instrument_id}: use a size of at least "
                f"{instrument.lot_size}"
            )
        if size < instrument.min_quantity:
            raise StrategyError(
                f"{self.name}: size {size} is below the minimum quantity "
                f"{instrument.min_quantity} of {instrument_id}: use a size of at least "
                f"{instrument.min_quantity}"
            )
        return size
