"""Trailing stops emulated locally: a stop whose trigger follows the best price since activation.

A sell stop (protecting a long) keeps its trigger at the highest price seen since activation
minus the offset (a price offset, or basis points of that price), rounded down to the tick; a
buy stop mirrors it (lowest price plus the offset, rounded up). The trigger only ever moves in
the favourable direction, by modify where the venue can amend and by cancel and replace
otherwise (``ContingentOrderManager`` does the moving). The order at the venue is an ordinary
stop-market, so it fires as one. Prices seen: the bid (sell) or ask (buy) of quotes, trade
prices, and a bar's high (sell) or low (buy) — the venue matches each event before the trigger
moves on it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from tradewind.engine.engine import Engine
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import OrderSide
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument

if TYPE_CHECKING:
    from tradewind.execution.group_state import Group, Leg

_BPS = Decimal(10_000)


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


class Trail:
    """One trailing stop's memory: the best price since activation and the trigger it implies."""

    __slots__ = ("activation", "best", "group", "instrument", "leg", "offset", "offset_bps", "sell")

    def __init__(self, group: Group, leg: Leg, instrument: Instrument) -> None:
        handle = group.handle
        self.group = group
        self.leg = leg
        self.instrument = instrument
        self.sell = leg.template.side is OrderSide.SELL
        self.offset = handle.offset
        self.offset_bps = handle.offset_bps
        self.activation = handle.activation_price
        self.best: Decimal | None = None

    @property
    def trigger(self) -> Decimal | None:
        """The trigger the stop should have now (None before activation)."""
        return self.leg.trigger

    def start(self, price: Decimal) -> None:
        """Activate at ``price``: the stop goes to ``price`` less the offset."""
        self.leg.held = False
        self.best = price
        self.leg.trigger = self._trigger_for(price)

    def see(self, price: Decimal) -> bool:
        """Take a new price; True when the trigger moved (or the stop activated)."""
        if self.leg.held:
            activation = self.activation
            assert activation is not None
            if (price >= activation) if self.sell else (price <= activation):
                self.start(price)
                return True
            return False
        best = self.best
        if best is not None and ((price <= best) if self.sell else (price >= best)):
            return False
        self.best = price
        new = self._trigger_for(price)
        old = self.leg.trigger
        if old is not None and ((new <= old) if self.sell else (new >= old)):
            return False
        self.leg.trigger = new
        return True

    def _trigger_for(self, best: Decimal) -> Decimal:
        instrument = self.instrument
        offset = self.offset
        if offset is None:
            assert self.offset_bps is not None
            offset = best * self.offset_bps / _BPS
        if self.sell:
            trigger = instrument.round_price(best - offset, ROUND_FLOOR)
        else:
            trigger = instrument.round_price(best + offset, ROUND_CEILING)
        return max(trigger, instrument.tick_size)


class TrailingStops:
    """Feeds prices to the emulated trailing stops of each instrument; tells when one moved."""

    def __init__(self, engine: Engine, on_move: Callable[[Group], None]) -> None:
        self._engine = engine
        self._on_move = on_move
        self._trails: dict[InstrumentId, list[Trail]] = {}

    def reference_price(self, trail: Trail) -> Decimal | None:
        """The price to start trailing from now: touch, else last trade, else last bar close."""
        cache = self._engine.cache
        iid = trail.instrument.id
        quote = cache.quotes.get(iid)
        if quote is not None:
            return _dec(quote.bid if trail.sell else quote.ask)
        trade = cache.trades.get(iid)
        if trade is not None:
            return _dec(trade.price)
        bar = cache.bars.get(iid)
        return None if bar is None else _dec(bar.close)

    def add(self, trail: Trail) -> None:
        """Start feeding ``trail``.

        The first trail of an instrument subscribes to its data; the subscription stays (an
        unsubscribe could run inside the engine's own loop over that instrument's handlers).
        """
        iid = trail.instrument.id
        trails = self._trails.get(iid)
        if trails is None:
            trails = self._trails[iid] = []
            self._engine.subscribe("quotes", iid, self._on_quote)
            self._engine.subscribe("trades", iid, self._on_trade)
            self._engine.subscribe("bars", iid, self._on_bar)
        trails.append(trail)

    def remove(self, trail: Trail) -> None:
        """Stop feeding ``trail``."""
        trails = self._trails.get(trail.instrument.id)
        if trails is not None and trail in trails:
            trails.remove(trail)

    def _on_quote(self, quote: QuoteTick) -> None:
        trails = self._trails.get(quote.instrument_id)
        if trails:
            for trail in list(trails):
                self._see(trail, _dec(quote.bid if trail.sell else quote.ask))

    def _on_trade(self, trade: TradeTick) -> None:
        trails = self._trails.get(trade.instrument_id)
        if trails:
            price = _dec(trade.price)
            for trail in list(trails):
                self._see(trail, price)

    def _on_bar(self, bar: Bar) -> None:
        trails = self._trails.get(bar.instrument_id)
        if trails:
            for trail in list(trails):
                self._see(trail, _dec(bar.high if trail.sell else bar.low))

    def _see(self, trail: Trail, price: Decimal) -> None:
        if trail.see(price):
            self._on_move(trail.group)
