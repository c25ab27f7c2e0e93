"""The simulated venue: matches orders on quotes, trades or bars for backtest, paper and mock."""

from __future__ import annotations

from decimal import Decimal

from tradewind.engine.clock import Clock
from tradewind.engine.protocols import EventSink
from tradewind.errors import ConfigError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderTriggered,
    TimeEvent,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.venues.simulated.fees import FeeModel
from tradewind.venues.simulated.latency import LatencyModel

_ZERO = Decimal(0)
_MAKER = LiquiditySide.MAKER
_TAKER = LiquiditySide.TAKER
BAR_FILLS = ("next_open", "close")


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


class _Working:
    """The venue's own record of an order (it never touches the engine's Order)."""

    __slots__ = (
        "buy",
        "coid",
        "expire",
        "filled",
        "iid",
        "post_only",
        "price",
        "qty",
        "reduce_only",
        "tif",
        "trigger",
        "triggered",
        "type",
        "vid",
    )

    def __init__(self, order: Order, vid: str) -> None:
        self.coid: ClientOrderId = order.client_order_id
        self.vid = vid
        self.iid: InstrumentId = order.instrument_id
        self.buy = order.side is OrderSide.BUY
        self.type = order.order_type
        self.qty = order.quantity
        self.filled = _ZERO
        self.price = order.price
        self.trigger = order.trigger_price
        self.tif = order.time_in_force
        self.expire = order.expire_time_ns
        self.post_only = order.post_only
        self.reduce_only = order.reduce_only
        self.triggered = False

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled


class _Book:
    """What the venue knows of one instrument: latest data, working orders, its own position."""

    __slots__ = (
        "active",
        "bar",
        "consumed_ask",
        "consumed_bid",
        "consumed_for",
        "instrument",
        "position",
        "quote",
        "trade",
        "waiting",
        "working",
    )

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.quote: QuoteTick | None = None
        self.trade: TradeTick | None = None
        self.bar: Bar | None = None
        self.consumed_for: QuoteTick | None = None
        self.consumed_bid = _ZERO
        self.consumed_ask = _ZERO
        self.working: list[_Working] = []  # resting limits and untriggered stops
        self.waiting: list[_Working] = []  # market orders waiting for liquidity
        self.position = _ZERO
        self.active = False

    def refresh(self) -> None:
        self.active = bool(self.working or self.waiting)


