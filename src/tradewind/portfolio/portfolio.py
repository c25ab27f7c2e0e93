"""The portfolio: balances per venue and asset, positions, PnL and fees, all exact."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradewind.engine.cache import Cache
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.events import Fill
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId
from tradewind.model.position import Position

_ZERO = Decimal(0)


class Portfolio:
    """Books every fill: the instrument's net position, the strategy's own, balances and fees.

    Spot fills move the base and quote balances; derivative fills move only the settlement
    balance, by the PnL they realize. Fees are taken from the fee currency's balance. Every
    amount is a Decimal (or a Fraction where average cost leaves a repeating decimal): no
    float ever touches a balance, a fee or a PnL.
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
        self.balances: dict[str, dict[str, Exact]] = {}
        for venue, assets in (starting_balances or {}).items():
            self.balances[venue] = {asset: Decimal(amount) for asset, amount in assets.items()}
        self.starting_balances = {v: dict(a) for v, a in self.balances.items()}
        self.positions: dict[InstrumentId, Position] = {}
        self.strategy_positions: dict[tuple[str, InstrumentId], Position] = {}
        self.fees: dict[str, Decimal] = {}
        self.fills = 0

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
        """Realized PnL of one instrument or of all (in each instrument's quote currency)."""
        if instrument_id is not None:
            return self.position(instrument_id).realized_pnl
        total: Exact = _ZERO
        for position in self.positions.values():
            total = exact.add(total, position.realized_pnl)
        return total

    def unrealized_pnl(self, instrument_id: InstrumentId | None = None) -> Exact:
        """PnL of open positions at the latest marks."""
        ids = [instrument_id] if instrument_id is not None else list(self.positions)
        total: Exact = _ZERO
        for iid in ids:
            position = self.positions.get(iid)
            if position is None or not position.quantity:
                continue
            mark = self._cache.mark_price(iid)
            if mark is not None:
                total = exact.add(total, position.unrealized_pnl(Decimal(repr(mark))))
        return total

    def price_of(self, asset: str, currency: str) -> Decimal | None:
        """Value of one unit of ``asset`` in ``currency`` from the latest marks, if known."""
        if asset == currency:
            return Decimal(1)
        for instrument in self._cache.instruments.values():
            if instrument.is_spot and instrument.base == asset and instrument.quote == currency:
                mark = self._cache.mark_price(instrument.id)
                if mark is not None:
                    return Decimal(repr(mark))
            if instrument.is_spot and instrument.quote == asset and instrument.base == currency:
                mark = self._cache.mark_price(instrument.id)
                if mark:
                    return Decimal(1) / Decimal(repr(mark))
        return None

    def equity(self, currency: str | None = None) -> Decimal:
        """All balances valued in ``currency`` plus the unrealized PnL of derivatives."""
        ccy = currency or self.base_currency
        total: Exact = _ZERO
        for assets in self.balances.values():
            for asset, amount in assets.items():
                if not amount:
                    continue
                price = self.price_of(asset, ccy)
                if price is None:
                    raise ConfigError(
                        f"cannot value {asset} in {ccy}: no {asset}/{ccy} price seen yet; add "
                        f"an instrument quoting {asset} in {ccy} or choose another base currency"
                    )
                total = exact.add(total, exact.mul(amount, price))
        for iid, position in self.positions.items():
            instrument = self._cache.instruments[iid]
            if instrument.is_spot or not position.quantity:
                continue
            mark = self._cache.mark_price(iid)
            if mark is None:
                continue
            upnl = position.unrealized_pnl(Decimal(repr(mark)))
            price = self.price_of(instrument.settlement, ccy) or Decimal(1)
            total = exact.add(total, exact.mul(upnl, price))
        return exact.to_decimal(total)

    def total_fees(self) -> dict[str, Decimal]:
        """Fees paid so far, per currency."""
        return dict(self.fees)
