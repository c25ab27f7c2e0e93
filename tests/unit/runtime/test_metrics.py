"""Prometheus metrics: a real bot on the mock venue scraped over HTTP, its values checked
against the bot's own state, the naming conventions, and the README and Grafana dashboard
kept true to what a scrape shows."""

from __future__ import annotations

import asyncio
import json
import math
import re
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tradewind import Bot, ConfigError
from tradewind.model import QuoteTick
from tradewind.model.identifiers import InstrumentId
from tradewind.runtime.env import load_environment
from tradewind.runtime.metrics import LATENCY_BUCKETS_S, Latencies
from tradewind.runtime.metrics_http import CONTENT_TYPE, MetricsEndpoint
from tradewind.strategy import Strategy, StrategyParams

ROOT = Path(__file__).resolve().parents[3]
BTC, ETH, SOL = "BTCUSDT.SIM", "ETHUSDT.SIM", "SOLUSDT.SIM"
CANARY = "TWCANARY-5f0c1e2a-metrics-key"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
METRIC_IN_TEXT = re.compile(r"\btradewind_[a-z0-9_]+")


class Flipper(Strategy[StrategyParams]):
    """Counts its quotes per instrument; every 10th, buys or sells one lot, alternating."""

    def on_start(self) -> None:
        self.quotes: Counter[str] = Counter()
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.quotes[quote.instrument_id] += 1
        n = self.quotes.total()
        if n % 10 == 0:
            side = self.buy if n % 20 else self.sell
            side(quote.instrument_id, Decimal("0.001"))


@dataclass
class Scrape:
    """What a test scrape saw, and the bot's own state read at the same instant."""

    status: int = 0
    content_type: str = ""
    text: str = ""
    not_found: int = 0
    posted: int = 0
    sockets: list[Any] = field(default_factory=list)
    snapshot: str = ""
    quotes_seen: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    orders: Counter[str] = field(default_factory=Counter)
    signals: Counter[tuple[str, str]] = field(default_factory=Counter)
    denials: dict[str, int] = field(default_factory=dict)
    inventory: dict[str, Decimal] = field(default_factory=dict)
    realized: dict[str, float] = field(default_factory=dict)

    def samples(self, name: str, text: str | None = None) -> list[Any]:
        """Every sample called ``name`` in the snapshot (or in ``text``)."""
        families = text_string_to_metric_families(self.snapshot if text is None else text)
        return [s for f in families for s in f.samples if s.name == name]

    def value(self, name: str, text: str | None = None, **labels: str) -> float:
        """The one sample ``name`` with exactly these labels (among others)."""
        found = [
            s.value
            for s in self.samples(name, text)
            if all(s.labels.get(k) == v for k, v in labels.items())
        ]
        assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
        return float(found[0])


def _fetch(url: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=5) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


async def _until(predicate: Any, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.01)


