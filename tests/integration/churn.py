"""A busy strategy for the crash test: market orders both ways, limits placed and canceled."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import QuoteTick
from tradewind.strategy import Strategy, StrategyParams

LOT = Decimal("0.001")


class Churn(Strategy[StrategyParams]):
    """Every 2nd quote a market order (alternating sides, so the position stays small); every
    3rd a limit two ticks behind the touch; more than 3 limits working: cancel the oldest."""

    def on_start(self) -> None:
        self.n = 0
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        iid = quote.instrument_id
        tick = self.instrument(iid).tick_size
        if self.n % 2 == 0:
            buy = (self.n // 2) % 2 == 0
            (self.buy if buy else self.sell)(iid, LOT)
        if self.n % 3 == 0:
            if self.n % 6 == 0:
                self.buy(iid, LOT, Decimal(str(quote.bid)) - 2 * tick)
            else:
                self.sell(iid, LOT, Decimal(str(quote.ask)) + 2 * tick)
        working = [o for o in self.open_orders(iid) if o.price is not None and not o.is_pending]
        if len(working) > 3:
            self.cancel(working[0])
