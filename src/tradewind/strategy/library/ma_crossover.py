"""Moving-average crossover: long while the fast SMA is above the slow one, short while below."""

from __future__ import annotations

from pydantic import Field, model_validator

from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.indicators import SMA
from tradewind.strategy.library._signal import (
    BPS,
    NS_PER_SECOND,
    ZERO,
    PriceSignalStrategy,
    SizedParams,
)


class MaCrossoverParams(SizedParams):
    """The two averages, how clear a cross must be, and how often the strategy may trade."""

    fast: int = Field(10, gt=0, description="Prices in the fast simple moving average")
    slow: int = Field(30, gt=1, description="Prices in the slow simple moving average")
    min_edge_bps: float = Field(
        0.0,
        ge=0,
        allow_inf_nan=False,
        description="How far, in basis points of the slow average, the fast one must pass it "
        "for the cross to count",
    )
    cooldown_s: float = Field(
        0.0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds after a trade during which no new signal is taken",
    )
    allow_short: bool = Field(
        True, description="Go short on a bearish cross; when false, go flat instead"
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> MaCrossoverParams:
        if self.fast >= self.slow:
            raise ValueError(
                f"fast ({self.fast}) must be smaller than slow ({self.slow}): "
                "lower fast or raise slow"
            )
        return self


class MaCrossover(PriceSignalStrategy[MaCrossoverParams]):
    """Trend following on two simple moving averages of the price.

    Once the slow average has ``slow`` prices, the strategy is long ``size`` while the fast
    average is above the slow one by more than ``min_edge_bps`` of it, and short ``size``
    (flat if ``allow_short`` is off) while it is below by more than that. Inside that band
    nothing counts as a cross and the position is kept. After each trade it takes no new
    signal for ``cooldown_s`` seconds; a cross seen in that time is traded when the cooldown
    ends if the averages still point that way.
    """

    name = "ma_crossover"
    params_model = MaCrossoverParams

    def on_start(self) -> None:
        """Start one pair of averages per instrument, then subscribe."""
        super().on_start()
        self._fast = {iid: SMA(self.params.fast) for iid in self.instruments}
        self._slow = {iid: SMA(self.params.slow) for iid in self.instruments}
        self._last_trade_ns: dict[InstrumentId, int] = {}

    def on_price(self, instrument_id: InstrumentId, price: float, bid: float, ask: float) -> None:
        """Update both averages; trade when they have crossed by more than the edge."""
        fast = self._fast[instrument_id].update(price)
        slow_sma = self._slow[instrument_id]
        slow = slow_sma.update(price)
        if not slow_sma.ready:
            return
        params = self.params
        edge = slow * params.min_edge_bps * BPS
        size = self.sizes[instrument_id]
        if fast > slow + edge:
            target = size
        elif fast < slow - edge:
            target = -size if params.allow_short else ZERO
        else:
            return
        if target == self.targets[instrument_id]:
            return
        now = self.now_ns
        last = self._last_trade_ns.get(instrument_id)
        if last is not None and now - last < params.cooldown_s * NS_PER_SECOND:
            return
        self._last_trade_ns[instrument_id] = now
        self.move_to(instrument_id, target)
