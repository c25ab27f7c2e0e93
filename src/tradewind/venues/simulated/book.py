"""The simulated venue's own records: a working order, and what it knows of one instrument."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import OrderSide, OrderStatus
from tradewind.model.events import Fill
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order

ZERO = Decimal(0)


def dec(value: float) -> Decimal:
    """A market-data float as the Decimal it prints as."""
    return Decimal(repr(value))


class Working:
    """The venue's own record of an order (it never touches the engine's Order)."""

    __slots__ = (
        "buy",
        "coid",
        "expire",
        "filled",
        "first_fill",
        "iid",
        "more_fills",
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
        self.filled = ZERO
        self.price = order.price
        self.trigger = order.trigger_price
        self.tif = order.time_in_force
        self.expire = order.expire_time_ns
        self.post_only = order.post_only
        self.reduce_only = order.reduce_only
        self.triggered = False
        self.first_fill: Fill | None = None  # (two slots, not a list per order: GC work)
        self.more_fills: list[Fill] | None = None

    @property
    def remaining(self) -> Decimal:
        """Quantity not yet filled."""
        return self.qty - self.filled

    @property
    def venue_status(self) -> OrderStatus:
        """The working order's status as the venue sees it."""
        return OrderStatus.PARTIALLY_FILLED if self.filled else OrderStatus.ACCEPTED

    def add_fill(self, fill: Fill) -> None:
        """Keep a fill of this order (to re-send it when asked)."""
        if self.first_fill is None:
            self.first_fill = fill
        elif self.more_fills is None:
            self.more_fills = [fill]
        else:
            self.more_fills.append(fill)


class ClosedOrder(msgspec.Struct, frozen=True, gc=False):
    """A closed order as the venue remembers it to answer queries (not garbage-collected)."""

    vid: str
    venue_status: OrderStatus
    triggered: bool
    qty: Decimal
    filled: Decimal
    first_fill: Fill | None
    more_fills: tuple[Fill, ...] | None


class Book:
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
        self.consumed_bid = ZERO
        self.consumed_ask = ZERO
        self.working: list[Working] = []  # resting limits and untriggered stops
        self.waiting: list[Working] = []  # market orders waiting for liquidity
        self.position = ZERO
        self.active = False

    def refresh(self) -> None:
        """Note whether any order is working (quiet books skip matching)."""
        self.active = bool(self.working or self.waiting)


def available(book: Book, quote: QuoteTick, buy: bool) -> Decimal:
    """Size left at the touch of ``quote`` after what earlier fills on it took."""
    if book.consumed_for is not quote:
        book.consumed_for = quote
        book.consumed_bid = book.consumed_ask = ZERO
    if buy:
        return dec(quote.ask_size) - book.consumed_ask
    return dec(quote.bid_size) - book.consumed_bid


def consume(book: Book, buy: bool, qty: Decimal) -> None:
    """Take ``qty`` off the touch of the book's current quote."""
    if buy:
        book.consumed_ask += qty
    else:
        book.consumed_bid += qty
