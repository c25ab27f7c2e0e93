"""The Strategy base class: a few hooks to override, and the actions and reads a strategy needs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from tradewind.errors import StrategyError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import OrderSide, OrderType, TimeInForce
from tradewind.model.events import Fill, TimeEvent
from tradewind.model.identifiers import InstrumentId, StrategyId
from tradewind.model.instrument import Instrument, Number, to_decimal
from tradewind.model.orders import Order
from tradewind.model.position import Position
from tradewind.strategy.order_actions import OrderActions
from tradewind.strategy.panel import StrategyPanel
from tradewind.strategy.params import StrategyParams

if TYPE_CHECKING:
    from tradewind.engine.engine import Engine
    from tradewind.engine.protocols import PortfolioView

P = TypeVar("P", bound=StrategyParams)


class _StrategyLog(logging.LoggerAdapter[logging.Logger]):
    """Adds ``strategy=<id>`` to a line, keeping the caller's own ``extra=`` keys too."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


_ZERO = Decimal(0)
_KINDS = ("quotes", "trades", "bars")


class Strategy(OrderActions, Generic[P]):
    """Subclass this, declare ``params_model``, and override the hooks you need.

    Hooks: ``on_start``, ``on_quote``, ``on_trade``, ``on_bar``, ``on_order`` (an order's
    status changed: accepted, rejected, denied, canceled, expired, triggered, updated, or a
    cancel or modify refused), ``on_fill``, ``on_timer``, ``on_stop``. The same code runs in a
    backtest, in paper and live trading: read time only from ``self.clock``. Amends, orders
    built without sending, and contingent groups come from ``OrderActions``.
    """

    name: ClassVar[str] = ""
    """The name this strategy is listed and chosen by (``tradewind backtest --strategy NAME``)."""
    params_model: ClassVar[type[StrategyParams]] = StrategyParams
    """The typed parameters this strategy accepts."""

    def __init__(
        self,
        params: P | Mapping[str, Any] | None = None,
        *,
        instruments: Sequence[str] | None = None,
        strategy_id: str | None = None,
    ) -> None:
        label = self.name or type(self).__name__
        if isinstance(params, StrategyParams):
            if not isinstance(params, self.params_model):
                raise StrategyError(
                    f"{label}: expected {self.params_model.__name__}, got {type(params).__name__}"
                )
            self.params: P = params
        else:
            self.params = self.params_model.parse(params, label)  # type: ignore[assignment]
        self.id = StrategyId(strategy_id or label)
        self.instruments: list[InstrumentId] = [InstrumentId(i) for i in instruments or ()]
        self._engine: Engine | None = None

    # ------------------------------------------------------------------ hooks
    def on_start(self) -> None:
        """Called once before the first event: subscribe and set timers here."""

    def on_quote(self, quote: QuoteTick) -> None:
        """A quote of a subscribed instrument."""

    def on_trade(self, trade: TradeTick) -> None:
        """A trade of a subscribed instrument."""

    def on_bar(self, bar: Bar) -> None:
        """A bar of a subscribed instrument (delivered at the bar's close)."""

    def on_order(self, order: Order, event: object) -> None:
        """One of our orders changed status; ``event`` is the report (or the denial)."""

    def on_fill(self, fill: Fill) -> None:
        """One of our orders traded."""

    def on_timer(self, event: TimeEvent) -> None:
        """A timer set with ``set_timer`` or ``set_alarm`` fired."""

    def on_stop(self) -> None:
        """Called once after the last event."""

    def on_trading_disabled(self, state: str, reason: str) -> None:
        """Trading is now ``state`` ("reducing": exits only, or "halted"); ``reason`` says why."""

    def on_data_stale(self, instrument_id: InstrumentId, stale: bool, reason: str) -> None:
        """The feed of a subscribed instrument went quiet (``stale``) or came back. While it is
        stale, orders that would open or add to a position are denied (exits still go)."""

    def on_save(self) -> dict[str, Any] | bytes | None:
        """State to keep across a restart (a JSON-able dict, or bytes); None keeps nothing.

        A live bot calls it periodically and at shutdown and stores the result."""
        return None

    def on_load(self, state: dict[str, Any] | bytes) -> None:
        """State saved by ``on_save`` in an earlier run, given back before ``on_start``."""

    # ------------------------------------------------------------ engine glue
    def _bind(self, engine: Engine) -> None:
        self._engine = engine

    def _start(self) -> None:
        self.on_start()

    def _stop(self) -> None:
        self.on_stop()

    @property
    def engine(self) -> Engine:
        """The engine running this strategy."""
        if self._engine is None:
            raise StrategyError(f"strategy {self.id!r} is not added to an engine yet")
        return self._engine

    # ------------------------------------------------------------------ reads
    @property
    def log(self) -> logging.LoggerAdapter[logging.Logger]:
        """This strategy's logger: every line carries ``strategy=<id>`` (and the bot's ids)."""
        adapter = self.__dict__.get("_log")
        if adapter is None:
            logger = logging.getLogger(f"tradewind.strategy.{self.id}")
            adapter = self.__dict__["_log"] = _StrategyLog(logger, {"strategy": str(self.id)})
        return adapter

    @property
    def panel(self) -> StrategyPanel:
        """This strategy's dashboard widgets: declare them in ``on_start``, update them as it
        runs (see ``tradewind.strategy.panel``)."""
        panel = self.__dict__.get("_panel")
        if panel is None:
            panel = self.__dict__["_panel"] = StrategyPanel(str(self.id), lambda: self.now_ns)
        return panel

    @property
    def clock(self) -> Any:
        """The clock: the only source of time a strategy may use."""
        return self.engine.clock

    @property
    def now_ns(self) -> int:
        """The current time in nanoseconds since the epoch, UTC."""
        return int(self.engine.clock.timestamp_ns())

    @property
    def portfolio(self) -> PortfolioView:
        """The whole account: balances, positions of every strategy, equity."""
        portfolio = self.engine.portfolio
        if portfolio is None:
            raise StrategyError("no portfolio is attached to the engine")
        return portfolio

    def instrument(self, instrument_id: str) -> Instrument:
        """An instrument's definition (tick, lot, minimums)."""
        return self.engine.cache.instrument(InstrumentId(instrument_id))

    def position(self, instrument_id: str) -> Position:
        """This strategy's own position in an instrument."""
        return self.portfolio.position(InstrumentId(instrument_id), self.id)

    def last_quote(self, instrument_id: str) -> QuoteTick | None:
        """The latest quote of an instrument, if any."""
        return self.engine.cache.quotes.get(InstrumentId(instrument_id))

    def is_stale(self, instrument_id: str) -> bool:
        """True while the instrument's feed is marked stale (see ``on_data_stale``)."""
        return InstrumentId(instrument_id) in self.engine.stale

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        """This strategy's open orders, optionally for one instrument."""
        iid = None if instrument_id is None else InstrumentId(instrument_id)
        return self.engine.cache.open_orders_for(self.id, iid)

    # ---------------------------------------------------------- subscriptions
    def subscribe(self, kind: str, instrument_id: str) -> None:
        """Receive ``kind`` ("quotes", "trades" or "bars") of one instrument."""
        handler = self._handlers().get(kind)
        if handler is None:
            raise StrategyError(f"unknown data kind {kind!r}: use one of {', '.join(_KINDS)}")
        self.engine.subscribe(kind, InstrumentId(instrument_id), handler)

    def unsubscribe(self, kind: str, instrument_id: str) -> None:
        """Stop receiving ``kind`` of one instrument."""
        handler = self._handlers().get(kind)
        if handler is not None:
            self.engine.unsubscribe(kind, InstrumentId(instrument_id), handler)

    def _handlers(self) -> dict[str, Callable[[Any], None]]:
        return {"quotes": self.on_quote, "trades": self.on_trade, "bars": self.on_bar}

    def subscribe_quotes(self, instrument_id: str) -> None:
        """Receive quotes of one instrument."""
        self.subscribe("quotes", instrument_id)

    def subscribe_trades(self, instrument_id: str) -> None:
        """Receive trades of one instrument."""
        self.subscribe("trades", instrument_id)

    def subscribe_bars(self, instrument_id: str) -> None:
        """Receive bars of one instrument."""
        self.subscribe("bars", instrument_id)

    # ---------------------------------------------------------------- timers
    def set_timer(
        self, name: str, interval_ns: int, start_ns: int | None = None, stop_ns: int | None = None
    ) -> None:
        """Call ``on_timer`` every ``interval_ns``."""
        self.engine.clock.set_timer(name, f"strategy:{self.id}", interval_ns, start_ns, stop_ns)

    def set_alarm(self, name: str, at_ns: int) -> None:
        """Call ``on_timer`` once at ``at_ns``."""
        self.engine.clock.set_alarm(name, f"strategy:{self.id}", at_ns)

    def cancel_timer(self, name: str) -> None:
        """Stop a timer or alarm."""
        self.engine.clock.cancel(name, f"strategy:{self.id}")

    # ---------------------------------------------------------------- orders
    def submit_market(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        *,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Buy or sell at the market."""
        return self._send(
            self.market_order(
                instrument_id,
                side,
                quantity,
                time_in_force=time_in_force,
                reduce_only=reduce_only,
                snap=snap,
                tags=tags,
            )
        )

    def submit_limit(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        price: Number,
        *,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Rest a limit order at ``price`` (or better)."""
        return self._send(
            self.limit_order(
                instrument_id,
                side,
                quantity,
                price,
                time_in_force=time_in_force,
                expire_time_ns=expire_time_ns,
                post_only=post_only,
                reduce_only=reduce_only,
                snap=snap,
                tags=tags,
            )
        )

    def submit_stop(
        self,
        instrument_id: str,
        side: OrderSide | str,
        quantity: Number,
        trigger_price: Number,
        *,
        limit_price: Number | None = None,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        snap: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """A stop: at ``trigger_price`` it becomes a market order, or a limit at ``limit_price``."""
        return self._send(
            self.stop_order(
                instrument_id,
                side,
                quantity,
                trigger_price,
                limit_price=limit_price,
                time_in_force=time_in_force,
                expire_time_ns=expire_time_ns,
                reduce_only=reduce_only,
                snap=snap,
                tags=tags,
            )
        )

    def buy(self, instrument_id: str, quantity: Number, price: Number | None = None) -> Order:
        """Buy at the market, or at ``price`` with a limit order."""
        if price is None:
            return self.submit_market(instrument_id, OrderSide.BUY, quantity)
        return self.submit_limit(instrument_id, OrderSide.BUY, quantity, price)

    def sell(self, instrument_id: str, quantity: Number, price: Number | None = None) -> Order:
        """Sell at the market, or at ``price`` with a limit order."""
        if price is None:
            return self.submit_market(instrument_id, OrderSide.SELL, quantity)
        return self.submit_limit(instrument_id, OrderSide.SELL, quantity, price)

    def cancel(self, order: Order) -> None:
        """Cancel one order."""
        self.engine.cancel_order(order)

    def cancel_all(self, instrument_id: str | None = None) -> int:
        """Cancel this strategy's open orders (of one instrument, or all); returns how many."""
        orders = self.open_orders(instrument_id)
        for order in orders:
            self.engine.cancel_order(order)
        return len(orders)

    def close_position(self, instrument_id: str) -> Order | None:
        """Flatten this strategy's position in an instrument with a market order."""
        return self.target_position(instrument_id, _ZERO)

    def target_position(self, instrument_id: str, target: Number) -> Order | None:
        """Trade at the market towards ``target`` (signed quantity).

        Market orders of this strategy still in flight count as done; resting limit and stop
        orders do not (cancel them first if they should not fill on top of the new target).
        """
        iid = InstrumentId(instrument_id)
        wanted = to_decimal(target, "target")
        current = self.position(iid).quantity
        for order in self.engine.cache.open_orders_for(self.id, iid):
            if order.order_type is OrderType.MARKET:
                current += order.signed_remaining
        delta = wanted - current
        if not delta:
            return None
        side = OrderSide.BUY if delta > 0 else OrderSide.SELL
        return self.submit_market(iid, side, abs(delta))

    def _send(self, order: Order) -> Order:
        """Send an order built by ``market_order``/``limit_order``/``stop_order``."""
        self.engine.submit_order(order)
        return order
