"""Momentum: long when the price has risen enough over the lookback, short when it has fallen."""

from __future__ import annotations

from pydantic import Field

from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.indicators import RollingWindow
from tradewind.strategy.library._signal import BPS, ZERO, PriceSignalStrategy, SizedParams


class MomentumParams(SizedParams):
    """How far back to measure the move, and how big it must be to hold a position."""

    lookback: int = Field(20, gt=0, description="Prices back to measure the rate of change over")
    threshold_bps: float = Field(
        50.0,
        ge=0,
        allow_inf_nan=False,
        description="Rate of change, in basis points, beyond which the strategy is long or short",
    )
    allow_short: bool = Field(
        True, description="Go short when the price has fallen; when false, stay flat instead"
    )


class Momentum(PriceSignalStrategy[MomentumParams]):
    """Follow the recent move: what has risen keeps rising, what has fallen keeps falling.

    The rate of change is the price over the price ``lookback`` prices earlier, minus one
    (quote mids, trade prices or bar closes). Above ``+threshold_bps`` the strategy holds
    ``size`` long; below ``-threshold_bps`` it holds ``size`` short (flat if ``allow_short``
    is off); in between it is flat.
    """

    name = "momentum"
    params_model = MomentumParams

    def on_start(self) -> None:
        """Keep the last ``lookback + 1`` prices per instrument, then subscribe."""
        super().on_start()
        span = self.params.lookback + 1
        self._prices = {iid: RollingWindow(span) for iid in self.instruments}

    def on_price(self, instrument_id: InstrumentId, price: float, bid: float, ask: float) -> None:
        """Measure the rate of change over the lookback and hold the side it points to."""
        prices = self._prices[instrument_id]
        prices.update(price)
        if not prices.ready:
            return
        change = price / prices.first - 1
        threshold = self.params.threshold_bps * BPS
        if change > threshold:
            target = self.sizes[instrument_id]
        elif change < -threshold and self.params.allow_short:
            target = -self.sizes[instrument_id]
        else:
            target = ZERO
        if target != self.targets[instrument_id]:
            self.move_to(instrument_id, target)
