"""Health metrics read at scrape time: feeds, the event loop and queue, supervised services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from tradewind.risk.engine import last_market_ns

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot

_NS = 1e9
_DRIVER: tuple[tuple[type[Any], str, str, float, str], ...] = (
    (GaugeMetricFamily, "event_loop_lag_seconds", "loop_lag_ms", 1e-3,
     "The event loop's latest measured lag."),
    (GaugeMetricFamily, "event_loop_lag_max_seconds", "loop_lag_max_ms", 1e-3,
     "The largest event-loop lag measured since the bot started."),
    (GaugeMetricFamily, "queue_depth", "queue_depth", 1, "Events waiting for the engine."),
    (GaugeMetricFamily, "queue_max_depth", "queue_max_depth", 1,
     "The deepest the event queue has been."),
    (CounterMetricFamily, "queue_dropped_total", "dropped", 1,
     "Market events dropped because the event queue was full."),
    (CounterMetricFamily, "queue_conflated_total", "conflated", 1,
     "Quotes replaced by a newer quote of the same instrument while queued."),
    (CounterMetricFamily, "events_processed_total", "processed", 1,
     "Events the engine has processed."),
)  # fmt: skip
"""(family, name after ``tradewind_``, ``LiveDriver.stats()`` key, scale to base units, help)."""


def feed_families(bot: Bot) -> Iterator[Metric]:
    """Per venue: connected and reconnects; per instrument: age of the last event, stale."""
    health = bot.supervisor.health()
    connected = GaugeMetricFamily(
        "tradewind_feed_connected",
        "1 while the venue's market-data service runs, else 0.",
        labels=["venue"],
    )
    reconnects = CounterMetricFamily(
        "tradewind_feed_reconnects_total",
        "Restarts of the venue's market-data service.",
        labels=["venue"],
    )
    for venue in sorted(bot.venues.data):
        service = health.get(f"feed:{venue}", {})
        connected.add_metric([venue], 1.0 if service.get("phase") == "running" else 0.0)
        reconnects.add_metric([venue], service.get("restarts", 0))
    yield connected
    yield reconnects
    age = GaugeMetricFamily(
        "tradewind_feed_last_event_age_seconds",
        "Seconds since the instrument's latest market event (since subscribing, if none).",
        labels=["venue", "instrument"],
    )
    stale = GaugeMetricFamily(
        "tradewind_feed_stale",
        "1 while the instrument's feed is marked stale, else 0.",
        labels=["venue", "instrument"],
    )
    engine, monitor = bot.engine, bot.staleness
    now = engine.clock.timestamp_ns()
    watched = set(monitor.watched) if monitor is not None else set()
    for iid, instrument in sorted(engine.cache.instruments.items()):
        labels = [instrument.venue, iid]
        stale.add_metric(labels, 1.0 if iid in engine.stale else 0.0)
        if monitor is not None and iid in watched:
            quiet = monitor.quiet_ns(iid, now)
        else:
            last = last_market_ns(engine, iid)
            if last is None:
                continue  # never subscribed, never seen: no age to tell
            quiet = now - last
        age.add_metric(labels, max(0, quiet) / _NS)
    yield age
    yield stale


def runtime_families(bot: Bot) -> Iterator[Metric]:
    """The live driver's loop lag and queue, and each supervised service's restarts and state."""
    stats: dict[str, Any] = bot.driver.stats()
    for family, name, key, scale, doc in _DRIVER:
        yield family(f"tradewind_{name}", doc, value=stats[key] * scale)
    restarts = CounterMetricFamily(
        "tradewind_service_restarts_total",
        "Restarts of each supervised service.",
        labels=["service"],
    )
    up = GaugeMetricFamily(
        "tradewind_service_up", "1 while the service runs, else 0.", labels=["service"]
    )
    for name, service in sorted(bot.supervisor.health().items()):
        restarts.add_metric([name], service["restarts"])
        up.add_metric([name], 1.0 if service["phase"] == "running" else 0.0)
    yield restarts
    yield up
