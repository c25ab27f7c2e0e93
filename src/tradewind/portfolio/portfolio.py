"""The portfolio: balances per venue and asset, positions, PnL and fees, all exact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tradewind.engine.cache import Cache
from tradewind.model import exact
from tradewind.model.events import Fill
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId
from tradewind.model.position import Position
from tradewind.portfolio.books import Balances, PositionBook
from tradewind.portfolio.rates import Rates
from tradewind.portfolio.snapshot import build_snapshot

_ZERO = Decimal(0)


class Portfolio:
    """Books every fill: the instrument's net position, the strategy's own, balances and fees.

    Spot fills move the base and quote balances; derivative fills move only the settlement
    balance, by the PnL they realize. Fees are taken from the fee currency's balance. Every
    amount is a Decimal (or a Fraction where average cost leaves a repeating decimal): no
    float ever touches a balance, a fee or a PnL.

    Balances are kept per venue and asset (``balances(venue)``, totals with ``balances()``),
    positions per instrument (ids are ``SYMBOL.VENUE``: one position per venue) and per
    (strategy, instrument) (``positions(venue, strategy_id)``). Realized and unrealized PnL
    stay in each instrument's settlement currency (``realized_pnl_by_currency``); the ``*_in``
    reads, ``equity`` and ``snapshot`` convert them at the latest marks (see ``Rates``) and
    raise a ConfigError naming the missing rate rather than guess.
    """

    def __init__(
        self,
        cache: Cache,
        *,
        base_currency: str,
        starting_balances: Mapping[str, Mapping[str, Decimal]] | None = None,
    ) -> None:
        self._cache = cache
        self.base_currency = base_currency
        self.balances = Balances()
        """venue -> asset -> exact amount; call ``balances(venue=None)`` for one venue or totals."""
        for venue, assets in (starting_balances or {}).items():
            self.balances[venue] = {asset: Decimal(amount) for asset, amount in assets.items()}
        self.starting_balances = {v: dict(a) for v, a in self.balances.items()}
        self.strategy_positions: dict[tuple[str, InstrumentId], Position] = {}
        """(strategy id, instrument id) -> that strategy's own share of the position."""
        self.positions = PositionBook(cache.instruments, self.strategy_positions)
        """instrument id -> net position; call ``positions(venue, strategy_id)`` to filter."""
        self.fees: dict[str, Decimal] = {}
        """Fees paid so far, per currency."""
        self.fills = 0
        self.rates = Rates(cache)
        """Conversion rates at the latest marks, one intermediate currency at most."""

    # ------------------------------------------------------------- booking
    def on_fill(self, fill: Fill, strategy_id: str) -> None:
        """Book one fill."""
        instrument = self._cache.instruments[fill.instrument_id]
        iid = fill.instrument_id
        qty = fill.quantity if fill.side == "BUY" else exact.dec_neg(fill.quantity)
        price = fill.price
        ts = fill.ts_event
        position = self.positions.get(iid)
        if position is None:
            position = self.positions[iid] = Position(iid, instrument.multiplier)
        realized = position.apply(qty, price, ts)
        key = (strategy_id, iid)
        own = self.strategy_positions.get(key)
        if own is None:
            own = self.strategy_positions[key] = Position(iid, instrument.multiplier)
        own.apply(qty, price, ts)
        balances = self.balances.get(instrument.venue)
        if balances is None:
            balances = self.balances[instrument.venue] = {}
        if instrument.is_spot:
            balances[instrument.base] = exact.add(balances.get(instrument.base, _ZERO), qty)
            cash = exact.dec_mul(exact.dec_mul(qty, price), instrument.multiplier)
            balances[instrument.quote] = exact.sub(balances.get(instrument.quote, _ZERO), cash)
        elif realized:
            ccy = instrument.settlement
            balances[ccy] = exact.add(balances.get(ccy, _ZERO), realized)
        fee = fill.fee
        if fee:
            ccy = fill.fee_currency
            balances[ccy] = exact.sub(balances.get(ccy, _ZERO), fee)
            self.fees[ccy] = exact.dec_add(self.fees.get(ccy, _ZERO), fee)
            position.fees[ccy] = exact.dec_add(position.fees.get(ccy, _ZERO), fee)
            own.fees[ccy] = exact.dec_add(own.fees.get(ccy, _ZERO), fee)
        self.fills += 1

    # --------------------------------------------------------------- reads
    def position(self, instrument_id: InstrumentId, strategy_id: str | None = None) -> Position:
        """The account's net position in an instrument, or one strategy's share of it."""
        if strategy_id is None:
            pos = self.positions.get(instrument_id)
        else:
            pos = self.strategy_positions.get((strategy_id, instrument_id))
        return pos if pos is not None else Position(instrument_id)

    def balance(self, asset: str, venue: str | None = None) -> Decimal:
        """One asset's balance on one venue, or summed over all venues; rounded for display
        only when average cost left a repeating decimal (see ``balance_exact``)."""
        return exact.to_decimal(self.balance_exact(asset, venue))

    def balance_exact(self, asset: str, venue: str | None = None) -> Exact:
        """One asset's balance, exactly."""
        total: Exact = _ZERO
        for name, assets in self.balances.items():
            if venue is None or name == venue:
                total = exact.add(total, assets.get(asset, _ZERO))
        return total

    def realized_pnl(self, instrument_id: InstrumentId | None = None) -> Exact:
        """Realized PnL of one instrument (in its settlement currency), or the plain sum over
        all instruments, which means something only when they all settle in one currency:
        use ``realized_pnl_in`` or ``realized_pnl_by_currency`` otherwise."""
        if instrument_id is not None:
            return self.position(instrument_id).realized_pnl
        total: Exact = _ZERO
        for position in self.positions.values():
            total = exact.add(total, position.realized_pnl)
        return total

    def unrealized_pnl(self, instrument_id: InstrumentId | None = None) -> Exact:
        """PnL of open positions at the latest marks: one instrument's, or the plain sum over
        all (one currency only; see ``unrealized_pnl_in``). A position with no mark yet counts 0."""
        ids = [instrument_id] if instrument_id is not None else list(self.positions)
        total: Exact = _ZERO
        for iid in ids:
            position = self.positions.get(iid)
            if position is None or not position.quantity:
                continue
            mark = self.mark(iid)
            if mark is not None:
                total = exact.add(total, position.unrealized_pnl(mark))
        return total

    def realized_pnl_by_currency(
        self, venue: str | None = None, strategy_id: str | None = None
    ) -> dict[str, Exact]:
        """Realized PnL per settlement currency, exact: all venues or one, the account or one
        strategy. Every settlement currency traded appears, zero included."""
        totals: dict[str, Exact] = {}
        instruments = self._cache.instruments
        for position in self._selected(venue, strategy_id):
            ccy = instruments[position.instrument_id].settlement
            totals[ccy] = exact.add(totals.get(ccy, _ZERO), position.realized_pnl)
        return totals

    def unrealized_pnl_by_currency(
        self, venue: str | None = None, strategy_id: str | None = None
    ) -> dict[str, Exact]:
        """Unrealized PnL of open positions at their latest marks, per settlement currency."""
        totals: dict[str, Exact] = {}
        instruments = self._cache.instruments
        for position in self._selected(venue, strategy_id):
            if not position.quantity:
                continue
            mark = self.mark(position.instrument_id)
            if mark is None:
                continue
            ccy = instruments[position.instrument_id].settlement
            totals[ccy] = exact.add(totals.get(ccy, _ZERO), position.unrealized_pnl(mark))
        return totals

    def realized_pnl_in(
        self,
        currency: str | None = None,
        *,
        venue: str | None = None,
        strategy_id: str | None = None,
    ) -> Decimal:
        """Realized PnL of every currency converted to ``currency`` (default: the base currency)
        at the latest marks; a ConfigError names a rate that is missing."""
        ccy = currency or self.base_currency
        return exact.to_decimal(
            self.rates.convert(self.realized_pnl_by_currency(venue, strategy_id), ccy)
        )

    def unrealized_pnl_in(
        self,
        currency: str | None = None,
        *,
        venue: str | None = None,
        strategy_id: str | None = None,
    ) -> Decimal:
        """Unrealized PnL of every currency converted to ``currency`` at the latest marks."""
        ccy = currency or self.base_currency
        by_ccy = self.unrealized_pnl_by_currency(venue, strategy_id)
        return exact.to_decimal(self.rates.convert(by_ccy, ccy))

    def fees_in(self, currency: str | None = None) -> Decimal:
        """Every fee paid, converted to ``currency`` at the latest marks."""
        return exact.to_decimal(self.rates.convert(self.fees, currency or self.base_currency))

    def mark(self, instrument_id: InstrumentId) -> Decimal | None:
        """The instrument's latest mark (the cache's quote mid, trade or bar close) as a Decimal."""
        mark = self._cache.mark_price(instrument_id)
        return None if mark is None else Decimal(repr(mark))

    def price_of(self, asset: str, currency: str) -> Decimal | None:
        """Value of one unit of ``asset`` in ``currency`` at the latest marks (directly or
        through one intermediate currency), or None when no rate is known."""
        rate = self.rates.rate(asset, currency)
        return None if rate is None else exact.to_decimal(rate)

    def equity(self, currency: str | None = None, *, venue: str | None = None) -> Decimal:
        """Balances (all venues or one) valued in ``currency`` (default: the base currency)
        plus the unrealized PnL of open contracts, at the latest marks; a ConfigError names
        the first rate that is missing."""
        ccy = currency or self.base_currency
        total = self.rates.convert(self.balances(venue), ccy)
        contracts: dict[str, Exact] = {}
        instruments = self._cache.instruments
        for position in self._selected(venue, None):
            instrument = instruments[position.instrument_id]
            if instrument.is_spot or not position.quantity:
                continue
            mark = self.mark(position.instrument_id)
            if mark is None:
                continue
            settle = instrument.settlement
            contracts[settle] = exact.add(
                contracts.get(settle, _ZERO), position.unrealized_pnl(mark)
            )
        return exact.to_decimal(exact.add(total, self.rates.convert(contracts, ccy)))

    def total_fees(self) -> dict[str, Decimal]:
        """Fees paid so far, per currency."""
        return dict(self.fees)

    def snapshot(self, currency: str | None = None) -> dict[str, Any]:
        """Balances, positions, fees and PnL by currency and converted, as a plain dict.

        Amounts are decimal strings, so ``json.dumps`` takes it as is; see
        ``tradewind.portfolio.snapshot`` for the layout.
        """
        return build_snapshot(self, currency or self.base_currency)

    def _selected(self, venue: str | None, strategy_id: str | None) -> Iterable[Position]:
        if venue is None and strategy_id is None:
            return self.positions.values()
        return self.positions(venue, strategy_id).values()
