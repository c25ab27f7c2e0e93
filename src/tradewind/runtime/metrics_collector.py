"""The scrape-time collector: a bot's state turned into Prometheus metric families.

Read when Prometheus scrapes, never on the event path: configuration, what ``BotMetrics``
counted (ticks, signals, orders, venue reports, latencies), and what the bot already keeps —
positions and PnL (exact; converted to float only here), risk denials and trading states,
feed health, the driver's queue and loop lag, the supervisor's services. Names follow the
Prometheus conventions: ``tradewind_`` prefix, snake_case, base units (seconds), counters
ending ``_total``, ``_info`` for configuration. Feed and runtime health are in
``tradewind.runtime.metrics_health``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from tradewind import __version__
from tradewind.errors import TradewindError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import OrderStatus
from tradewind.model.identifiers import split_instrument_id
from tradewind.risk.state import TradingState
from tradewind.runtime.metrics_health import feed_families, runtime_families

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot
    from tradewind.runtime.metrics import BotMetrics

_KIND = {QuoteTick: "quote", TradeTick: "trade", Bar: "bar"}
_NS = 1e9


def _status(status: OrderStatus) -> str:
    return status.value.lower()


class BotCollector(Collector):
    """Yields every ``tradewind_*`` family of one bot; registered on its private registry."""

    def __init__(self, bot: Bot, counted: BotMetrics) -> None:
        self.bot = bot
        self.counted = counted

    def collect(self) -> Iterator[Metric]:
        """Every family, read now (call on the bot's loop thread)."""
        yield from self._configuration()
        yield from self._flow()
        yield from self._latencies()
        yield from self._positions()
        yield from self._risk()
        yield from feed_families(self.bot)
        yield from runtime_families(self.bot)

    # ------------------------------------------------------------ config
    def _configuration(self) -> Iterator[Metric]:
        bot = self.bot
        info = InfoMetricFamily("tradewind_bot", "The bot: its name, mode and tradewind version.")
        info.add_metric([], {"bot": bot.name, "mode": bot.mode, "version": __version__})
        yield info
        yield GaugeMetricFamily(
            "tradewind_bot_start_time_seconds",
            "When the bot started, in seconds since the epoch.",
            value=bot.started_ns / _NS,
        )
        venues = InfoMetricFamily("tradewind_venue", "Each configured venue and its kind.")
        for section in bot.config.venues:
            venues.add_metric([], {"venue": section.name, "kind": section.kind})
        yield venues
        strategies = InfoMetricFamily("tradewind_strategy", "Each strategy and its class.")
        for strategy in bot.strategies:
            strategies.add_metric([], {"strategy": strategy.id, "class": type(strategy).__name__})
        yield strategies
        instruments = InfoMetricFamily("tradewind_instrument", "Each instrument the bot knows.")
        for iid, instrument in sorted(bot.engine.cache.instruments.items()):
            instruments.add_metric([], {"venue": instrument.venue, "instrument": iid})
        yield instruments

    # --------------------------------------------------------- the flow
    def _flow(self) -> Iterator[Metric]:
        counted = self.counted
        ticks = CounterMetricFamily(
            "tradewind_ticks_total",
            "Market events received from the venues' data connections.",
            labels=["venue", "instrument", "kind"],
        )
        rows = [
            ([split_instrument_id(iid)[1], iid, _KIND[cls]], n)
            for (cls, iid), n in list(counted.ticks.items())
            if cls in _KIND and iid is not None
        ]
        for labels, n in sorted(rows):
            ticks.add_metric(labels, n)
        yield ticks
        signals = CounterMetricFamily(
            "tradewind_signals_total",
            "Orders a strategy submitted (denied ones included).",
            labels=["strategy", "instrument"],
        )
        for (sid, iid), n in sorted(counted.signals.items()):
            signals.add_metric([sid, iid], n)
        yield signals
        orders = GaugeMetricFamily(
            "tradewind_orders", "Orders currently in each status.", labels=["status"]
        )
        events = CounterMetricFamily(
            "tradewind_order_events_total", "Orders that moved into each status.", labels=["status"]
        )
        for status in OrderStatus:
            orders.add_metric([_status(status)], counted.orders[status])
            events.add_metric([_status(status)], counted.order_events[status])
        yield orders
        yield events
        reports = CounterMetricFamily(
            "tradewind_venue_reports_total",
            "Venue reports applied to orders (accepted, fill, canceled, rejected, ...).",
            labels=["venue", "status"],
        )
        for (venue, report), n in sorted(counted.venue_reports.items()):
            reports.add_metric([venue, report], n)
        yield reports

    def _latencies(self) -> Iterator[Metric]:
        counted = self.counted
        for name, label, latencies, doc in (
            (
                "tradewind_signal_to_submit_seconds",
                "strategy",
                counted.signal_to_submit,
                "From the instrument's latest market event to the order leaving.",
            ),
            (
                "tradewind_submit_to_ack_seconds",
                "venue",
                counted.submit_to_ack,
                "From an order leaving to the venue accepting it.",
            ),
            (
                "tradewind_submit_to_fill_seconds",
                "venue",
                counted.submit_to_fill,
                "From an order leaving to its first fill.",
            ),
        ):
            family = HistogramMetricFamily(name, doc, labels=[label])
            for value, buckets, total in latencies.items():
                family.add_metric([value], buckets, total)
            yield family

    # -------------------------------------------------------- positions
    def _positions(self) -> Iterator[Metric]:
        portfolio = self.bot.portfolio
        inventory = GaugeMetricFamily(
            "tradewind_inventory",
            "Net position per instrument, in instrument units (short < 0).",
            labels=["venue", "instrument"],
        )
        realized = GaugeMetricFamily(
            "tradewind_realized_pnl",
            "Realized PnL per instrument, in its settlement currency.",
            labels=["venue", "instrument", "currency"],
        )
        unrealized = GaugeMetricFamily(
            "tradewind_unrealized_pnl",
            "PnL of the open position at the latest mark, in its settlement currency.",
            labels=["venue", "instrument", "currency"],
        )
        for iid, instrument in sorted(self.bot.engine.cache.instruments.items()):
            position = portfolio.position(iid)
            venue, ccy = instrument.venue, instrument.settlement
            inventory.add_metric([venue, iid], float(position.quantity))
            realized.add_metric([venue, iid, ccy], float(position.realized_pnl))
            mark = portfolio.mark(iid) if position.quantity else None
            open_pnl = position.unrealized_pnl(mark) if mark is not None else 0
            unrealized.add_metric([venue, iid, ccy], float(open_pnl))
        yield inventory
        yield realized
        yield unrealized
        equity = GaugeMetricFamily(
            "tradewind_equity",
            "Balances plus open PnL at the latest marks, in the base currency.",
            labels=["currency"],
        )
        with contextlib.suppress(TradewindError):  # a rate not seen yet: no sample, no guess
            equity.add_metric([portfolio.base_currency], float(portfolio.equity()))
        yield equity

    # -------------------------------------------------------------- risk
    def _risk(self) -> Iterator[Metric]:
        risk = self.bot.risk
        denials = CounterMetricFamily(
            "tradewind_risk_denials_total", "Orders risk refused, by reason.", labels=["reason"]
        )
        for reason, n in sorted(risk.denials.items()):
            denials.add_metric([reason], n)
        yield denials
        states = GaugeMetricFamily(
            "tradewind_trading_state",
            "1 for the state each strategy trades in (enabled, reducing, halted), else 0.",
            labels=["strategy", "state"],
        )
        for strategy in self.bot.strategies:
            now = risk.state(strategy.id)
            for state in TradingState:
                states.add_metric([strategy.id, state.value], 1.0 if state is now else 0.0)
        yield states