async def _scrape_a_trading_bot(folder: Path) -> Scrape:
    alpha = Flipper(instruments=[BTC], strategy_id="alpha")
    beta = Flipper(instruments=[ETH], strategy_id="beta")
    config = (
        Bot.builder("metered")
        .mock_venue("SIM", rate_hz=400, seed=5, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .instrument(ETH, tick="0.01", lot="0.001", price=3000)
        .instrument(SOL, tick="0.001", lot="0.01", price=150)
        .strategy(alpha)
        .strategy(beta)
        .options(shutdown_timeout="5s")
        .config()
    )
    env = load_environment(
        "mock", folder=folder, environ={"SIM_API_KEY": CANARY, "SIM_API_SECRET": CANARY}
    )
    bot = Bot(config, strategies=[alpha, beta], env=env, store="memory", metrics_port=0)
    task = asyncio.create_task(bot.run_until_shutdown(install_signals=False))
    out = Scrape()
    try:
        await _until(lambda: bot.phase == "running" and bot.metrics.port is not None)
        await _until(lambda: bot.portfolio.fills >= 4)
        await bot.handle.request("pause", strategy="alpha")
        await _until(lambda: bot.risk.denials["REDUCE_ONLY"] >= 2)
        url = f"http://127.0.0.1:{bot.metrics.port}"
        out.status, out.content_type, body = await asyncio.to_thread(_fetch, f"{url}/metrics")
        out.text = body.decode()
        out.not_found = (await asyncio.to_thread(_fetch, f"{url}/orders"))[0]
        out.posted = (await asyncio.to_thread(_fetch, f"{url}/metrics", b"x=1"))[0]
        out.sockets = [s.getsockname() for s in bot.metrics.server.sockets]
        # no await from here on: the scrape and the bot's state are read at one instant
        out.snapshot = bot.metrics.render().decode()
        out.quotes_seen = {BTC: alpha.quotes[BTC], ETH: beta.quotes[ETH]}
        stats = bot.driver.stats()
        out.in_flight = stats["queue_depth"] + stats["conflated"] + stats["dropped"]
        orders = bot.engine.cache.orders.values()
        out.orders = Counter(o.status.value.lower() for o in orders)
        out.signals = Counter((o.strategy_id, str(o.instrument_id)) for o in orders)
        out.denials = dict(bot.risk.denials)
        for iid in (BTC, ETH, SOL):
            position = bot.portfolio.position(InstrumentId(iid))
            out.inventory[iid] = position.quantity
            out.realized[iid] = float(position.realized_pnl)
    finally:
        bot.handle.shutdown()
        await task
    return out


@pytest.fixture(scope="module")
def scrape(tmp_path_factory: pytest.TempPathFactory) -> Scrape:
    return asyncio.run(_scrape_a_trading_bot(tmp_path_factory.mktemp("metrics")))


# ----------------------------------------------------------------- the endpoint
def test_metrics_are_served_on_loopback_only_in_the_prometheus_text_format(
    scrape: Scrape,
) -> None:
    assert scrape.status == 200
    assert scrape.content_type == CONTENT_TYPE
    assert CONTENT_TYPE.startswith("text/plain; version=0.0.4")
    assert [address[0] for address in scrape.sockets] == ["127.0.0.1"]
    assert scrape.not_found == 404
    assert scrape.posted == 405
    assert scrape.value("tradewind_bot_info", scrape.text, bot="metered", mode="mock") == 1


def test_configuration_is_exported_as_info_metrics(scrape: Scrape) -> None:
    assert scrape.value("tradewind_venue_info", venue="SIM", kind="mock") == 1
    assert scrape.value("tradewind_strategy_info", strategy="alpha", **{"class": "Flipper"}) == 1
    assert scrape.value("tradewind_strategy_info", strategy="beta") == 1
    listed = {s.labels["instrument"] for s in scrape.samples("tradewind_instrument_info")}
    assert listed == {BTC, ETH, SOL}


def test_ticks_are_counted_per_instrument_as_the_engine_processed_them(scrape: Scrape) -> None:
    for iid in (BTC, ETH):
        counted = scrape.value("tradewind_ticks_total", instrument=iid, kind="quote")
        seen = scrape.quotes_seen[iid]
        assert seen > 0
        # what was received and not yet processed is in the queue (or conflated, or dropped)
        assert seen <= counted <= seen + scrape.in_flight
        assert scrape.value("tradewind_ticks_total", instrument=iid, kind="quote", venue="SIM")
    # nobody subscribed to SOL: the shared connection never streamed it
    assert not [s for s in scrape.samples("tradewind_ticks_total") if s.labels["instrument"] == SOL]


def test_orders_by_status_and_signals_match_the_engine_cache(scrape: Scrape) -> None:
    statuses = {s.labels["status"]: s.value for s in scrape.samples("tradewind_orders")}
    assert {k: v for k, v in statuses.items() if v} == dict(scrape.orders)
    assert statuses["filled"] > 0 and statuses["denied"] > 0
    for (sid, iid), n in scrape.signals.items():
        assert scrape.value("tradewind_signals_total", strategy=sid, instrument=iid) == n
    moved = scrape.value("tradewind_order_events_total", status="filled")
    assert moved == statuses["filled"]
    assert scrape.value("tradewind_order_events_total", status="submitted") >= moved
    accepted = scrape.value("tradewind_venue_reports_total", venue="SIM", status="accepted")
    fills = scrape.value("tradewind_venue_reports_total", venue="SIM", status="fill")
    assert accepted >= fills >= statuses["filled"] > 0


def test_a_paused_strategy_shows_as_reducing_with_its_denials_by_reason(scrape: Scrape) -> None:
    denied = scrape.value("tradewind_risk_denials_total", reason="REDUCE_ONLY")
    assert denied == scrape.denials["REDUCE_ONLY"]
    assert scrape.denials["REDUCE_ONLY"] >= 2
    assert scrape.value("tradewind_trading_state", strategy="alpha", state="reducing") == 1
    assert scrape.value("tradewind_trading_state", strategy="alpha", state="enabled") == 0
    assert scrape.value("tradewind_trading_state", strategy="beta", state="enabled") == 1


def test_latency_histograms_have_observations_in_seconds(scrape: Scrape) -> None:
    for name, labels in (
        ("tradewind_signal_to_submit_seconds", {"strategy": "alpha"}),
        ("tradewind_signal_to_submit_seconds", {"strategy": "beta"}),
        ("tradewind_submit_to_ack_seconds", {"venue": "SIM"}),
        ("tradewind_submit_to_fill_seconds", {"venue": "SIM"}),
    ):
        count = scrape.value(f"{name}_count", **labels)
        assert count > 0, name
        assert scrape.value(f"{name}_bucket", le="+Inf", **labels) == count
        mean = scrape.value(f"{name}_sum", **labels) / count
        assert 0 <= mean < 10, f"{name}: a mean of {mean} is not in seconds"
    # the simulated venue acknowledges after its latency (1 ms configured): not instantly
    ack = scrape.value("tradewind_submit_to_ack_seconds_sum", venue="SIM")
    assert ack > 0


def test_inventory_and_pnl_equal_the_portfolio(scrape: Scrape) -> None:
    for iid in (BTC, ETH, SOL):
        held = scrape.value("tradewind_inventory", venue="SIM", instrument=iid)
        assert held == float(scrape.inventory[iid])
        realized = scrape.value("tradewind_realized_pnl", instrument=iid, currency="USDT")
        assert realized == scrape.realized[iid]
        assert math.isfinite(scrape.value("tradewind_unrealized_pnl", instrument=iid))
    assert scrape.value("tradewind_equity", currency="USDT") > 0


def test_feeds_and_services_are_healthy(scrape: Scrape) -> None:
    assert scrape.value("tradewind_feed_connected", venue="SIM") == 1
    assert scrape.value("tradewind_feed_reconnects_total", venue="SIM") == 0
    for iid in (BTC, ETH):
        age = scrape.value("tradewind_feed_last_event_age_seconds", venue="SIM", instrument=iid)
        assert 0 <= age < 5
        assert scrape.value("tradewind_feed_stale", instrument=iid) == 0
    services = {s.labels["service"] for s in scrape.samples("tradewind_service_up")}
    assert {"engine", "feed:SIM", "metrics", "state"} <= services
    for service in services:
        assert scrape.value("tradewind_service_up", service=service) == 1
        assert scrape.value("tradewind_service_restarts_total", service=service) == 0
    assert scrape.value("tradewind_queue_depth") >= 0
    assert scrape.value("tradewind_queue_dropped_total") == 0
    assert 0 <= scrape.value("tradewind_event_loop_lag_seconds") < 5
    assert 0 < scrape.value("tradewind_event_loop_lag_max_seconds") < 5
    assert scrape.value("tradewind_events_processed_total") > 0


def test_no_secret_reaches_a_label_or_a_value(scrape: Scrape) -> None:
    for text in (scrape.text, scrape.snapshot):
        assert CANARY not in text
        assert CANARY[:12] not in text


# ---------------------------------------------------------------- conventions
def test_every_family_follows_the_prometheus_naming_conventions(scrape: Scrape) -> None:
    families = list(text_string_to_metric_families(scrape.snapshot))
    assert len(families) >= 30
    for family in families:
        name = family.name
        assert name.startswith("tradewind_") and NAME.match(name), name
        assert family.documentation.strip(), f"{name} has no HELP text"
        assert not re.search(r"_(ms|ns|us|millis|milliseconds|micros)(_|$)", name), name
        for sample in family.samples:
            assert NAME.match(sample.name), sample.name
            for label in sample.labels:
                assert NAME.match(label) and not label.startswith("__"), (name, label)
            if family.type == "counter":
                assert sample.name == f"{name}_total", sample.name
                assert sample.value >= 0 and float(sample.value).is_integer(), sample
            else:
                assert not sample.name.endswith("_total"), sample.name
        if name.endswith("_info"):
            assert family.type == "gauge" and all(s.value == 1 for s in family.samples), name
        if family.type == "histogram":
            assert name.endswith("_seconds"), name
            _check_histogram(family)
        elif name == "tradewind_bot_start_time_seconds":
            (start,) = family.samples
            assert abs(start.value - time.time()) < 3600, "epoch seconds, not ms or ns"
        elif name.endswith("_seconds"):
            for sample in family.samples:
                assert 0 <= sample.value < 3600, f"{sample} is not a plausible number of seconds"


def _check_histogram(family: Any) -> None:
    bounds = [repr(b) for b in LATENCY_BUCKETS_S] + ["+Inf"]
    series: dict[tuple[Any, ...], list[Any]] = {}
    for sample in family.samples:
        if sample.name.endswith("_bucket"):
            key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            series.setdefault(key, []).append(sample)
    assert series, f"{family.name} has no observations"
    for buckets in series.values():
        assert [float(b.labels["le"]) for b in buckets] == [float(b) for b in bounds]
        counts = [b.value for b in buckets]
        assert counts == sorted(counts), f"{family.name}: buckets are not cumulative"


def test_latencies_fall_in_the_bucket_at_or_above_them() -> None:
    latencies = Latencies()
    latencies.observe("SIM", 100_000)  # exactly 100 µs: the first bucket
    latencies.observe("SIM", 100_001)
    latencies.observe("SIM", -5)  # a clock step back counts as 0
    latencies.observe("SIM", 20_000_000_000)  # 20 s: only +Inf
    buckets = dict(latencies.buckets("SIM"))
    assert buckets["0.0001"] == 2 and buckets["0.00025"] == 3
    assert buckets["10.0"] == 3 and buckets["+Inf"] == 4
    ((label, _, total),) = list(latencies.items())
    assert label == "SIM" and total == pytest.approx(20.000200001)


# ------------------------------------------------------------------ the server
async def _ask(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_endpoint_answers_only_get_metrics_and_closes_when_cancelled() -> None:
    endpoint = MetricsEndpoint(lambda: b"tradewind_x 1.0\n")
    serving = asyncio.create_task(endpoint.serve("127.0.0.1", 0))
    await _until(lambda: endpoint.port is not None)
    assert endpoint.port
    ok = await _ask(endpoint.port, b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200 OK\r\n") and ok.endswith(b"\r\n\r\ntradewind_x 1.0\n")
    assert f"Content-Type: {CONTENT_TYPE}".encode() in ok
    assert (await _ask(endpoint.port, b"GET / HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404")
    put = await _ask(endpoint.port, b"PUT /metrics HTTP/1.1\r\n\r\n")
    assert put.startswith(b"HTTP/1.1 405") and b"Allow: GET\r\n" in put
    assert (await _ask(endpoint.port, b"hello\r\n\r\n")).startswith(b"HTTP/1.1 400")
    assert endpoint.scrapes == 1
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", endpoint.port)


async def test_a_failing_render_is_a_500_not_a_dead_server() -> None:
    def broken() -> bytes:
        raise RuntimeError("boom")

    endpoint = MetricsEndpoint(broken)
    serving = asyncio.create_task(endpoint.serve("127.0.0.1", 0))
    await _until(lambda: endpoint.port is not None)
    assert endpoint.port
    for _ in range(2):
        answer = await _ask(endpoint.port, b"GET /metrics HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 500")
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving


async def test_a_taken_port_is_a_one_line_error_naming_the_fix() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"127\.0\.0\.1:{port}.*--metrics-port") as error:
            await MetricsEndpoint(lambda: b"").serve("127.0.0.1", port)
    assert "\n" not in str(error.value)


# ------------------------------------------------------- docs stay true to a scrape
def _exported(scrape: Scrape) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(scrape.snapshot):
        names.add(family.name)
        names.update(s.name for s in family.samples)
    return names


def _base(name: str) -> str:
    return re.sub(r"_(bucket|count|sum)$", "", name)


def test_every_metric_in_the_grafana_dashboard_exists(scrape: Scrape) -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "tradewind.json").read_text())
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus"
    panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
    assert len(panels) >= 10
    exported = _exported(scrape)
    used: set[str] = set()
    for panel in panels:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = METRIC_IN_TEXT.findall(target["expr"])
            assert names, f"{panel['title']}: {target['expr']}"
            used.update(names)
    missing = sorted(n for n in used if n not in exported and _base(n) not in exported)
    assert not missing, f"the dashboard uses metrics a scrape does not have: {missing}"


def test_the_readme_lists_every_metric_and_only_real_ones(scrape: Scrape) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    listed = set(METRIC_IN_TEXT.findall(section))
    exported = _exported(scrape)
    missing = sorted(n for n in listed if n not in exported and _base(n) not in exported)
    assert not missing, f"the README lists metrics a scrape does not have: {missing}"
    table = set(re.findall(r"^\| `(tradewind_[a-z0-9_]+)`", section, re.M))
    families = list(text_string_to_metric_families(scrape.snapshot))
    shown = {f"{f.name}_total" if f.type == "counter" else f.name for f in families}
    assert shown == table, f"undocumented: {sorted(shown - table)}"
    assert "--metrics-port 9108" in section and "port = 9108" in section
    assert "deploy/grafana/tradewind.json" in section
    (promql,) = re.findall(r"```promql\n(.*?)```", section, re.S)
    queries = [q for q in promql.splitlines() if q.strip() and not q.startswith("#")]
    assert 5 <= len(queries) <= 8
    assert any("histogram_quantile(0.99" in q for q in queries)
