"""EngineHarness: the backtest kernel in a box, plus strategies that record or script callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from tradewind.engine.clock import HistoricalClock
from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.execution import install as install_execution
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import OrderStatus
from tradewind.model.events import Fill, TimeEvent
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument, Number, to_decimal
from tradewind.model.orders import Order
from tradewind.runtime.wiring import wire_simulated
from tradewind.strategy.base import Strategy
from tradewind.strategy.params import StrategyParams
from tradewind.testing.factories import instrument as make_instrument
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

AnyStrategy = TypeVar("AnyStrategy", bound=Strategy[Any])

"""What each venue account starts with, in the first instrument's quote currency."""

_KINDS = ("quotes", "trades", "bars")


class Timed(Protocol):
    """Anything with a receive time: market data, timer events, venue reports."""

    @property
    def ts_init(self) -> int:
        """When the event was received, in nanoseconds since the epoch."""
        ...


class _AuditLog:
    """An audit sink that keeps every order-related event the engine audits, in order."""

    wants_market_data = False

    def __init__(self) -> None:
        self.events: list[object] = []

    def __call__(self, event: object) -> None:
        self.events.append(event)


class EngineHarness:
    """Clock, engine, simulated venues, portfolio and instruments, wired as the backtest does.

    ``feed`` moves time exactly like the backtest driver: timers and venue alarms due at or
    before an event's ``ts_init`` fire first (through ``engine.process``), then the clock is
    set to the event's time and the event is processed. One ``SimulatedVenue`` is built per
    venue name among the instruments; each account starts with ``balances``.
    """

    def __init__(
        self,
        instruments: Instrument | Iterable[Instrument] | None = None,
        *,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        bar_fill: str = "next_open",
        balances: Mapping[str, Number] | None = None,
        base_currency: str | None = None,
        start_ns: int = 0,
    ) -> None:
        if instruments is None:
            listed = [make_instrument()]
        elif isinstance(instruments, Instrument):
            listed = [instruments]
        else:
            listed = list(instruments)
        if not listed:
            raise ConfigError("EngineHarness needs at least one instrument")
        self.instruments: dict[InstrumentId, Instrument] = {i.id: i for i in listed}
        self.clock = HistoricalClock(start_ns)
        self.audit = _AuditLog()
        self.engine = Engine(self.clock, audit=self.audit)
        install_execution(self.engine)  # contingent orders, as the backtest has them
        self.venues, self.portfolio = wire_simulated(
            self.engine,
            listed,
            fees=fees,
            latency=latency,
            bar_fill=bar_fill,
            balances={a: to_decimal(v, a) for a, v in balances.items()} if balances else None,
            base_currency=base_currency,
        )
        self.fills: list[Fill] = []
        self.engine.add_fill_listener(self._on_fill)

    def _on_fill(self, fill: Fill, order: Order) -> None:
        self.fills.append(fill)

    # ----------------------------------------------------------------- set-up
    @property
    def venue(self) -> SimulatedVenue:
        """The simulated venue (the first one when there are several)."""
        return next(iter(self.venues.values()))

    def add_strategy(self, strategy: AnyStrategy) -> AnyStrategy:
        """Register a strategy with the engine and return it."""
        self.engine.add_strategy(strategy)
        return strategy

    def start(self) -> None:
        """Start the engine (every strategy's ``on_start`` runs at the clock's current time)."""
        self.engine.start()

    def stop(self) -> None:
        """Stop the engine (every strategy's ``on_stop``)."""
        self.engine.stop()

    # ------------------------------------------------------------------ time
    def feed(self, *events: Timed) -> None:
        """Process events in the given order, firing due timers first, like the backtest."""
        clock = self.clock
        process = self.engine.process
        for event in events:
            ts = event.ts_init
            if ts >= clock.next_ns:
                due = clock.pop_due(ts)
                while due is not None:
                    process(due)
                    due = clock.pop_due(ts)
            clock.now_ns = ts
            process(event)

    def advance_to(self, ts: int) -> None:
        """Fire every timer and alarm due at or before ``ts``, then set the clock to ``ts``."""
        due = self.clock.pop_due(ts)
        while due is not None:
            self.engine.process(due)
            due = self.clock.pop_due(ts)
        self.clock.now_ns = max(self.clock.now_ns, ts)

    # ------------------------------------------------------------------ reads
    def order(self, client_order_id: str) -> Order:
        """An order the engine knows, by client order id."""
        return self.engine.cache.orders[ClientOrderId(client_order_id)]

    def reports(self, kind: type | None = None) -> list[object]:
        """Order events and fills the engine handled (audited), optionally of one type."""
        if kind is None:
            return list(self.audit.events)
        return [e for e in self.audit.events if isinstance(e, kind)]


