"""The simulated venue: matches orders on quotes, trades or bars for backtest, paper and mock."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import msgspec

from tradewind.engine.clock import Clock
from tradewind.engine.protocols import EventSink, VenueCapabilities
from tradewind.errors import ConfigError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import LiquiditySide, OrderStatus, OrderType, TimeInForce
from tradewind.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderUpdated,
    TimeEvent,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument, to_decimal
from tradewind.model.orders import Order
from tradewind.venues.simulated.book import ZERO, Book, ClosedOrder, Working, dec
from tradewind.venues.simulated.fees import FeeModel
from tradewind.venues.simulated.latency import LatencyModel
from tradewind.venues.simulated.matching import Matcher

BAR_FILLS = ("next_open", "close")
_TAKER = LiquiditySide.TAKER
_Amend = tuple[Decimal, Decimal | None, Decimal | None]


class SimulatedVenue(Matcher):
    """A venue in-process: acknowledges after latency, fills against the data the engine sees.

    Quotes: market orders take the touch up to its size and walk to later quotes for the rest;
    resting limits fill at their price when the opposite side quotes at or through it.
    Trades: resting limits fill when a print trades through them; market orders take the next
    print. Bars: market orders fill at the next bar's open (``bar_fill="next_open"``, default)
    or at the current bar's close (``"close"``); limits fill when the bar trades through them;
    stops trigger on the bar's range. Maker and taker fees apply; everything is seeded.

    Cancels, amends and queries arrive after the same sampled latency as orders. An amend
    re-checks the order against the market (a limit moved through the touch takes it, a stop
    moved through it triggers); it is refused for an order closed or unknown, a quantity not
    above what has filled, a trigger of a stop already triggered, or a post-only limit moved
    through the touch. A query re-sends the order's fills, then its status (OrderNotFound for
    an order it does not have). Closed orders are kept to answer queries only with
    ``history_size`` > 0 (the last N): in-process its reports are never lost, and keeping them
    costs about 2 % of backtest speed, so the default is 0; set it when reports can be lost
    (a fault-injecting transport in tests). It runs no contingent order itself
    (``capabilities``): the engine's execution layer emulates them.
    """

    capabilities = VenueCapabilities(modify=True)
    """Amends natively; OCO, OTO, brackets and trailing stops are emulated by tradewind."""

    def __init__(
        self,
        name: str = "SIM",
        *,
        clock: Clock,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        bar_fill: str = "next_open",
        history_size: int = 0,
        id_prefix: str | None = None,
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
        self._emit = _unconnected
        self._books: dict[InstrumentId, Book] = {}
        self._orders: dict[ClientOrderId, Working] = {}
        self._in_flight: dict[ClientOrderId, Working] = {}
        self._amends: dict[ClientOrderId, _Amend] = {}
        self._closed: dict[ClientOrderId, ClosedOrder] = {}
        self._closed_ids: deque[ClientOrderId] = deque()
        self._history_size = history_size
        self._order_seq = 0
        self._trade_seq = 0
        self._id_prefix = id_prefix or name
        """Starts venue order ids and trade ids; a venue restarted with its bot takes a new one
        (e.g. ``SIM-r3``) so that ids never repeat across runs."""

    # ------------------------------------------------------------------ wiring
    def connect(self, emit: EventSink) -> None:
        """Send reports to ``emit``."""
        self._emit = emit

    def add_instrument(self, instrument: Instrument) -> None:
        """List an instrument on this venue."""
        if instrument.id not in self._books:
            self._books[instrument.id] = Book(instrument)

    def position(self, instrument_id: InstrumentId) -> Decimal:
        """The venue's own record of the net position (what reconciliation compares against)."""
        book = self._books.get(instrument_id)
        return ZERO if book is None else book.position

    def restore_position(self, instrument_id: InstrumentId, quantity: Decimal) -> None:
        """Start the venue's position in a listed instrument at ``quantity`` (a paper venue
        restarted with its bot's positions); no fill or report is made."""
        book = self._books.get(instrument_id)
        if book is None:
            raise ConfigError(
                f"cannot restore a position in {instrument_id}: it is not listed on "
                f"{self.venue}; add the instrument first"
            )
        book.position = to_decimal(quantity, f"position in {instrument_id}")

    def open_orders(self) -> list[ClientOrderId]:
        """Client ids of the orders working at the venue."""
        return list(self._orders)

    # ------------------------------------------------------------ order entry
    def submit(self, order: Order) -> None:
        """Receive an order; it arrives after the sampled latency."""
        self._order_seq += 1
        working = Working(order, f"{self._id_prefix}-{self._order_seq}")
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
            self._cancel(order.client_order_id, now)

    def modify(
        self,
        order: Order,
        *,
        quantity: Decimal,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> None:
        """Receive an amend to these terms; it arrives after the sampled latency."""
        amend = (quantity, price, trigger_price)
        delay = self._delay()
        now = self._clock.timestamp_ns()
        if delay:
            self._amends[order.client_order_id] = amend
            self._clock.set_alarm(f"modify:{order.client_order_id}", self._owner, now + delay)
        else:
            self._amend(order.client_order_id, amend, now)

    def query_order(self, client_order_id: ClientOrderId) -> None:
        """Receive a status query; it is answered after the sampled latency."""
        delay = self._delay()
        now = self._clock.timestamp_ns()
        if delay:
            self._clock.set_alarm(f"query:{client_order_id}", self._owner, now + delay)
        else:
            self._query(client_order_id, now)

    def on_time(self, event: TimeEvent) -> None:
        """An alarm of ours: an order, cancel, amend or query arriving, or an order expiring."""
        action, _, name = event.name.partition(":")
        coid = ClientOrderId(name)
        now = event.ts_event
        if action == "arrive":
            working = self._in_flight.pop(coid, None)
            if working is not None:
                self._arrive(working, now)
        elif action == "cancel":
            self._cancel(coid, now)
        elif action == "modify":
            amend = self._amends.pop(coid, None)
            if amend is not None:
                self._amend(coid, amend, now)
        elif action == "query":
            self._query(coid, now)
        elif action == "expire":
            working = self._orders.get(coid)
            if working is not None:
                self._remove(working, OrderStatus.EXPIRED)
                self._emit(OrderExpired(working.coid, now, now))

    def _cancel(self, coid: ClientOrderId, now: int) -> None:
        working = self._in_flight.pop(coid, None) or self._orders.get(coid)
        if working is None:
            self._emit(OrderCancelRejected(coid, "order is closed or unknown", now, now))
            return
        self._remove(working, OrderStatus.CANCELED)
        self._emit(OrderCanceled(coid, "canceled", now, now))

    def _amend(self, coid: ClientOrderId, amend: _Amend, now: int) -> None:
        quantity, price, trigger = amend
        w = self._orders.get(coid)
        if w is None:
            self._emit(OrderModifyRejected(coid, "order is closed or unknown", now, now))
            return
        book = self._books[w.iid]
        refusal = _refusal(book, w, quantity, price, trigger)
        if refusal:
            self._emit(OrderModifyRejected(coid, refusal, now, now))
            return
        w.qty, w.price, w.trigger = quantity, price, trigger
        self._emit(OrderUpdated(coid, w.vid, quantity, price, trigger, now, now))
        if w in book.waiting:
            pass  # a market order waiting for liquidity: only its size changed
        elif w.type is OrderType.LIMIT:
            if w in book.working:
                book.working.remove(w)  # re-placed: it loses its place and meets the market
            self._on_new_limit(book, w, now)
        elif not w.triggered and self._stop_hit(book, w):
            self._trigger(book, w, now)
        book.refresh()

    def _query(self, coid: ClientOrderId, now: int) -> None:
        w: Working | ClosedOrder | None = self._orders.get(coid) or self._closed.get(coid)
        if w is None:
            self._emit(OrderNotFound(coid, now, now))
            return
        fills = [] if w.first_fill is None else [w.first_fill, *(w.more_fills or ())]
        for fill in fills:
            self._emit(msgspec.structs.replace(fill, ts_init=now))
        self._emit(
            OrderStatusReport(coid, w.vid, w.venue_status, w.triggered, w.qty, w.filled, now, now)
        )

    def _remove(self, w: Working, status: OrderStatus) -> None:
        """Take a closed order off the books; keep what queries about it need (the latest N)."""
        self._orders.pop(w.coid, None)
        book = self._books.get(w.iid)
        if book is not None:
            if w in book.working:
                book.working.remove(w)
            if w in book.waiting:
                book.waiting.remove(w)
            book.refresh()
        if not self._history_size:
            return
        more = None if w.more_fills is None else tuple(w.more_fills)
        self._closed[w.coid] = ClosedOrder(
            w.vid, status, w.triggered, w.qty, w.filled, w.first_fill, more
        )
        ids = self._closed_ids
        ids.append(w.coid)
        if len(ids) > self._history_size:
            self._closed.pop(ids.popleft(), None)

    def _reject(self, w: Working, reason: str, now: int) -> None:
        self._remove(w, OrderStatus.REJECTED)
        self._emit(OrderRejected(w.coid, reason, now, now))

    def _arrive(self, w: Working, now: int) -> None:
        book = self._books.get(w.iid)
        if book is None:
            self._reject(w, f"{w.iid} is not listed on {self.venue}", now)
            return
        if w.reduce_only and (not book.position or (book.position > 0) == w.buy):
            self._reject(w, "reduce-only order would increase the position", now)
            return
        if w.post_only and w.type is OrderType.LIMIT and self._marketable(book, w):
            self._reject(w, "post-only order would take liquidity", now)
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
            price = dec(trade.price)
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
            open_ = dec(bar.open)
            for w in list(book.waiting):
                self._fill(book, w, w.remaining, open_, _TAKER, now)
            self._match_working(book, now)
            book.refresh()


def _refusal(
    book: Book, w: Working, quantity: Decimal, price: Decimal | None, trigger: Decimal | None
) -> str:
    """Why the venue refuses an amend of ``w`` to these terms ("" when it accepts it)."""
    if quantity <= w.filled:
        return f"quantity {quantity} is not above the {w.filled} already filled"
    if w.triggered and trigger != w.trigger:
        return "the stop has triggered: its trigger can no longer change"
    if price is None and w.price is not None:
        return "a limit order needs a price"
    if w.post_only and w.type is OrderType.LIMIT and price is not None and book.quote is not None:
        crosses = price >= dec(book.quote.ask) if w.buy else price <= dec(book.quote.bid)
        if crosses:
            return "post-only order would take liquidity at the new price"
    return ""


def _unconnected(event: object) -> None:
    raise ConfigError("the simulated venue is not connected: add it with engine.add_venue(venue)")
