"""The seams the engine talks through: venue execution clients, the portfolio, the audit stream."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.events import Fill, TimeEvent
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.model.position import Position

EventSink = Callable[[object], None]
"""Where a venue pushes its reports (the engine's queue in a backtest, the live queue live)."""


class ExecutionClient(Protocol):
    """A venue's order entry: submit and cancel; reports come back through ``emit``."""

    venue: str

    def connect(self, emit: EventSink) -> None:
        """Start sending reports to ``emit``."""
        ...

    def submit(self, order: Order) -> None:
        """Send a new order. Must not block; the outcome arrives as a report."""
        ...

    def cancel(self, order: Order) -> None:
        """Ask the venue to cancel an order; the outcome arrives as a report."""
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
