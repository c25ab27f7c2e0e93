"""The engine: one synchronous, deterministic step, ``process(event)``, shared by every driver."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from tradewind.engine.cache import Cache
from tradewind.engine.clock import Clock
from tradewind.engine.order_flow import OrderFlow
from tradewind.engine.order_reports import STATUS_OF
from tradewind.engine.protocols import (
    AuditSink,
    ContingentOrders,
    ExecutionClient,
    MatchingVenue,
    OrderListener,
    PortfolioView,
)
from tradewind.errors import ConfigError, StrategyError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.events import (
    Fill,
    OrderCancelRejected,
    OrderDenied,
    OrderModifyRejected,
    OrderNotFound,
    OrderStatusReport,
    OrderUpdated,
    TimeEvent,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order

Handler = Callable[[Any], None]
PreTradeCheck = Callable[[Order, "Engine"], OrderDenied | None]
"""A check run on every order before it leaves: None to approve, an OrderDenied to refuse."""


class EngineStrategy(Protocol):
    """What the engine needs of a strategy (``tradewind.strategy.Strategy`` provides it)."""

    @property
    def id(self) -> str: ...

    def _bind(self, engine: Engine) -> None: ...
    def _start(self) -> None: ...
    def _stop(self) -> None: ...
    def on_quote(self, quote: QuoteTick) -> None: ...
    def on_trade(self, trade: TradeTick) -> None: ...
    def on_bar(self, bar: Bar) -> None: ...
    def on_order(self, order: Order, event: object) -> None: ...
    def on_fill(self, fill: Fill) -> None: ...
    def on_timer(self, event: TimeEvent) -> None: ...
    def on_trading_disabled(self, state: str, reason: str) -> None: ...


SubscriptionListener = Callable[[str, InstrumentId, bool], None]
"""Called with (kind, instrument, True) when the first subscriber of kind arrives, False when
the last one leaves: how one shared data connection per venue learns what to stream."""


class _Route:
    """Who hears about one instrument: matching venues first, then subscribed strategies."""

    __slots__ = ("bar", "quote", "trade", "venue_bar", "venue_quote", "venue_trade")

    def __init__(self) -> None:
        self.venue_quote: list[Handler] = []
        self.venue_trade: list[Handler] = []
        self.venue_bar: list[Handler] = []
        self.quote: list[Handler] = []
        self.trade: list[Handler] = []
        self.bar: list[Handler] = []


class Engine(OrderFlow):
    """Updates state, then tells the strategies; sends their orders through checks to venues.

    ``process`` has no I/O, no asyncio and no wall clock: the same events in give the same
    orders, fills and state out. Reports a venue emits while an event is processed are queued
    and handled, in order, before that event reaches the strategies (state first, then publish).
    The order paths are in ``OrderFlow`` (requests) and ``OrderReports`` (venue reports).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        audit: AuditSink | None = None,
        order_id_prefix: str = "O",
        keep_closed: int | None = None,
    ) -> None:
        self.clock = clock
        self.cache = Cache()
        self._quotes = self.cache.quotes
        self._trades = self.cache.trades
        self._bars = self.cache.bars
        self.portfolio: PortfolioView | None = None
        self.audit = audit
        self.grid_policy = "raise"
        """What a strategy's order off the tick/lot grid or below a minimum gets: "raise" an
        OrderError (the default), "snap" it onto the grid, or "deny" (left to the pre-trade
        checks, which refuse it with a reason code that reaches ``on_order``)."""
        self._routes: dict[InstrumentId, _Route] = {}
        self._strategies: dict[str, EngineStrategy] = {}
        self._venues: dict[str, ExecutionClient] = {}
        self._time_handlers: dict[str, Handler] = {}
        self._pre_trade: list[PreTradeCheck] = []
        self._fill_listeners: list[Callable[[Fill, Order], None]] = []
        self._order_listeners: list[OrderListener] = []
        if keep_closed is not None and keep_closed < 1:
            raise ConfigError(
                f"keep_closed must be >= 1 (or None to keep every order): {keep_closed}"
            )
        self.keep_closed = keep_closed
        """How many closed orders the cache keeps (None: all, as a backtest's outputs need)."""
        self._closed: deque[ClientOrderId] = deque()
        self._subscription_listeners: list[SubscriptionListener] = []
        self.stale: set[InstrumentId] = set()
        """Instruments whose feed is marked stale (see ``set_stale``)."""
        self._queue: deque[object] = deque()
        self._order_seq = 0
        self._order_prefix = order_id_prefix
        self._running = False
        self._contingent: ContingentOrders | None = None
        self._contingent_factory: Callable[[], ContingentOrders] | None = None
        self.illegal_reports = 0
        """Reports refused as illegal (unknown order, illegal transition, overfill)."""
        self.duplicate_reports = 0
        """Reports refused as repeats (a trade id already counted, a status already applied)."""
        self._handlers: dict[type, Handler] = {
            QuoteTick: self._on_quote,
            TradeTick: self._on_trade,
            Bar: self._on_bar,
            TimeEvent: self._on_time,
            Fill: self._on_fill,
            OrderUpdated: self._on_updated,
            OrderCancelRejected: self._on_request_answer,
            OrderModifyRejected: self._on_request_answer,
            OrderStatusReport: self._on_status_report,
            OrderNotFound: self._on_not_found,
        }
        for report in STATUS_OF:
            self._handlers[report] = self._on_order_event
        if audit is not None and audit.wants_market_data:
            for kind in (QuoteTick, TradeTick, Bar):
                self._handlers[kind] = _audited(audit, self._handlers[kind])

    # ----------------------------------------------------------------- set-up
    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument known (and tradable on its venue, if that venue matches locally)."""
        self.cache.instruments[instrument.id] = instrument
        route = self._route(instrument.id)
        venue = self._venues.get(instrument.venue)
        if venue is not None and _is_matching(venue):
            self._wire_venue(venue, instrument, route)  # type: ignore[arg-type]

    def add_venue(self, client: ExecutionClient) -> None:
        """Connect a venue's execution client; a matching venue also sees its instruments' data."""
        if client.venue in self._venues:
            raise ConfigError(f"venue {client.venue!r} is added twice: give each venue one name")
        self._venues[client.venue] = client
        client.connect(self._queue.append)
        if _is_matching(client):
            self._time_handlers[f"venue:{client.venue}"] = client.on_time  # type: ignore[attr-defined]
            for instrument in self.cache.instruments.values():
                if instrument.venue == client.venue:
                    self._wire_venue(client, instrument, self._route(instrument.id))  # type: ignore[arg-type]

    def _wire_venue(self, venue: MatchingVenue, instrument: Instrument, route: _Route) -> None:
        venue.add_instrument(instrument)
        if venue.on_quote not in route.venue_quote:
            route.venue_quote.append(venue.on_quote)
            route.venue_trade.append(venue.on_trade)
            route.venue_bar.append(venue.on_bar)

    def set_portfolio(self, portfolio: PortfolioView) -> None:
        """Attach the portfolio that books every fill before strategies hear of it."""
        self.portfolio = portfolio

    def add_pre_trade_check(self, check: PreTradeCheck) -> None:
        """Run ``check`` on every order before it leaves (risk plugs in here)."""
        self._pre_trade.append(check)

    def add_fill_listener(self, listener: Callable[[Fill, Order], None]) -> None:
        """Call ``listener`` on every fill, after the portfolio and before strategies."""
        self._fill_listeners.append(listener)

    def add_time_handler(self, owner: str, handler: Handler) -> None:
        """Route TimeEvents set with ``owner`` (clock.set_timer/set_alarm) to ``handler``."""
        if owner in self._time_handlers:
            raise ConfigError(f"time owner {owner!r} is taken: choose another owner name")
        self._time_handlers[owner] = handler

    def add_strategy(self, strategy: EngineStrategy) -> None:
        """Register a strategy; it starts with the engine."""
        if strategy.id in self._strategies:
            raise StrategyError(
                f"two strategies are named {strategy.id!r}: give each a distinct strategy_id"
            )
        self._strategies[strategy.id] = strategy
        self._time_handlers[f"strategy:{strategy.id}"] = strategy.on_timer
        strategy._bind(self)
        if self._running:
            strategy._start()
            self._drain()

    @property
    def venues(self) -> dict[str, ExecutionClient]:
        """The connected venues' execution clients, by venue name (a copy)."""
        return dict(self._venues)

    @property
    def strategies(self) -> dict[str, EngineStrategy]:
        """The registered strategies by id."""
        return dict(self._strategies)

    def start(self) -> None:
        """Start every strategy (``on_start``)."""
        self._running = True
        for strategy in self._strategies.values():
            strategy._start()
            self._drain()

    def stop(self) -> None:
        """Stop every strategy (``on_stop``) and process what that caused."""
        for strategy in self._strategies.values():
            strategy._stop()
            self._drain()
        self._running = False

    # ----------------------------------------------------------- subscriptions
    def subscribe(self, kind: str, instrument_id: InstrumentId, handler: Handler) -> None:
        """Deliver ``kind`` ("quotes", "trades", "bars") of one instrument to ``handler``.

        Lists are replaced, not edited, so (un)subscribing from inside a handler never disturbs
        the delivery under way; the change applies from the next event.
        """
        route, attr = self._route(instrument_id), _kind_attr(kind)
        handlers: list[Handler] = getattr(route, attr)
        if handler not in handlers:
            setattr(route, attr, [*handlers, handler])
            if not handlers:
                for listener in self._subscription_listeners:
                    listener(kind, instrument_id, True)

    def unsubscribe(self, kind: str, instrument_id: InstrumentId, handler: Handler) -> None:
        """Stop delivering ``kind`` of one instrument to ``handler``."""
        route, attr = self._route(instrument_id), _kind_attr(kind)
        handlers: list[Handler] = getattr(route, attr)
        if handler in handlers:
            remaining = [h for h in handlers if h != handler]
            setattr(route, attr, remaining)
            if not remaining:
                for listener in self._subscription_listeners:
                    listener(kind, instrument_id, False)

    def add_subscription_listener(self, listener: SubscriptionListener) -> None:
        """Tell ``listener`` of every (kind, instrument) gaining its first subscriber or losing
        its last; it first hears of every subscription already held."""
        self._subscription_listeners.append(listener)
        for iid, route in self._routes.items():
            for kind, attr in _KIND_ATTRS.items():
                if getattr(route, attr):
                    listener(kind, iid, True)

    def subscriptions(self) -> list[tuple[str, InstrumentId]]:
        """Every (kind, instrument) that has at least one strategy subscribed."""
        return [
            (kind, iid)
            for iid, route in self._routes.items()
            for kind, attr in _KIND_ATTRS.items()
            if getattr(route, attr)
        ]

    def subscribers(self, kind: str, instrument_id: InstrumentId) -> int:
        """How many handlers receive ``kind`` of one instrument."""
        return len(getattr(self._route(instrument_id), _kind_attr(kind)))

    def _route(self, instrument_id: InstrumentId) -> _Route:
        route = self._routes.get(instrument_id)
        if route is None:
            route = self._routes[instrument_id] = _Route()
        return route

    # ---------------------------------------------------------------- the step
    def process(self, event: object) -> None:
        """Handle one event and everything it causes, synchronously."""
        self._handlers[event.__class__](event)
        if self._queue:
            self._drain()

    def call(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``action`` as one step (a command from outside: pause, cancel all, ...): what it
        causes (denials, reports) is processed before this returns. Returns its result."""
        result = action(*args, **kwargs)
        if self._queue:
            self._drain()
        return result

    def _drain(self) -> None:
        queue = self._queue
        handlers = self._handlers
        while queue:
            event = queue.popleft()
            handlers[event.__class__](event)

    def _on_quote(self, quote: QuoteTick) -> None:
        iid = quote.instrument_id
        self._quotes[iid] = quote
        route = self._routes.get(iid)
        if route is None:
            route = self._route(iid)
        for handler in route.venue_quote:
            handler(quote)
        if self._queue:
            self._drain()
        for handler in route.quote:
            handler(quote)

    def _on_trade(self, trade: TradeTick) -> None:
        iid = trade.instrument_id
        self._trades[iid] = trade
        route = self._routes.get(iid)
        if route is None:
            route = self._route(iid)
        for handler in route.venue_trade:
            handler(trade)
        if self._queue:
            self._drain()
        for handler in route.trade:
            handler(trade)

    def _on_bar(self, bar: Bar) -> None:
        iid = bar.instrument_id
        self._bars[iid] = bar
        route = self._routes.get(iid)
        if route is None:
            route = self._route(iid)
        for handler in route.venue_bar:
            handler(bar)
        if self._queue:
            self._drain()
        for handler in route.bar:
            handler(bar)

    def _on_time(self, event: TimeEvent) -> None:
        handler = self._time_handlers.get(event.owner)
        if handler is not None:
            handler(event)

    # ------------------------------------------------------------------ orders
    def next_order_id(self) -> ClientOrderId:
        """A client order id unique within this engine's run."""
        self._order_seq += 1
        return ClientOrderId(f"{self._order_prefix}-{self._order_seq:06d}")

    @property
    def order_id_prefix(self) -> str:
        """What every client order id of this engine starts with (before ``-NNNNNN``)."""
        return self._order_prefix

    def continue_order_ids(self, after: int) -> None:
        """Number the next client order ids after ``after`` (recovery: never reuse an id)."""
        self._order_seq = max(self._order_seq, after)

    # ---------------------------------------------------------------- commands
    def cancel_all(
        self,
        *,
        strategy_id: str | None = None,
        instrument_id: InstrumentId | None = None,
        venue: str | None = None,
    ) -> list[Order]:
        """Cancel every open order matching the filters; returns the orders asked to cancel."""
        orders = [
            o
            for o in self.cache.open_orders_for(strategy_id, instrument_id)
            if venue is None or self.cache.instrument(o.instrument_id).venue == venue
        ]
        for order in orders:
            self.cancel_order(order)
        return orders

    def close_all(
        self,
        *,
        strategy_id: str | None = None,
        instrument_id: InstrumentId | None = None,
        venue: str | None = None,
    ) -> list[Order]:
        """Flatten every strategy position matching the filters with reduce-only market orders.

        Market orders already in flight towards flat are counted, so calling this twice does
        not double the exit.
        """
        from tradewind.model.enums import OrderSide, OrderStatus, OrderType

        portfolio = self.portfolio
        if portfolio is None:
            return []
        positions = getattr(portfolio, "strategy_positions", {})
        sent = []
        for (sid, iid), position in list(positions.items()):
            if strategy_id is not None and sid != strategy_id:
                continue
            if instrument_id is not None and iid != instrument_id:
                continue
            instrument = self.cache.instrument(iid)
            if venue is not None and instrument.venue != venue:
                continue
            remaining = position.quantity
            for order in self.cache.open_orders_for(sid, iid):
                # a market order on its way counts towards flat, unless we asked to cancel it
                if order.order_type is OrderType.MARKET and order.status is not (
                    OrderStatus.PENDING_CANCEL
                ):
                    remaining += order.signed_remaining
            if not remaining:
                continue
            # reduce-only is checked against the venue's net position: only safe when this
            # strategy is the instrument's only holder
            holders = sum(
                1 for (_, other), pos in positions.items() if other == iid and pos.quantity
            )
            order = Order(
                self.next_order_id(),
                sid,
                iid,
                OrderSide.SELL if remaining > 0 else OrderSide.BUY,
                OrderType.MARKET,
                abs(remaining),
                reduce_only=holders <= 1,
                tags=("close_all",),
            )
            self.submit_order(order)
            sent.append(order)
        return sent

    def notify_trading_disabled(
        self, state: str, reason: str, strategy_id: str | None = None
    ) -> None:
        """Tell strategies (one, or all) that trading is now ``state`` ("reducing"/"halted")."""
        for sid, strategy in self._strategies.items():
            if strategy_id is None or sid == strategy_id:
                strategy.on_trading_disabled(state, reason)
                self._drain()

    def set_stale(self, instrument_id: InstrumentId, stale: bool, reason: str = "") -> None:
        """Mark an instrument's feed stale (or fresh again) and tell the strategies subscribed
        to it (``on_data_stale``). Pre-trade checks read ``engine.stale``."""
        if stale == (instrument_id in self.stale):
            return
        if stale:
            self.stale.add(instrument_id)
        else:
            self.stale.discard(instrument_id)
        route = self._routes.get(instrument_id)
        owners: list[object] = []
        if route is not None:
            for handler in (*route.quote, *route.trade, *route.bar):
                owner = getattr(handler, "__self__", None)
                if owner is not None and owner not in owners:
                    owners.append(owner)
        for strategy in self._strategies.values():
            if strategy in owners:
                hook = getattr(strategy, "on_data_stale", None)
                if hook is not None:
                    hook(instrument_id, stale, reason)
                    self._drain()


_KIND_ATTRS = {"quotes": "quote", "trades": "trade", "bars": "bar"}


def _kind_attr(kind: str) -> str:
    attr = _KIND_ATTRS.get(kind)
    if attr is None:
        raise ConfigError(f"unknown data kind {kind!r}: use 'quotes', 'trades' or 'bars'")
    return attr


def _audited(audit: AuditSink, handler: Handler) -> Handler:
    def handle(event: object) -> None:
        audit(event)
        handler(event)

    return handle


def _is_matching(client: ExecutionClient) -> bool:
    return hasattr(client, "on_quote") and hasattr(client, "add_instrument")