class SimulatedVenue:
    """A venue in-process: acknowledges after latency, fills against the data the engine sees.

    Quotes: market orders take the touch up to its size and walk to later quotes for the rest;
    resting limits fill at their price when the opposite side quotes at or through it.
    Trades: resting limits fill when a print trades through them; market orders take the next
    print. Bars: market orders fill at the next bar's open (``bar_fill="next_open"``, default)
    or at the current bar's close (``"close"``); limits fill when the bar trades through them;
    stops trigger on the bar's range. Maker and taker fees apply; everything is seeded.
    """

    def __init__(
        self,
        name: str = "SIM",
        *,
        clock: Clock,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        bar_fill: str = "next_open",
    ) -> None:
        if bar_fill not in BAR_FILLS:
            raise ConfigError(
                f"bar_fill {bar_fill!r} is unknown: use one of {', '.join(BAR_FILLS)}"
            )
        self.venue = name
        self._clock = clock
        self.fees = fees or FeeModel()
        self.latency = latency or LatencyModel()
        self._delay = self.latency.sampler()
        self.bar_fill = bar_fill
        self._owner = f"venue:{name}"
        self._emit: EventSink = _unconnected
        self._books: dict[InstrumentId, _Book] = {}
        self._orders: dict[ClientOrderId, _Working] = {}
        self._in_flight: dict[ClientOrderId, _Working] = {}
        self._order_seq = 0
        self._trade_seq = 0

    # ------------------------------------------------------------------ wiring
    def connect(self, emit: EventSink) -> None:
        """Send reports to ``emit``."""
        self._emit = emit

    def add_instrument(self, instrument: Instrument) -> None:
        """List an instrument on this venue."""
        if instrument.id not in self._books:
            self._books[instrument.id] = _Book(instrument)

    def position(self, instrument_id: InstrumentId) -> Decimal:
        """The venue's own record of the net position (what reconciliation compares against)."""
        book = self._books.get(instrument_id)
        return _ZERO if book is None else book.position

    def open_orders(self) -> list[ClientOrderId]:
        """Client ids of the orders working at the venue."""
        return list(self._orders)

    # ------------------------------------------------------------ order entry
    def submit(self, order: Order) -> None:
        """Receive an order; it arrives after the sampled latency."""
        self._order_seq += 1
        working = _Working(order, f"{self.venue}-{self._order_seq}")
        delay = self._delay()
        now = self._clock.timestamp_ns()
        if delay:
            self._in_flight[working.coid] = working
            self._clock.set_alarm(f"arrive:{working.coid}", self._owner, now + delay)
        else:
            self._arrive(working, now)

    def cancel(self, order: Order) -> None:
        """Receive a cancel; it arrives after the sampled latency."""
        delay = self._delay()
        now = self._clock.timestamp_ns()
        if delay:
            self._clock.set_alarm(f"cancel:{order.client_order_id}", self._owner, now + delay)
        else:
            self._cancel(order.client_order_id, now, "canceled")

    def on_time(self, event: TimeEvent) -> None:
        """An alarm of ours: an order or cancel arriving, or an order expiring."""
        action, _, coid = event.name.partition(":")
        now = event.ts_event
        if action == "arrive":
            working = self._in_flight.pop(ClientOrderId(coid), None)
            if working is not None:
                self._arrive(working, now)
        elif action == "cancel":
            self._cancel(ClientOrderId(coid), now, "canceled")
        elif action == "expire":
            working = self._orders.get(ClientOrderId(coid))
            if working is not None:
                self._remove(working)
                self._emit(OrderExpired(working.coid, now, now))

    def _cancel(self, coid: ClientOrderId, now: int, reason: str) -> None:
        working = self._in_flight.pop(coid, None) or self._orders.get(coid)
        if working is None:
            return  # already filled or gone: the fill report tells the story
        self._remove(working)
        self._emit(OrderCanceled(coid, reason, now, now))

    def _remove(self, working: _Working) -> None:
        self._orders.pop(working.coid, None)
        book = self._books[working.iid]
        if working in book.working:
            book.working.remove(working)
        if working in book.waiting:
            book.waiting.remove(working)
        book.refresh()

    def _arrive(self, w: _Working, now: int) -> None:
        book = self._books.get(w.iid)
        if book is None:
            self._emit(OrderRejected(w.coid, f"{w.iid} is not listed on {self.venue}", now, now))
            return
        if w.reduce_only and (not book.position or (book.position > 0) == w.buy):
            self._emit(
                OrderRejected(w.coid, "reduce-only order would increase the position", now, now)
            )
            return
        if w.post_only and w.type is OrderType.LIMIT and self._marketable(book, w):
            self._emit(OrderRejected(w.coid, "post-only order would take liquidity", now, now))
            return
        self._emit(OrderAccepted(w.coid, w.vid, now, now))
        self._orders[w.coid] = w
        if w.tif is TimeInForce.GTD and w.expire is not None:
            self._clock.set_alarm(f"expire:{w.coid}", self._owner, w.expire)
        if w.type is OrderType.MARKET:
            self._take(book, w, now, waiting_ok=True)
        elif w.type is OrderType.LIMIT:
            self._on_new_limit(book, w, now)
        else:
            if self._stop_hit(book, w):
                self._trigger(book, w, now, initial=True)
            else:
                book.working.append(w)
        book.refresh()

    # ------------------------------------------------------------ market data
    def on_quote(self, quote: QuoteTick) -> None:
        """A new top of book: fill what it reaches."""
        book = self._books.get(quote.instrument_id)
        if book is None:
            return
        book.quote = quote
        if book.active:
            now = quote.ts_init
            for w in list(book.waiting):
                self._take(book, w, now, waiting_ok=True)
            self._match_working(book, now)
            book.refresh()

    def on_trade(self, trade: TradeTick) -> None:
        """A new print: fill waiting market orders and resting orders it trades through."""
        book = self._books.get(trade.instrument_id)
        if book is None:
            return
        book.trade = trade
        if book.active:
            now = trade.ts_init
            price = _dec(trade.price)
            for w in list(book.waiting):
                self._fill(book, w, w.remaining, price, _TAKER, now)
            self._match_working(book, now)
            book.refresh()

    def on_bar(self, bar: Bar) -> None:
        """A new bar: waiting market orders fill at its open, then its range works the rest."""
        book = self._books.get(bar.instrument_id)
        if book is None:
            return
        book.bar = bar
        if book.active:
            now = bar.ts_init
            open_ = _dec(bar.open)
            for w in list(book.waiting):
                self._fill(book, w, w.remaining, open_, _TAKER, now)
            self._match_working(book, now)
            book.refresh()

    # ---------------------------------------------------------------- matching
    def _take(self, book: _Book, w: _Working, now: int, *, waiting_ok: bool) -> None:
        """Take liquidity for a market (or marketable) order from the freshest data."""
        quote = book.quote
        if quote is not None:
            price = _dec(quote.ask if w.buy else quote.bid)
            size = _available(book, quote, w.buy)
            if w.type is not OrderType.MARKET and w.price is not None:
                limit_ok = price <= w.price if w.buy else price >= w.price
                if not limit_ok:
                    return
            if w.tif is TimeInForce.FOK and size < w.remaining:
                self._remove(w)
                self._emit(OrderCanceled(w.coid, "FOK: not enough size at the touch", now, now))
                return
            qty = min(w.remaining, size)
            if qty > 0:
                _consume(book, w.buy, qty)
                self._fill(book, w, qty, price, _TAKER, now)
            if w.remaining and w.coid in self._orders:
                if w.tif is TimeInForce.IOC:
                    self._remove(w)
                    self._emit(OrderCanceled(w.coid, "IOC: remainder canceled", now, now))
                elif w not in book.waiting and waiting_ok:
                    book.waiting.append(w)
            return
        if self.bar_fill == "close" and book.bar is not None and book.trade is None:
            self._fill(book, w, w.remaining, _dec(book.bar.close), _TAKER, now)
            return
        if w.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._remove(w)
            self._emit(OrderCanceled(w.coid, f"{w.tif.value}: no liquidity to take", now, now))
            return
        if w not in book.waiting:
            book.waiting.append(w)  # trades or bars: fill on the next print or bar open

    def _marketable(self, book: _Book, w: _Working) -> bool:
        price = w.price
        assert price is not None
        if book.quote is not None:
            return price >= _dec(book.quote.ask) if w.buy else price <= _dec(book.quote.bid)
        return False

    def _on_new_limit(self, book: _Book, w: _Working, now: int) -> None:
        if self._marketable(book, w):
            self._take(book, w, now, waiting_ok=False)
            if w.remaining and w.coid in self._orders:
                book.working.append(w)
            return
        if w.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._remove(w)
            self._emit(OrderCanceled(w.coid, f"{w.tif.value}: limit not marketable", now, now))
            return
        book.working.append(w)

    def _stop_hit(self, book: _Book, w: _Working) -> bool:
        trigger = w.trigger
        assert trigger is not None
        if book.quote is not None:
            return _dec(book.quote.ask) >= trigger if w.buy else _dec(book.quote.bid) <= trigger
        return False

    def _trigger(self, book: _Book, w: _Working, now: int, *, initial: bool = False) -> None:
        w.triggered = True
        if w in book.working:
            book.working.remove(w)
        self._emit(OrderTriggered(w.coid, now, now))
        if w.type is OrderType.STOP_MARKET:
            w.type = OrderType.MARKET
            self._take(book, w, now, waiting_ok=True)
        else:
            w.type = OrderType.LIMIT
            self._on_new_limit(book, w, now)

    def _match_working(self, book: _Book, now: int) -> None:
        quote, bar = book.quote, book.bar
        trade = book.trade
        for w in list(book.working):
            if w.coid not in self._orders:
                continue
            if w.type is OrderType.LIMIT:
                self._match_limit(book, w, now)
                continue
            trigger = w.trigger
            assert trigger is not None
            if bar is not None and bar.ts_init == now and quote is None:
                hit = _dec(bar.high) >= trigger if w.buy else _dec(bar.low) <= trigger
                if hit:
                    open_ = _dec(bar.open)
                    gap = open_ >= trigger if w.buy else open_ <= trigger
                    fill_at = open_ if gap else trigger
                    w.triggered = True
                    book.working.remove(w)
                    self._emit(OrderTriggered(w.coid, now, now))
                    if w.type is OrderType.STOP_MARKET:
                        w.type = OrderType.MARKET
                        self._fill(book, w, w.remaining, fill_at, _TAKER, now)
                    else:
                        w.type = OrderType.LIMIT
                        limit = w.price
                        assert limit is not None
                        if (fill_at <= limit) if w.buy else (fill_at >= limit):
                            self._fill(book, w, w.remaining, fill_at, _TAKER, now)
                        else:
                            book.working.append(w)  # rests from the next bar on
            elif trade is not None and trade.ts_init == now and quote is None:
                price = _dec(trade.price)
                if (price >= trigger) if w.buy else (price <= trigger):
                    self._trigger(book, w, now)
            elif self._stop_hit(book, w):
                self._trigger(book, w, now)

    def _match_limit(self, book: _Book, w: _Working, now: int) -> None:
        price = w.price
        assert price is not None
        quote, trade, bar = book.quote, book.trade, book.bar
        if quote is not None and quote.ts_init == now:
            through = _dec(quote.ask) <= price if w.buy else _dec(quote.bid) >= price
            if through:
                qty = min(w.remaining, _available(book, quote, w.buy))
                if qty > 0:
                    _consume(book, w.buy, qty)
                    self._fill(book, w, qty, price, _MAKER, now)
        elif trade is not None and trade.ts_init == now:
            tp = _dec(trade.price)
            if (tp < price) if w.buy else (tp > price):
                self._fill(book, w, min(w.remaining, _dec(trade.size)), price, _MAKER, now)
        elif bar is not None and bar.ts_init == now:
            open_ = _dec(bar.open)
            if (open_ <= price) if w.buy else (open_ >= price):
                self._fill(book, w, w.remaining, open_, _TAKER, now)
            elif (_dec(bar.low) < price) if w.buy else (_dec(bar.high) > price):
                self._fill(book, w, w.remaining, price, _MAKER, now)

    def _fill(
        self, book: _Book, w: _Working, qty: Decimal, price: Decimal, liq: LiquiditySide, now: int
    ) -> None:
        if w.reduce_only:
            room = abs(book.position) if (book.position > 0) != w.buy else _ZERO
            qty = min(qty, room)
        if qty <= 0:
            if w.reduce_only:
                self._remove(w)
                self._emit(OrderCanceled(w.coid, "reduce-only: position already closed", now, now))
            return
        instrument = book.instrument
        fee = self.fees.fee(qty * price * instrument.multiplier, liq)
        self._trade_seq += 1
        w.filled += qty
        book.position += qty if w.buy else -qty
        self._emit(
            Fill(
                w.coid,
                w.vid,
                f"{self.venue}-T{self._trade_seq}",
                w.iid,
                OrderSide.BUY if w.buy else OrderSide.SELL,
                qty,
                price,
                fee,
                instrument.settlement,
                liq,
                now,
                now,
            )
        )
        if not w.remaining:
            self._remove(w)
        elif w.reduce_only and not book.position:
            self._remove(w)
            self._emit(OrderCanceled(w.coid, "reduce-only: position closed", now, now))


def _available(book: _Book, quote: QuoteTick, buy: bool) -> Decimal:
    """Size left at the touch of ``quote`` after what earlier fills on it took."""
    if book.consumed_for is not quote:
        book.consumed_for = quote
        book.consumed_bid = book.consumed_ask = _ZERO
    if buy:
        return _dec(quote.ask_size) - book.consumed_ask
    return _dec(quote.bid_size) - book.consumed_bid


def _consume(book: _Book, buy: bool, qty: Decimal) -> None:
    if buy:
        book.consumed_ask += qty
    else:
        book.consumed_bid += qty


def _unconnected(event: object) -> None:
    raise ConfigError("the simulated venue is not connected: add it with engine.add_venue(venue)")
