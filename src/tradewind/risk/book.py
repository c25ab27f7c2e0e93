"""RiskBook: what risk reads of the engine — marks, positions, working orders — valued exactly.

The portfolio is reached through ``engine.portfolio`` (duck-typed): ``position``, ``equity``,
and where present ``positions``, ``strategy_positions``, ``price_of`` and ``base_currency``.
Float market prices become Decimals through their shortest repr; every sum is exact.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.enums import OrderSide, OrderType
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order

_ZERO = Decimal(0)
_NO_POSITIONS: dict[Any, Any] = {}


class RiskBook:
    """Prices, positions and open orders as risk sees them, in the account currency."""

    __slots__ = ("_cache", "_engine", "_memo", "replacing")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache = engine.cache
        self._memo: tuple[Order | None, Decimal, bool] = (None, _ZERO, False)
        self.replacing: str | None = None
        """While a modify is judged: the client order id whose open order the amended copy
        replaces (its current terms are left out of what is working)."""

    def judge(self, order: Order) -> bool:
        """Begin judging ``order``; True when it is the amended copy of an open order (a
        modify), not a new order."""
        current = self._cache.orders.get(order.client_order_id)
        amending = current is not None and current is not order
        self.replacing = order.client_order_id if amending else None
        return amending

    # ------------------------------------------------------------------ prices
    @property
    def currency(self) -> str | None:
        """The account currency money limits are in (the portfolio's base currency)."""
        return getattr(self._engine.portfolio, "base_currency", None)

    def mark(self, instrument_id: InstrumentId) -> Decimal | None:
        """The last mid (else last trade, else bar close), exactly; None before any data."""
        mark = self._cache.mark_price(instrument_id)
        return None if mark is None else Decimal(repr(mark))

    def order_price(self, order: Order) -> Decimal | None:
        """The price an order would trade at: its limit, its trigger, else the touch it takes."""
        if order.price is not None:
            return order.price
        if order.trigger_price is not None:
            return order.trigger_price
        quote = self._cache.quotes.get(order.instrument_id)
        if quote is not None:
            return Decimal(repr(quote.ask if order.side is OrderSide.BUY else quote.bid))
        return self.mark(order.instrument_id)

    def to_account(self, amount: Exact, currency: str) -> Exact | None:
        """``amount`` of ``currency`` in the account currency; None when no rate is known."""
        account = self.currency
        if account is None or currency == account:
            return amount
        price_of = getattr(self._engine.portfolio, "price_of", None)
        rate = None if price_of is None else price_of(currency, account)
        return None if rate is None else exact.mul(amount, rate)

    def unit_value(self, instrument: Instrument, price: Decimal) -> Exact | None:
        """The account-currency value of one unit of quantity at ``price`` (x multiplier)."""
        return self.to_account(exact.mul(price, instrument.multiplier), instrument.quote)

    # --------------------------------------------------------------- holdings
    def position(self, instrument_id: InstrumentId, strategy_id: str | None = None) -> Decimal:
        """The account's (or one strategy's) signed quantity in an instrument."""
        portfolio = self._engine.portfolio
        if portfolio is None:
            return _ZERO
        return portfolio.position(instrument_id, strategy_id).quantity

    def pending(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        strategy_id: str | None = None,
    ) -> Decimal:
        """Unfilled quantity of the open orders on one side (of one strategy, or all)."""
        total = _ZERO
        skip = self.replacing
        for o in self._cache.open_orders.values():
            if (
                o.instrument_id == instrument_id
                and o.side is side
                and (strategy_id is None or o.strategy_id == strategy_id)
                and o.client_order_id != skip
            ):
                total += o.quantity - o.filled_quantity
        return total

    def reduces(self, order: Order) -> bool:
        """True when the order only shrinks its strategy's own position, towards flat and never
        through it, even if the strategy's other open orders on that side fill first.

        A close-all order is measured as ``Engine.close_all`` sizes it: against the position
        plus the strategy's market orders already in flight.
        """
        memo = self._memo
        if memo[0] is order and memo[1] == order.quantity:
            return memo[2]
        iid, sid = order.instrument_id, order.strategy_id
        held = self.position(iid, sid)
        buy = order.side is OrderSide.BUY
        remaining = order.quantity - order.filled_quantity
        if "close_all" in order.tags:
            for o in self._cache.open_orders.values():
                if (
                    o.instrument_id == iid
                    and o.strategy_id == sid
                    and o.order_type is OrderType.MARKET
                    and o.client_order_id != self.replacing
                ):
                    held += o.signed_remaining
            result = bool(held) and (held > 0) != buy and remaining <= abs(held)
        else:
            result = (
                bool(held)
                and (held > 0) != buy
                and self.pending(iid, order.side, sid) + remaining <= abs(held)
            )
        self._memo = (order, order.quantity, result)
        return result

    def positions(self, strategy_id: str | None = None) -> dict[InstrumentId, Decimal]:
        """Non-flat positions of the account (or of one strategy) by instrument."""
        portfolio = self._engine.portfolio
        if strategy_id is None:
            held = getattr(portfolio, "positions", _NO_POSITIONS)
            return {iid: p.quantity for iid, p in held.items() if p.quantity}
        own = getattr(portfolio, "strategy_positions", _NO_POSITIONS)
        return {
            iid: p.quantity for (sid, iid), p in own.items() if sid == strategy_id and p.quantity
        }

    def holders(self) -> set[tuple[str, InstrumentId]]:
        """(strategy, instrument) pairs with a position or an open order: concurrent positions."""
        own = getattr(self._engine.portfolio, "strategy_positions", _NO_POSITIONS)
        pairs = {key for key, p in own.items() if p.quantity}
        pairs.update((o.strategy_id, o.instrument_id) for o in self._cache.open_orders.values())
        return pairs

    def gross_exposure(self, strategy_id: str | None = None) -> Exact | None:
        """Positions at the mark plus open orders at their price, in absolute value, summed in
        the account currency (one strategy's, or the account's); None if one cannot be valued."""
        instruments = self._cache.instruments
        total: Exact = _ZERO
        for iid, quantity in self.positions(strategy_id).items():
            mark = self.mark(iid)
            unit = None if mark is None else self.unit_value(instruments[iid], mark)
            if unit is None:
                return None
            total = exact.add(total, exact.mul(abs(quantity), unit))
        for o in self._cache.open_orders.values():
            if (strategy_id is not None and o.strategy_id != strategy_id) or (
                o.client_order_id == self.replacing
            ):
                continue
            price = self.order_price(o)
            unit = None if price is None else self.unit_value(instruments[o.instrument_id], price)
            if unit is None:
                return None
            total = exact.add(total, exact.mul(o.quantity - o.filled_quantity, unit))
        return total

    # -------------------------------------------------------------------- PnL
    def equity(self) -> Decimal | None:
        """Account equity at the latest marks; None while some balance cannot be valued yet."""
        portfolio = self._engine.portfolio
        if portfolio is None:
            return None
        try:
            return portfolio.equity()
        except ConfigError:
            return None

    def strategy_pnls(self) -> dict[str, Exact]:
        """Each strategy's PnL so far: realized, less fees, plus unrealized at the marks.

        Amounts that cannot be converted to the account currency yet are left out.
        """
        own = getattr(self._engine.portfolio, "strategy_positions", _NO_POSITIONS)
        instruments = self._cache.instruments
        totals: dict[str, Exact] = {}
        for (sid, iid), position in own.items():
            instrument = instruments[iid]
            value: Exact = position.realized_pnl
            if position.quantity:
                mark = self.mark(iid)
                if mark is not None:
                    value = exact.add(value, position.unrealized_pnl(mark))
            amount = self.to_account(value, instrument.settlement)
            total = exact.add(totals.get(sid, _ZERO), amount if amount is not None else _ZERO)
            for ccy, fee in position.fees.items():
                paid = self.to_account(fee, ccy)
                if paid is not None:
                    total = exact.sub(total, paid)
            totals[sid] = total
        return totals


def floor_lots(budget: Exact, unit: Exact, instrument: Instrument) -> Decimal:
    """The largest quantity on the lot grid whose value at ``unit`` per unit fits ``budget``."""
    if budget <= 0 or unit <= 0:
        return _ZERO
    lots = Fraction(budget) // (Fraction(unit) * Fraction(instrument.lot_size))
    return (Decimal(int(lots)) * instrument.lot_size).quantize(instrument.lot_size)
