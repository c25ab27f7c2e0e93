"""Wiring shared by every driver: simulated venues, instruments and the portfolio on an engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.model.instrument import Instrument
from tradewind.portfolio.portfolio import Portfolio
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

DEFAULT_BALANCE = Decimal(100_000)
"""Starting balance, in the account currency, when none is given."""


def wire_simulated(
    engine: Engine,
    instruments: Sequence[Instrument],
    *,
    fees: FeeModel | Mapping[str, FeeModel] | None = None,
    latency: LatencyModel | Mapping[str, LatencyModel] | None = None,
    bar_fill: str = "next_open",
    balances: Mapping[str, Decimal | int | str] | None = None,
    base_currency: str | None = None,
) -> tuple[dict[str, SimulatedVenue], Portfolio]:
    """Add one SimulatedVenue per venue, the instruments and a Portfolio to ``engine``.

    ``fees`` and ``latency`` are one model for every venue or a mapping venue -> model.
    ``balances`` (asset -> amount) open on every venue; by default 100,000 of the first
    instrument's quote currency, which is also the account currency unless ``base_currency``
    says otherwise. Backtest, paper and mock trading all wire the same way.
    """
    if not instruments:
        raise ConfigError("no instrument given: describe each traded instrument (tick, lot)")
    venues: dict[str, SimulatedVenue] = {}
    for instrument in instruments:
        name = instrument.venue
        if name not in venues:
            venues[name] = SimulatedVenue(
                name,
                clock=engine.clock,
                fees=_for_venue(fees, name),
                latency=_for_venue(latency, name),
                bar_fill=bar_fill,
            )
            engine.add_venue(venues[name])
        engine.add_instrument(instrument)
    currency = base_currency or instruments[0].quote
    start = balances or {currency: DEFAULT_BALANCE}
    opening = {asset: Decimal(str(amount)) for asset, amount in start.items()}
    books = {venue: dict(opening) for venue in venues}
    portfolio = Portfolio(engine.cache, base_currency=currency, starting_balances=books)
    engine.set_portfolio(portfolio)
    return venues, portfolio


def _for_venue(model: Any, venue: str) -> Any:
    """One model for every venue, or the one a mapping gives this venue (None: the default)."""
    if isinstance(model, Mapping):
        return model.get(venue)
    return model
