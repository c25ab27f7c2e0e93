"""The seams the engine talks through: venue execution clients, the portfolio, the audit stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tradewind.model.contingency import GroupKind, OrderGroup
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.events import Fill, OrderStatusReport, TimeEvent
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.model.position import Position

EventSink = Callable[[object], None]
"""Where a venue pushes its reports (the engine's queue in a backtest, the live queue live)."""


OrderListener = Callable[[Order, object], None]
"""Called with an order and the event that just changed it (see ``Engine.add_order_listener``)."""


@dataclass(frozen=True, slots=True)
class VenueCapabilities:
    """What a venue does natively. What it lacks, tradewind emulates locally, the same way.

    Shared code asks these flags, never the venue's name.
    """

    modify: bool = False
    """Amends a working order's price, trigger and quantity (else: cancel and replace)."""
    oco: bool = False
    """Runs one-cancels-the-other pairs itself."""
    oto: bool = False
    """Holds a child order until its parent fills."""
    bracket: bool = False
    """Runs entry + stop-loss + take-profit brackets itself."""
    trailing_stop: bool = False
    """Moves a trailing stop's trigger itself."""

    def runs(self, kind: GroupKind) -> bool:
        """True when the venue runs a group of ``kind`` natively."""
        return bool(getattr(self, kind.value))


NO_CAPABILITIES = VenueCapabilities()
"""A venue that only submits and cancels (what a client without ``capabilities`` gets)."""


class ExecutionClient(Protocol):
    """A venue's order entry: submit, cancel, modify, query; reports come back through ``emit``.

    A request whose outcome is unknown is never re-sent: it is resolved with ``query_order``.
    """

    venue: str
    capabilities: VenueCapabilities

    def connect(self, emit: EventSink) -> None:
        """Start sending reports to ``emit``."""
        ...

    def submit(self, order: Order) -> None:
        """Send a new order. Must not block; the outcome arrives as a report."""
        ...

    def cancel(self, order: Order) -> None:
        """Ask the venue to cancel an order; the outcome arrives as a report."""
        ...

    def modify(
        self,
        order: Order,
        *,
        quantity: Decimal,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> None:
        """Ask the venue to amend a working order to these terms (OrderUpdated or a rejection)."""
        ...

    def query_order(self, client_order_id: ClientOrderId) -> None:
        """Ask for an order's state: its fills are re-sent, then an OrderStatusReport (or
        OrderNotFound when the venue has no such order)."""
        ...


class GroupExecutionClient(ExecutionClient, Protocol):
    """A venue that runs some contingent groups natively (as its ``capabilities`` say)."""

    def submit_group(self, group: OrderGroup) -> None:
        """Send every order of ``group`` with their links (roles, trailing offset)."""
        ...


class MatchingVenue(ExecutionClient, Protocol):
    """A venue that matches orders against the market data the engine sees (the simulated one)."""

    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument tradable on this venue."""
        ...

    def on_quote(self, quote: QuoteTick) -> None:
        """A new top of book."""
        ...

    def on_trade(self, trade: TradeTick) -> None:
        """A new print."""
        ...

    def on_bar(self, bar: Bar) -> None:
        """A new bar."""
        ...

    def on_time(self, event: TimeEvent) -> None:
        """One of the venue's own alarms (latency, expiry) fired."""
        ...


class PortfolioView(Protocol):
    """What the engine and strategies read from the portfolio."""

    def on_fill(self, fill: Fill, strategy_id: str) -> None:
        """Book a fill."""
        ...

    def position(self, instrument_id: InstrumentId, strategy_id: str | None = None) -> Position:
        """The net position (the whole account's, or one strategy's)."""
        ...

    def balance(self, asset: str, venue: str | None = None) -> Decimal:
        """The balance of one asset."""
        ...

    def equity(self, currency: str | None = None) -> Decimal:
        """Everything valued in ``currency`` at the latest marks."""
        ...


class AuditSink(Protocol):
    """Receives every order-related event, and market data if it asks for it."""

    wants_market_data: bool

    def __call__(self, event: object) -> None:
        """Record one event. Must be cheap and never raise into the kernel."""
        ...


class ContingentOrders(Protocol):
    """Brackets, OCO, OTO and trailing stops (``tradewind.execution`` provides it)."""

    def submit_oco(self, first: Order, second: Order) -> OrderGroup:
        """Send two orders where a fill on one reduces or cancels the other."""
        ...

    def submit_oto(self, parent: Order, child: Order, failure_policy: str) -> OrderGroup:
        """Send ``parent``; send ``child``, sized to the parent's fills, once it fills."""
        ...

    def submit_bracket(
        self, entry: Order, stop_loss: Order, take_profit: Order, failure_policy: str
    ) -> OrderGroup:
        """Send ``entry``; on its fills, a stop-loss and a take-profit that cancel each other."""
        ...

    def submit_trailing_stop(
        self,
        stop: Order,
        offset: Decimal | None,
        offset_bps: Decimal | None,
        activation_price: Decimal | None,
    ) -> OrderGroup:
        """Send a stop whose trigger follows the best price at ``offset`` (or ``offset_bps``)."""
        ...

    def cancel_group(self, group: OrderGroup) -> None:
        """Cancel every open order of ``group``; it sends nothing more."""
        ...


@dataclass(frozen=True, slots=True)
class VenueAccount:
    """What a venue says of the account, for reconciliation when a bot (re)starts.

    ``orders`` holds a status report for every order the venue has open **and** for every
    client order id it was asked about (open or closed); an asked id missing from it is an
    order the venue never received. ``fills`` are the account's fills with
    ``ts_event >= since_ns`` (all of them when ``since_ns`` is None), oldest first.
    """

    venue: str
    orders: tuple[OrderStatusReport, ...]
    positions: dict[InstrumentId, Decimal]
    balances: dict[str, Decimal]
    fills: tuple[Fill, ...]
    ts_event: int = 0


class AccountSource(Protocol):
    """A venue client that can say what the venue holds (used before any strategy starts)."""

    venue: str

    async def account(
        self, since_ns: int | None, client_order_ids: tuple[ClientOrderId, ...]
    ) -> VenueAccount:
        """The venue's orders (open, plus those asked about), positions, balances and fills."""
        ...


class DataClient(Protocol):
    """One connection to a venue's market data, shared by every strategy of a bot.

    The bot tells it what the strategies subscribe to (aggregated: it hears of an instrument
    once, when its first subscriber arrives, and again when its last one leaves); ``run``
    connects and pushes events into ``emit`` until cancelled. An exception from ``run`` is a
    failed connection: the supervisor restarts it, and it subscribes again to what it holds.
    """

    venue: str

    def subscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Start receiving ``kind`` ("quotes", "trades", "bars") of one instrument."""
        ...

    def unsubscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Stop receiving ``kind`` of one instrument."""
        ...

    async def run(self, emit: EventSink) -> None:
        """Connect and stream events into ``emit`` until cancelled."""
        ...
