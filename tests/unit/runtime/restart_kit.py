"""Shared set-up of the persistence and recovery tests: a venue that outlives the bot, runs
of a bot over one state store, and a strategy that trades and keeps state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from tradewind.engine.clock import HistoricalClock
from tradewind.engine.engine import Engine
from tradewind.engine.protocols import EventSink, VenueAccount
from tradewind.execution import install as install_execution
from tradewind.model.data import QuoteTick
from tradewind.model.events import Fill, OrderStatusReport, TimeEvent
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk import RiskConfig, RiskEngine
from tradewind.runtime.persistence import StatePersister
from tradewind.store import InMemoryStore, MemoryState, SqliteStore, StateStore
from tradewind.testing import T0, ScriptedStrategy, instrument, quote
from tradewind.venues.simulated import FeeModel, SimulatedVenue

D = Decimal
BTC = instrument("BTCUSDT")
START = {"USDT": D(100_000)}
FEES = FeeModel(maker_bps=D("1"), taker_bps=D("7.5"))


class BotCrashed(Exception):
    """The bot process died (raised where a SIGKILL would have hit)."""


class RemoteVenue:
    """A venue that outlives the bot: a SimulatedVenue behind the execution-client seam, its
    own ledger of fills and balances, and an ``AccountSource`` over what it holds."""

    def __init__(
        self, clock: HistoricalClock, instruments: Sequence[Instrument] = (BTC,), name: str = "SIM"
    ) -> None:
        self.venue = name
        self.sim = SimulatedVenue(name, clock=clock, fees=FEES, history_size=10_000)
        self.capabilities = self.sim.capabilities
        self.instruments = {i.id: i for i in instruments}
        for i in instruments:
            self.sim.add_instrument(i)
        self.fills: list[Fill] = []
        self._trade_ids: set[str] = set()
        self.balances: dict[str, Decimal] = dict(START)
        self.submits: list[ClientOrderId] = []
        self.cancels: list[ClientOrderId] = []
        self.position_offset: dict[InstrumentId, Decimal] = {}
        self.crash_on_submit = False
        self.lose_cancels = False
        self._sink: EventSink | None = None
        self._answers: list[object] | None = None
        self.sim.connect(self._on_report)

    # --------------------------------------------------------- the venue side
    def _on_report(self, event: object) -> None:
        if self._answers is not None:
            self._answers.append(event)
            return
        if isinstance(event, Fill) and event.trade_id not in self._trade_ids:
            self._trade_ids.add(event.trade_id)  # a query re-sends fills: book each once
            self._book(event)
        if self._sink is not None:
            self._sink(event)

    def _book(self, fill: Fill) -> None:
        instrument = self.instruments[fill.instrument_id]
        qty = fill.signed_quantity
        with localcontext() as ctx:
            ctx.prec = 80
            b = self.balances
            b[instrument.base] = b.get(instrument.base, D(0)) + qty
            cash = qty * fill.price * instrument.multiplier
            b[instrument.quote] = b.get(instrument.quote, D(0)) - cash
            b[fill.fee_currency] = b.get(fill.fee_currency, D(0)) - fill.fee
        self.fills.append(fill)

    def disconnect(self) -> None:
        """The bot died: what the venue says now reaches nobody."""
        self._sink = None

    def on_quote(self, q: QuoteTick) -> None:
        """Market data reaches the venue whether or not a bot is listening."""
        self.sim.on_quote(q)

    def on_trade(self, trade: Any) -> None:
        self.sim.on_trade(trade)

    def on_bar(self, bar: Any) -> None:
        self.sim.on_bar(bar)

    def on_time(self, event: TimeEvent) -> None:
        self.sim.on_time(event)

    def add_instrument(self, i: Instrument) -> None:
        self.sim.add_instrument(i)

    # ----------------------------------------------------- execution client
    def connect(self, emit: EventSink) -> None:
        self._sink = emit

    def submit(self, order: Order) -> None:
        self.submits.append(order.client_order_id)
        if self.crash_on_submit:
            raise BotCrashed(f"killed while sending {order.client_order_id}")
        self.sim.submit(order)

    def cancel(self, order: Order) -> None:
        self.cancels.append(order.client_order_id)
        if not self.lose_cancels:
            self.sim.cancel(order)

    def modify(self, order: Order, **terms: Any) -> None:
        self.sim.modify(order, **terms)

    def query_order(self, client_order_id: ClientOrderId) -> None:
        self.sim.query_order(client_order_id)

    # ------------------------------------------------------- account source
    async def account(
        self, since_ns: int | None, client_order_ids: tuple[ClientOrderId, ...]
    ) -> VenueAccount:
        reports: list[OrderStatusReport] = []
        for coid in dict.fromkeys([*self.sim.open_orders(), *client_order_ids]):
            self._answers = []
            self.sim.query_order(coid)  # no latency: answered at once
            answers, self._answers = self._answers, None
            reports.extend(e for e in answers if isinstance(e, OrderStatusReport))
        positions = {
            iid: self.sim.position(iid) + self.position_offset.get(iid, D(0))
            for iid in self.instruments
        }
        fills = tuple(f for f in self.fills if since_ns is None or f.ts_event >= since_ns)
        return VenueAccount(self.venue, tuple(reports), positions, dict(self.balances), fills)


class Trader(ScriptedStrategy):
    """A scripted strategy that keeps a counter across restarts (``on_save``/``on_load``)."""

    def __init__(self, scripts: Any = (), strategy_id: str = "trader") -> None:
        super().__init__(list(scripts), [BTC.id], strategy_id=strategy_id)
        self.counter = 0
        self.loaded: object = None
        self.disabled: list[tuple[str, str]] = []

    def on_save(self) -> dict[str, Any] | None:
        return {"counter": self.counter, "note": D("1.10")}

    def on_load(self, state: dict[str, Any] | bytes) -> None:
        self.loaded = state
        assert isinstance(state, dict)
        self.counter = state["counter"]

    def on_trading_disabled(self, state: str, reason: str) -> None:
        self.disabled.append((state, reason))


@dataclass
class Run:
    """One life of the bot: engine, portfolio, risk and persister over the shared store."""

    engine: Engine
    portfolio: Portfolio
    persister: StatePersister
    risk: RiskEngine | None
    clock: HistoricalClock

    def feed(self, *events: QuoteTick) -> None:
        """Process events as the backtest driver does (timers due first)."""
        for event in events:
            due = self.clock.pop_due(event.ts_init)
            while due is not None:
                self.engine.process(due)
                due = self.clock.pop_due(event.ts_init)
            self.clock.now_ns = event.ts_init
            self.engine.process(event)

    def add(self, strategy: Trader) -> Trader:
        self.persister.add_strategies([strategy])
        self.engine.add_strategy(strategy)
        return strategy

    def order(self, coid: str) -> Order:
        return self.engine.cache.orders[ClientOrderId(coid)]


def new_run(
    clock: HistoricalClock,
    store: StateStore,
    venue: Any,
    prefix: str,
    *,
    risk: RiskConfig | None = None,
) -> Run:
    """A bot started afresh: the engine with venue, instrument, portfolio, risk, persister."""
    engine = Engine(clock, order_id_prefix=prefix)
    install_execution(engine)
    engine.add_venue(venue)
    engine.add_instrument(BTC)
    portfolio = Portfolio(engine.cache, base_currency="USDT", starting_balances={"SIM": START})
    engine.set_portfolio(portfolio)
    risk_engine = None if risk is None else RiskEngine(engine, risk)
    persister = StatePersister(engine, store, risk=risk_engine)
    persister.attach()
    return Run(engine, portfolio, persister, risk_engine, clock)


class Stores:
    """Opens a store over the same data again, as a restarted process would."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.path = folder / "state.db"
        self.memory = MemoryState()
        self.opened: list[StateStore] = []

    def open(self) -> StateStore:
        store: StateStore
        store = InMemoryStore(self.memory) if self.kind == "memory" else SqliteStore(self.path)
        self.opened.append(store)
        return store

    def restart(self, store: StateStore) -> StateStore:
        store.close()
        return self.open()

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


def q(bid: str, ask: str, k: int, size: float = 10.0, ask_size: float | None = None) -> QuoteTick:
    """The k-th quote after T0 (one millisecond apart)."""
    return quote(
        BTC,
        float(bid),
        float(ask),
        T0 + k * 1_000_000,
        bid_size=size,
        ask_size=size if ask_size is None else ask_size,
    )


def order_states(orders: Sequence[Order]) -> dict[str, dict[str, object]]:
    """Each order's full row plus its trade ids, by client order id."""
    return {o.client_order_id: {**o.to_row(), "trade_ids": o.trade_ids} for o in orders}
