"""The portfolio's books: balances by venue and asset, positions by instrument, both callable.

Each book is the plain dict the portfolio books into (``book[venue][asset]``,
``book[instrument_id]``) and, called, the documented query: ``portfolio.balances(venue)``
and ``portfolio.positions(venue=..., strategy_id=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradewind.model import exact
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.position import Position

_ZERO = Decimal(0)


class Balances(dict[str, dict[str, Exact]]):
    """venue -> asset -> exact amount. Call it for one venue's balances or the totals."""

    __slots__ = ()

    def __call__(self, venue: str | None = None) -> dict[str, Exact]:
        """One venue's balances by asset, or (``venue=None``) each asset summed over venues.

        Amounts are exact: a Decimal, or a Fraction where average cost left a repeating
        decimal. A venue never booked gives an empty dict.
        """
        if venue is not None:
            return dict(self.get(venue, {}))
        totals: dict[str, Exact] = {}
        for assets in self.values():
            for asset, amount in assets.items():
                totals[asset] = exact.add(totals.get(asset, _ZERO), amount)
        return totals


class PositionBook(dict[InstrumentId, Position]):
    """instrument id -> the account's net position. Call it to filter by venue or strategy.

    Instrument ids are ``SYMBOL.VENUE``, so the net position of an instrument is already the
    position on one venue; the same symbol on two venues is two positions.
    """

    __slots__ = ("_by_strategy", "_instruments")

    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        by_strategy: Mapping[tuple[str, InstrumentId], Position],
    ) -> None:
        super().__init__()
        self._instruments = instruments
        self._by_strategy = by_strategy

    def __call__(
        self,
        venue: str | None = None,
        strategy_id: str | None = None,
        *,
        open_only: bool = False,
    ) -> dict[InstrumentId, Position]:
        """Positions by instrument: the account's, or one strategy's share; all venues or one.

        Every position booked so far is listed, flat ones too (they hold realized PnL and
        fees), unless ``open_only``. The Position objects are the live ones: read, don't write.
        """
        if strategy_id is None:
            source: Mapping[InstrumentId, Position] = self
        else:
            source = {iid: p for (sid, iid), p in self._by_strategy.items() if sid == strategy_id}
        instruments = self._instruments
        return {
            iid: position
            for iid, position in source.items()
            if (venue is None or instruments[iid].venue == venue)
            and (not open_only or position.quantity)
        }