@dataclass(frozen=True, slots=True)
class Callback:
    """One hook call a strategy received, and what it could see at that moment."""

    kind: str
    """``start``, ``quote``, ``trade``, ``bar``, ``order``, ``fill``, ``timer`` or ``stop``."""
    event: object | None
    """The event passed to the hook (None for ``start`` and ``stop``)."""
    now_ns: int
    """The clock's time during the call."""
    position: Decimal | None
    """The strategy's own position in the event's instrument (None without an instrument)."""
    status: OrderStatus | None = None
    """For ``order``: the order's status during the call."""

    @property
    def ts_init(self) -> int | None:
        """The event's receive time, if it has one."""
        return getattr(self.event, "ts_init", None)


class RecordingStrategy(Strategy[StrategyParams]):
    """Subscribes to ``kinds`` of ``instruments`` on start and records every callback it gets."""

    name = "recording"

    def __init__(
        self,
        instruments: Sequence[str] = (),
        *,
        kinds: Sequence[str] = ("quotes",),
        strategy_id: str | None = None,
    ) -> None:
        super().__init__(None, instruments=instruments, strategy_id=strategy_id)
        unknown = [k for k in kinds if k not in _KINDS]
        if unknown:
            raise ConfigError(f"unknown data kinds {unknown}: use {', '.join(_KINDS)}")
        self.kinds = tuple(kinds)
        self.calls: list[Callback] = []

    def of(self, kind: str) -> list[Callback]:
        """The recorded calls of one kind, in order."""
        return [c for c in self.calls if c.kind == kind]

    def _record(
        self,
        kind: str,
        event: object | None,
        iid: InstrumentId | None,
        status: OrderStatus | None = None,
    ) -> Callback:
        position = None
        if iid is not None and self.engine.portfolio is not None:
            position = self.position(iid).quantity
        call = Callback(kind, event, self.now_ns, position, status)
        self.calls.append(call)
        return call

    def _react(self, call: Callback) -> None:
        """Hook for subclasses: called after each callback is recorded."""

    def on_start(self) -> None:
        """Subscribe to every configured kind and instrument."""
        for iid in self.instruments:
            for kind in self.kinds:
                self.subscribe(kind, iid)
        self._react(self._record("start", None, None))

    def on_quote(self, quote: QuoteTick) -> None:
        """Record a quote."""
        self._react(self._record("quote", quote, quote.instrument_id))

    def on_trade(self, trade: TradeTick) -> None:
        """Record a trade."""
        self._react(self._record("trade", trade, trade.instrument_id))

    def on_bar(self, bar: Bar) -> None:
        """Record a bar."""
        self._react(self._record("bar", bar, bar.instrument_id))

    def on_order(self, order: Order, event: object) -> None:
        """Record an order status change."""
        self._react(self._record("order", event, order.instrument_id, order.status))

    def on_fill(self, fill: Fill) -> None:
        """Record a fill."""
        self._react(self._record("fill", fill, fill.instrument_id))

    def on_timer(self, event: TimeEvent) -> None:
        """Record a timer or alarm."""
        self._react(self._record("timer", event, None))

    def on_stop(self) -> None:
        """Record the stop."""
        self._react(self._record("stop", None, None))


Script = Callable[["ScriptedStrategy", Callback], object]
"""What a ScriptedStrategy runs on each callback: ``script(strategy, call)``."""


def at(kind: str, n: int, action: Callable[[ScriptedStrategy], object]) -> Script:
    """A script that runs ``action(strategy)`` at the ``n``-th (1-based) callback of ``kind``."""

    def script(strategy: ScriptedStrategy, call: Callback) -> None:
        if call.kind == kind and len(strategy.of(kind)) == n:
            action(strategy)

    return script


class ScriptedStrategy(RecordingStrategy):
    """A RecordingStrategy that runs its scripts after recording each callback.

    Use it to submit or cancel orders, or set timers, at chosen moments::

        buy = at("quote", 1, lambda s: s.submit_market("BTCUSDT.SIM", "BUY", "0.5"))
        harness.add_strategy(ScriptedStrategy(buy, ["BTCUSDT.SIM"]))
    """

    name = "scripted"

    def __init__(
        self,
        script: Script | Sequence[Script],
        instruments: Sequence[str] = (),
        *,
        kinds: Sequence[str] = ("quotes",),
        strategy_id: str | None = None,
    ) -> None:
        super().__init__(instruments, kinds=kinds, strategy_id=strategy_id)
        self.scripts: tuple[Script, ...] = (script,) if callable(script) else tuple(script)

    def _react(self, call: Callback) -> None:
        for script in self.scripts:
            script(self, call)
