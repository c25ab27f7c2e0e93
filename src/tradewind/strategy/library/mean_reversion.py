"""Mean reversion: buy a dip below the rolling mean, sell a rally above it, exit near the mean."""

from __future__ import annotations

from pydantic import Field, model_validator

from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.indicators import RollingWindow
from tradewind.strategy.library._signal import BPS, ZERO, PriceSignalStrategy, SizedParams


class MeanReversionParams(SizedParams):
    """The averaging window and how far from the mean the strategy enters and exits."""

    window: int = Field(50, ge=2, description="Prices in the rolling mean")
    entry_bps: float = Field(
        20.0,
        gt=0,
        allow_inf_nan=False,
        description="Distance from the mean, in basis points, beyond which the strategy enters",
    )
    exit_bps: float = Field(
        0.0,
        ge=0,
        allow_inf_nan=False,
        description="Distance from the mean, in basis points, within which it goes flat",
    )
    allow_short: bool = Field(
        True, description="Go short on a rally above the mean; when false, go flat instead"
    )

    @model_validator(mode="after")
    def _exit_inside_entry(self) -> MeanReversionParams:
        if self.exit_bps >= self.entry_bps:
            raise ValueError(
                f"exit_bps ({self.exit_bps}) must be smaller than entry_bps "
                f"({self.entry_bps}): lower exit_bps or raise entry_bps"
            )
        return self


class MeanReversion(PriceSignalStrategy[MeanReversionParams]):
    """Fade moves away from the average price, betting they come back.

    The mean is the average of the previous ``window`` prices (quote mids, trade prices or
    bar closes). When the ask is more than ``entry_bps`` below the mean the strategy buys to
    hold ``size``; when the bid is more than ``entry_bps`` above it, it sells to hold
    ``-size`` (flat if ``allow_short`` is off). It goes flat once the price is back within
    ``exit_bps`` of the mean (with 0, once it reaches the mean). With trades or bars the
    one price stands for bid and ask alike.
    """

    name = "mean_reversion"
    params_model = MeanReversionParams

    def on_start(self) -> None:
        """Start one rolling window per instrument, then subscribe."""
        super().on_start()
        self._window = {iid: RollingWindow(self.params.window) for iid in self.instruments}

    def on_price(self, instrument_id: InstrumentId, price: float, bid: float, ask: float) -> None:
        """Compare the touch with the mean of the prices before it, then add the price."""
        window = self._window[instrument_id]
        if window.ready:
            self._decide(instrument_id, window.mean, price, bid, ask)
        window.update(price)

    def _decide(
        self, instrument_id: InstrumentId, mean: float, price: float, bid: float, ask: float
    ) -> None:
        params = self.params
        entry = mean * params.entry_bps * BPS
        exit_ = mean * params.exit_bps * BPS
        held = self.targets[instrument_id]
        size = self.sizes[instrument_id]
        if ask < mean - entry:
            target = size
        elif bid > mean + entry:
            target = -size if params.allow_short else ZERO
        elif (held > 0 and price >= mean - exit_) or (held < 0 and price <= mean + exit_):
            target = ZERO
        else:
            return
        if target != held:
            self.move_to(instrument_id, target)
