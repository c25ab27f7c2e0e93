"""The two benchmark workloads of shared/bench/README.md, as ordinary tradewind strategies."""

from __future__ import annotations

from decimal import Decimal

from tradewind import Bar, QuoteTick, Strategy, StrategyParams
from tradewind.strategy.indicators import EMA, SMA

ONE = Decimal(1)


class CrossParams(StrategyParams):
    """Periods of the fast and slow averages, and the position held either way."""

    fast: int = 10
    slow: int = 50
    size: Decimal = ONE


class EmaCrossQuotes(Strategy[CrossParams]):
    """W1: EMA(fast) vs EMA(slow) of the quote mid; long `size` above, short below."""

    name = "bench_ema_cross"
    params_model = CrossParams

    def on_start(self) -> None:
        self.fast = EMA(self.params.fast)
        self.slow = EMA(self.params.slow)
        self.seen = 0
        self.target = Decimal(0)
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        mid = (quote.bid + quote.ask) / 2
        fast = self.fast.update(mid)
        slow = self.slow.update(mid)
        self.seen += 1
        if self.seen < self.params.slow or fast == slow:
            return
        target = self.params.size if fast > slow else -self.params.size
        if target != self.target:
            self.target = target
            self.target_position(quote.instrument_id, target)


class SmaCrossBars(Strategy[CrossParams]):
    """W2: SMA(fast) vs SMA(slow) of the bar close; the order fills at the next bar's open."""

    name = "bench_sma_cross"
    params_model = CrossParams

    def on_start(self) -> None:
        self.fast = SMA(self.params.fast)
        self.slow = SMA(self.params.slow)
        self.seen = 0
        self.target = Decimal(0)
        for iid in self.instruments:
            self.subscribe_bars(iid)

    def on_bar(self, bar: Bar) -> None:
        fast = self.fast.update(bar.close)
        slow = self.slow.update(bar.close)
        self.seen += 1
        if self.seen < self.params.slow or fast == slow:
            return
        target = self.params.size if fast > slow else -self.params.size
        if target != self.target:
            self.target = target
            self.target_position(bar.instrument_id, target)
