"""The backtest driver: recorded data through the engine and simulated venue in a plain loop."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind.data.stream import DataSpec, EventBatches, merged
from tradewind.engine.clock import HistoricalClock
from tradewind.engine.engine import Engine
from tradewind.engine.protocols import AuditSink
from tradewind.errors import ConfigError, DataError
from tradewind.execution import install as install_execution
from tradewind.model import exact
from tradewind.model.events import Fill
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.orders import Order
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk import RiskConfig, RiskEngine
from tradewind.runtime.progress import ProgressBar
from tradewind.runtime.wiring import wire_simulated
from tradewind.strategy.base import Strategy
from tradewind.venues.simulated import FeeModel, LatencyModel

BuiltHook = Callable[[Engine, Portfolio, list[Strategy[Any]], RiskEngine | None], None]
"""``run_backtest(on_built=...)``: called with the wired parts before the first event."""
_SAMPLE_START_NS = 60_000_000_000
_MAX_SAMPLES = 4_000
_AHEAD_S = 0.001
"""A paced replay sleeps only when the next event is due more than this far ahead."""


@dataclass
class BacktestResult:
    """What a backtest produced: the summary, every fill and order, the equity curve."""

    summary: dict[str, Any]
    fills: list[dict[str, Any]]
    orders: list[Order]
    equity: list[tuple[int, Decimal]]
    prices: list[tuple[int, str, float]]
    engine: Engine
    portfolio: Portfolio
    params: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0
    load_seconds: float = 0.0
    risk: RiskEngine | None = None
    """The risk engine, when the run had risk limits (its denials and halts)."""

    @property
    def run_seconds(self) -> float:
        """Time in the event loop itself, without reading files and building events."""
        return max(self.wall_seconds - self.load_seconds, 1e-9)

    def write(self, out_dir: str | Path, *, title: str = "tradewind backtest") -> Path:
        """Write summary.json, fills.csv, trades.csv, orders.csv, equity.csv and report.html."""
        from tradewind.runtime.output import write_outputs

        return write_outputs(self, Path(out_dir), title=title)


def run_backtest(
    strategies: Strategy[Any] | Sequence[Strategy[Any]],
    data: Sequence[DataSpec | str | Path],
    *,
    instruments: Sequence[Instrument],
    fees: FeeModel | Mapping[str, FeeModel] | None = None,
    latency: LatencyModel | Mapping[str, LatencyModel] | None = None,
    bar_fill: str = "next_open",
    starting_balances: Mapping[str, Decimal | int | str] | None = None,
    base_currency: str | None = None,
    progress: bool = False,
    batch_rows: int = 65_536,
    audit: AuditSink | None = None,
    risk: RiskConfig | None = None,
    speed: float | None = None,
    on_built: BuiltHook | None = None,
) -> BacktestResult:
    """Replay ``data`` through ``strategies`` on a simulated venue and return the result.

    Each instrument's venue gets one SimulatedVenue with ``fees``, ``latency`` and ``bar_fill``
    (``fees`` and ``latency`` may be one model for every venue or a mapping venue -> model).
    Balances default to 100,000 of the first instrument's quote currency on each venue.
    ``risk`` attaches a RiskEngine with those limits (pre-trade checks, loss controls).

    ``speed`` paces the replay on the wall clock, for drills that watch a run as it happens:
    each event is delivered no earlier than its ``ts_init`` distance from the first event
    divided by ``speed`` (1.0 real time, 4.0 four times faster); timers fire with the event
    that follows them. Orders, fills and the summary are the same as unpaced. None (the
    default) runs as fast as possible.

    ``on_built(engine, portfolio, strategies, risk_engine)`` is called once everything is
    wired, before the first event: how a watcher (the dashboard of a paced replay) attaches
    its listeners. The event loop itself is the same with or without it.
    """
    strategy_list = [strategies] if isinstance(strategies, Strategy) else list(strategies)
    if not strategy_list:
        raise ConfigError("no strategy given: pass at least one")
    if not instruments:
        raise ConfigError("no instrument given: describe each traded instrument (tick, lot)")
    specs = [d if isinstance(d, DataSpec) else DataSpec.parse(d) for d in data]
    if not specs:
        raise DataError("no data file given: pass at least one quotes, trades or bars file")
    if speed is not None and not (isinstance(speed, int | float) and 0 < speed < math.inf):
        raise ConfigError(
            f"speed must be a number > 0 (got {speed!r}): 1.0 replays in real time, 2.0 twice "
            "as fast; leave it out to run as fast as possible"
        )

    clock = HistoricalClock()
    engine = Engine(clock, audit=audit)
    install_execution(engine)  # contingent orders (built only if a strategy sends one)
    _, portfolio = wire_simulated(
        engine,
        instruments,
        fees=fees,
        latency=latency,
        bar_fill=bar_fill,
        balances=starting_balances,
        base_currency=base_currency,
    )
    by_symbol: dict[str, InstrumentId] = {}
    for instrument in instruments:
        by_symbol.setdefault(instrument.symbol, instrument.id)
        by_symbol[instrument.id] = instrument.id

    def resolve(symbol: str) -> InstrumentId:
        iid = by_symbol.get(symbol)
        if iid is None:
            known = ", ".join(sorted(i.symbol for i in instruments))
            raise DataError(
                f"symbol {symbol!r} is not a configured instrument (configured: {known}): add "
                f"--instrument {symbol}:tick=...,lot=..."
            )
        return iid

    streams = [EventBatches(spec, resolve, batch_rows) for spec in specs]
    all_ids = list(dict.fromkeys(i.id for i in instruments))
    for strategy in strategy_list:
        if not strategy.instruments:
            strategy.instruments = list(all_ids)
        engine.add_strategy(strategy)

    recorder = _FillRecorder(portfolio)
    engine.add_fill_listener(recorder.on_fill)
    risk_engine = None if risk is None else RiskEngine(engine, risk)
    if on_built is not None:
        on_built(engine, portfolio, strategy_list, risk_engine)
    sampler = _Sampler(portfolio, engine, all_ids)
    rows_total = sum((s.total[0] or 0) for s in streams)
    bytes_total = sum(s.total[1] for s in streams)
    by_rows = all(s.total[0] is not None for s in streams)
    bar = ProgressBar(rows_total if by_rows else bytes_total) if progress else None

    started = time.perf_counter()
    perf = time.perf_counter
    batches = merged(streams)
    batch = next(batches, None)
    load_seconds = perf() - started
    if batch:
        # on_start runs at the time of the first event, so timers set there start from it
        clock.now_ns = batch[0].ts_init
        sampler.next_ns = batch[0].ts_init
        if by_rows and rows_total and len(batch) > 1:
            # start near the final grid: the run's span estimated from the first batch
            span = (batch[-1].ts_init - batch[0].ts_init) * rows_total // len(batch)
            sampler.interval = max(_SAMPLE_START_NS, span // _MAX_SAMPLES)
    pacer = None
    if speed is not None and batch:
        # held back a slice at a time by the pacer; the loop below is the same either way
        pacer = _Pacer(speed)
        batches = pacer.paced(batch, batches)
        batch = next(batches, None)
    events = 0
    process = engine.process
    pop_due = clock.pop_due
    engine.start()
    while batch is not None:
        next_sample = sampler.next_ns
        for event in batch:
            ts = event.ts_init
            if ts >= clock.next_ns:
                due = pop_due(ts)
                while due is not None:
                    process(due)
                    due = pop_due(ts)
            clock.now_ns = ts
            process(event)
            if ts >= next_sample:
                sampler.sample(ts)
                next_sample = sampler.next_ns
        events += len(batch)
        if bar is not None:
            done = (
                sum(s.rows_done for s in streams) if by_rows else sum(s.bytes_done for s in streams)
            )
            bar.update(done, events)
        fetch_start = perf()
        batch = next(batches, None)
        load_seconds += perf() - fetch_start
    engine.stop()
    wall = time.perf_counter() - started
    if pacer is not None:
        load_seconds -= pacer.slept  # waiting for the schedule is not reading data
    if bar is not None:
        bar.close(events)
    if events == 0:
        raise DataError("the data files hold no events: nothing to backtest")
    sampler.sample(clock.now_ns, force=True)
    recorder.finish()

    orders = list(engine.cache.orders.values())
    from tradewind.runtime.output import build_summary

    result = BacktestResult(
        summary={},
        fills=recorder.rows,
        orders=orders,
        equity=sampler.equity,
        prices=sampler.prices,
        engine=engine,
        portfolio=portfolio,
        params={s.id: s.params.model_dump(mode="json") for s in strategy_list},
        wall_seconds=wall,
        load_seconds=load_seconds,
        risk=risk_engine,
    )
    result.summary = build_summary(result, events=events, streams=streams, strategies=strategy_list)
    return result


class _Pacer:
    """Holds back each event until its wall time: the first event's start plus its ``ts_init``
    distance from the first event divided by ``speed``.

    Every due time is computed from the start, so sleep overshoot never accumulates: a late
    event goes at once and the next one still aims at its own time. Events already due go
    out together, as slices of the batch they came in.
    """

    def __init__(
        self,
        speed: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.factor = 1.0 / (speed * 1e9)
        self.slept = 0.0
        self._clock = clock
        self._sleep = sleep

    def paced(self, first: list[Any], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
        """``first`` then the batches of ``rest``, each cut where an event must wait."""
        clock, sleep, factor = self._clock, self._sleep, self.factor
        start, first_ts = clock(), first[0].ts_init
        batch: list[Any] | None = first
        while batch is not None:
            begin = 0
            for i, event in enumerate(batch):
                due = start + (event.ts_init - first_ts) * factor
                if due - clock() <= _AHEAD_S:
                    continue
                if i > begin:
                    yield batch[begin:i]  # what is due now, before waiting for the rest
                    begin = i
                now = clock()
                if due - now > _AHEAD_S:
                    sleep(due - now)
                    self.slept += clock() - now
            if begin < len(batch):
                yield batch[begin:] if begin else batch
            batch = next(rest, None)


class _FillRecorder:
    """Keeps every fill as a row, with the PnL it realized (exact until ``finish``)."""

    def __init__(self, portfolio: Portfolio) -> None:
        self._portfolio = portfolio
        self._realized: dict[InstrumentId, Any] = {}
        self.rows: list[dict[str, Any]] = []

    def on_fill(self, fill: Fill, order: Order) -> None:
        position = self._portfolio.positions[fill.instrument_id]
        before = self._realized.get(fill.instrument_id, Decimal(0))
        now = position.realized_pnl
        self._realized[fill.instrument_id] = now
        self.rows.append(
            {
                "ts_event": fill.ts_event,
                "strategy_id": order.strategy_id,
                "client_order_id": fill.client_order_id,
                "venue_order_id": fill.venue_order_id,
                "trade_id": fill.trade_id,
                "instrument_id": fill.instrument_id,
                "side": fill.side.value,
                "quantity": fill.quantity,
                "price": fill.price,
                "fee": fill.fee,
                "fee_currency": fill.fee_currency,
                "liquidity": fill.liquidity.value,
                "realized_pnl": exact.sub(now, before),  # shown rounded by finish()
            }
        )

    def finish(self) -> None:
        """Show each fill's realized PnL as a Decimal (12 places at most)."""
        for row in self.rows:
            row["realized_pnl"] = exact.to_decimal(row["realized_pnl"], 12).normalize()


