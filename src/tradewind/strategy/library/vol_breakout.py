"""Breakout: enter when the price breaks out of its recent range, with an optional stop."""

from __future__ import annotations

from pydantic import Field

from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.indicators import RollingWindow
from tradewind.strategy.library._signal import (
    BPS,
    NS_PER_SECOND,
    ZERO,
    PriceSignalStrategy,
    SizedParams,
)


class VolBreakoutParams(SizedParams):
    """The range to break, how far past it, the pause between entries, and the stop."""

    window: int = Field(20, ge=2, description="Previous prices whose high and low make the range")
    edge_bps: float = Field(
        10.0,
        ge=0,
        allow_inf_nan=False,
        description="How far past the range high or low, in basis points, counts as a break",
    )
    cooldown_s: float = Field(
        60.0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds after an entry during which no new entry is made",
    )
    stop_bps: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Flatten when the price moves this many basis points against the entry "
        "price (none: no stop)",
    )


class VolBreakout(PriceSignalStrategy[VolBreakoutParams]):
    """Ride a break out of the recent range.

    The range is the highest and lowest of the previous ``window`` prices (quote mids, trade
    prices or bar closes; the current price is not part of it). A price above the high by
    more than ``edge_bps`` enters long ``size``; below the low by more than that, short
    ``size``. The position is kept until the opposite break reverses it or the stop flattens
    it. Entries are at least ``cooldown_s`` apart. With ``stop_bps``, a price that has moved
    that far against the average entry price flattens the position; the stop is not held
    back by the cooldown.
    """

    name = "vol_breakout"
    params_model = VolBreakoutParams

    def on_start(self) -> None:
        """Start one rolling range per instrument, then subscribe."""
        super().on_start()
        self._range = {iid: RollingWindow(self.params.window) for iid in self.instruments}
        self._last_entry_ns: dict[InstrumentId, int] = {}
        self._signal_price: dict[InstrumentId, float] = {}

    def on_price(self, instrument_id: InstrumentId, price: float, bid: float, ask: float) -> None:
        """Check the stop and the range before adding the price to the range."""
        window = self._range[instrument_id]
        if window.ready:
            self._decide(instrument_id, window.high, window.low, price)
        window.update(price)

    def _decide(self, instrument_id: InstrumentId, high: float, low: float, price: float) -> None:
        params = self.params
        held = self.targets[instrument_id]
        target = held
        if held and self._stopped_out(instrument_id, held > 0, price):
            target = ZERO
        edge = params.edge_bps * BPS
        if price > high * (1 + edge):
            wanted = self.sizes[instrument_id]
        elif price < low * (1 - edge):
            wanted = -self.sizes[instrument_id]
        else:
            wanted = target
        now = self.now_ns
        if wanted != target:
            last = self._last_entry_ns.get(instrument_id)
            if last is None or now - last >= params.cooldown_s * NS_PER_SECOND:
                target = wanted
                self._last_entry_ns[instrument_id] = now
                self._signal_price[instrument_id] = price
        if target != held:
            self.move_to(instrument_id, target)

    def _stopped_out(self, instrument_id: InstrumentId, long: bool, price: float) -> bool:
        stop_bps = self.params.stop_bps
        if stop_bps is None:
            return False
        entry = self._signal_price[instrument_id]
        position = self.position(instrument_id)
        average = position.avg_price
        if average is not None and (position.quantity > 0) == long:
            entry = float(average)
        stop = stop_bps * BPS
        return price <= entry * (1 - stop) if long else price >= entry * (1 + stop)
