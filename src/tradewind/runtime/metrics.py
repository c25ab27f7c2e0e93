"""Prometheus metrics of a live bot: what it trades, how fast, how healthy, on ``/metrics``.

``BotMetrics(bot)`` is made by ``Bot._observe`` when a metrics port is given (``--metrics-port
N``, ``[metrics] port = N``). ``attach()`` (once, before the services start) wraps the bot's
data sink to count ticks — one dict increment per market event — and listens to orders and
fills; nothing is added to the engine or to a backtest. Everything else (inventory, PnL,
risk denials, feed health, loop lag, queue depth, restarts) is read when Prometheus scrapes,
by ``BotCollector`` on a private ``CollectorRegistry``. ``serve(host, port)`` is the supervised
service answering ``GET /metrics``; it binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest

from tradewind.model.enums import OrderStatus
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from tradewind.model.identifiers import ClientOrderId, InstrumentId, split_instrument_id
from tradewind.model.orders import Order
from tradewind.risk.engine import last_market_ns
from tradewind.runtime.metrics_collector import BotCollector
from tradewind.runtime.metrics_http import MetricsEndpoint

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot

__all__ = ["LATENCY_BUCKETS_S", "BotMetrics", "Latencies"]

LATENCY_BUCKETS_S = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
"""Upper bounds (seconds) of the latency histograms: 100 µs to 10 s, then +Inf."""
_BUCKETS_NS = tuple(round(b * 1e9) for b in LATENCY_BUCKETS_S)

_REPORT_STATUS: dict[type, str] = {
    OrderAccepted: "accepted",
    OrderRejected: "rejected",
    OrderCanceled: "canceled",
    OrderExpired: "expired",
    OrderTriggered: "triggered",
    OrderUpdated: "updated",
    OrderCancelRejected: "cancel_rejected",
    OrderModifyRejected: "modify_rejected",
    OrderStatusReport: "status_report",
    OrderNotFound: "not_found",
}
"""The ``status`` label of each venue report an order listener hears (fills are "fill")."""


class Latencies:
    """Latency observations in nanoseconds, bucketed per label value (one histogram each)."""

    __slots__ = ("counts", "sums")

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}
        """label value -> observations per bucket (not cumulative; the last is above 10 s)."""
        self.sums: dict[str, int] = {}
        """label value -> the sum of the observations, in nanoseconds (exact)."""

    def observe(self, label: str, ns: int) -> None:
        """Count one latency of ``ns`` nanoseconds (a negative one counts as 0)."""
        ns = max(0, ns)
        counts = self.counts.get(label)
        if counts is None:
            counts = self.counts[label] = [0] * (len(_BUCKETS_NS) + 1)
            self.sums[label] = 0
        counts[bisect_left(_BUCKETS_NS, ns)] += 1
        self.sums[label] += ns

    def buckets(self, label: str) -> list[tuple[str, int]]:
        """Cumulative (upper bound, count) pairs, ``+Inf`` last, as Prometheus wants them."""
        total = 0
        out: list[tuple[str, int]] = []
        bounds = (*map(repr, LATENCY_BUCKETS_S), "+Inf")
        for bound, count in zip(bounds, self.counts[label], strict=True):
            total += count
            out.append((bound, total))
        return out

    def items(self) -> Iterator[tuple[str, list[tuple[str, int]], float]]:
        """(label value, cumulative buckets, sum in seconds) for every label seen."""
        for label in sorted(self.counts):
            yield label, self.buckets(label), self.sums[label] / 1e9


class BotMetrics:
    """A bot's Prometheus metrics: counted on the way (ticks, orders, fills) and read at scrape.

    ``registry`` is private to this bot (never the process-wide default), so two bots in one
    process never mix. ``port`` is the port bound by ``serve`` (port 0 binds a free one).
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.ticks: defaultdict[tuple[type, InstrumentId | None], int] = defaultdict(int)
        """(event class, instrument) -> market events the data clients pushed."""
        self.signals: Counter[tuple[str, str]] = Counter()
        """(strategy, instrument) -> orders the strategy submitted, denied ones included."""
        self.orders: Counter[OrderStatus] = Counter()
        """status -> orders currently in it."""
        self.order_events: Counter[OrderStatus] = Counter()
        """status -> times an order moved into it."""
        self.venue_reports: Counter[tuple[str, str]] = Counter()
        """(venue, report status) -> reports applied."""
        self.signal_to_submit = Latencies()
        self.submit_to_ack = Latencies()
        self.submit_to_fill = Latencies()
        self._status: dict[ClientOrderId, OrderStatus] = {}
        self._venues: dict[InstrumentId, str] = {}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(BotCollector(bot, self))
        self.endpoint = MetricsEndpoint(self.render)
        self._attached = False

    # ------------------------------------------------------------ wiring
    def attach(self) -> None:
        """Count ticks at the bot's data sink and listen to orders and fills (call once,
        after the engine, venues and strategies are wired and before services start)."""
        if self._attached:
            return
        self._attached = True
        bot = self.bot
        for order in bot.engine.cache.orders.values():  # restored by recovery
            self._status[order.client_order_id] = order.status
            self.orders[order.status] += 1
        bot.sink = self._counting(bot.sink)
        bot.engine.add_order_listener(self._on_order)
        bot.engine.add_fill_listener(self._on_fill)

    def _counting(self, put: Callable[[object], None]) -> Callable[[object], None]:
        ticks = self.ticks

        def counting_sink(event: object) -> None:
            ticks[event.__class__, getattr(event, "instrument_id", None)] += 1
            put(event)

        return counting_sink

    def _venue(self, instrument_id: InstrumentId) -> str:
        venue = self._venues.get(instrument_id)
        if venue is None:
            venue = self._venues[instrument_id] = split_instrument_id(instrument_id)[1]
        return venue

    def _on_order(self, order: Order, event: Any) -> None:
        cls = event.__class__
        report = _REPORT_STATUS.get(cls)
        if report is not None:
            venue = self._venue(order.instrument_id)
            self.venue_reports[venue, report] += 1
            if cls is OrderAccepted:
                self.submit_to_ack.observe(venue, event.ts_init - order.ts_init)
        elif cls is OrderSubmitted:
            last = last_market_ns(self.bot.engine, order.instrument_id)
            if last is not None:
                self.signal_to_submit.observe(order.strategy_id, order.ts_init - last)
        self._track(order)

    def _on_fill(self, fill: Fill, order: Order) -> None:
        venue = self._venue(order.instrument_id)
        self.venue_reports[venue, "fill"] += 1
        if order.filled_quantity == fill.quantity:  # the order's first fill
            self.submit_to_fill.observe(venue, fill.ts_init - order.ts_init)
        self._track(order)

    def _track(self, order: Order) -> None:
        """Move the order's count to its status; an order first seen is a new signal."""
        cid, new = order.client_order_id, order.status
        old = self._status.get(cid)
        if old is new:
            return
        if old is None:
            self.signals[order.strategy_id, order.instrument_id] += 1
        else:
            self.orders[old] -= 1
        self.orders[new] += 1
        self.order_events[new] += 1
        self._status[cid] = new

    # ----------------------------------------------------------- serving
    def render(self) -> bytes:
        """The metrics in the Prometheus text format (read on the bot's loop thread)."""
        return generate_latest(self.registry)

    @property
    def port(self) -> int | None:
        """The port ``/metrics`` listens on (None until ``serve`` has bound it)."""
        return self.endpoint.port

    @property
    def server(self) -> Any:
        """The listening ``asyncio.Server`` (None until ``serve`` has bound it)."""
        return self.endpoint.server

    async def serve(self, host: str, port: int) -> None:
        """Answer ``GET /metrics`` on ``host:port`` until cancelled (a supervised service)."""
        await self.endpoint.serve(host, port)