class _Sampler:
    """Samples equity and prices on a time grid that coarsens to keep at most ~4,000 points."""

    def __init__(self, portfolio: Portfolio, engine: Engine, ids: list[InstrumentId]) -> None:
        self._portfolio = portfolio
        self._engine = engine
        self._ids = ids
        self.interval = _SAMPLE_START_NS
        self.next_ns = 0
        self.equity: list[tuple[int, Decimal]] = []
        self.prices: list[tuple[int, str, float]] = []

    def sample(self, ts: int, *, force: bool = False) -> None:
        if self.equity and self.equity[-1][0] == ts:
            return
        if not force and ts < self.next_ns:
            return
        mark = self._engine.cache.mark_price
        if any(mark(i) is not None for i in self._ids):
            try:
                equity = self._portfolio.equity()
            except ConfigError:  # a balance has no rate yet (no quote seen): sample later
                self.next_ns = ts + self.interval
                return
            self.equity.append((ts, equity))
            for iid in self._ids:
                price = mark(iid)
                if price is not None:
                    self.prices.append((ts, iid, price))
        self.next_ns = ts + self.interval
        if len(self.equity) > _MAX_SAMPLES:
            self.equity = self.equity[::2]
            keep = {t for t, _ in self.equity}
            self.prices = [p for p in self.prices if p[0] in keep]
            self.interval *= 2
