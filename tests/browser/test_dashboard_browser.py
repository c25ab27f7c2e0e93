"""The dashboard in a real browser: a bot on the mock venue with two strategies serves it; headless
Chromium (Debian's, driven by Playwright) switches tabs, watches the price chart grow, pauses
a strategy with the token, and leaves a screenshot in test-artifacts/dashboard.png."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind import Bot
from tradewind.model import QuoteTick
from tradewind.model.events import Fill
from tradewind.runtime.env import Environment
from tradewind.strategy import Strategy, StrategyParams

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BTC, ETH = "BTCUSDT.SIM", "ETHUSDT.SIM"
TOKEN = f"browser-{uuid.uuid4()}"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """Debian's chromium (Playwright's own download needs the internet), if installed."""
    for candidate in (
        os.environ.get("TRADEWIND_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


if sync_playwright is None:
    pytest.skip(
        "playwright is not installed: pip install -e '.[dev]' to run the browser test",
        allow_module_level=True,
    )
if chromium() is None:
    pytest.skip(
        "no chromium executable: apt-get install chromium (.ci/run does) to run the browser test",
        allow_module_level=True,
    )


class Swing(Strategy[StrategyParams]):
    """Buys on every 12th quote and sells on every 24th; shows its count, mid and trades."""

    def on_start(self) -> None:
        self.n = 0
        self.panel.kv("quotes", "Quotes seen")
        self.panel.kv("side", "Last side")
        self.panel.series("mid", "Mid price")
        self.panel.divider("Activity")
        self.panel.table("trades", ["n", "side", "price"], max_rows=20)
        self.panel.log("notes", max_lines=20)
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        self.panel.set("quotes", self.n)
        self.panel.point("mid", (quote.bid + quote.ask) / 2)
        if self.n % 12 == 0:
            side = "SELL" if self.n % 24 == 0 else "BUY"
            self.submit_market(quote.instrument_id, side, Decimal("0.001"))
            self.panel.set("side", side)
            self.panel.line("notes", f"{side.lower()} 0.001 {quote.instrument_id}")

    def on_fill(self, fill: Fill) -> None:
        self.panel.row("trades", [self.n, fill.side.value, fill.price])


@pytest.fixture
def bot() -> Iterator[Bot]:
    builder = (
        Bot.builder("browser")
        .mock_venue("SIM", rate_hz=40, seed=11, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .instrument(ETH, tick="0.01", lot="0.001", price=3000)
        .options(shutdown_timeout="5s")
    )
    strategies = [
        Swing(instruments=[BTC], strategy_id="btc_swing"),
        Swing(instruments=[ETH, BTC], strategy_id="eth_swing"),
    ]
    for strategy in strategies:
        builder.strategy(strategy)
    env = Environment("mock", "mock", None, {}, {"TRADEWIND_DASHBOARD_TOKEN": TOKEN})
    bot = Bot(builder.config(), strategies=strategies, store="memory", dashboard_port=0, env=env)
    done: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: done.update(
            summary=asyncio.run(bot.run_until_shutdown(install_signals=False))
        ),
        name="bot",
    )
    thread.start()
    end = time.monotonic() + 15
    while bot.dashboard is None or bot.dashboard.port is None:
        assert thread.is_alive(), f"the bot stopped: {bot.error}"
        assert time.monotonic() < end, "the dashboard did not start listening"
        time.sleep(0.02)
    try:
        yield bot
    finally:
        if bot.phase == "running":
            bot.handle.shutdown()
        thread.join(20)
        assert not thread.is_alive(), "the bot did not stop"
        assert done["summary"]["phase"] == "stopped", done["summary"]


def wait_until(page: Page, expression: str, seconds: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true (Playwright's wait_for_function would
    need 'unsafe-eval', which the dashboard's Content-Security-Policy rightly refuses)."""
    end = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"not true after {seconds:.0f} s: {expression}"
        time.sleep(0.05)


def test_tabs_switch_the_chart_grows_and_pause_takes_effect(bot: Bot, tmp_path: Path) -> None:
    assert sync_playwright is not None
    url = f"http://127.0.0.1:{bot.dashboard.port}/"
    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data dir
            executable_path=chromium(),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1440, "height": 1000},
        )
        try:
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url)
            page.wait_for_selector("#tab-btc_swing")
            page.wait_for_selector("#tab-eth_swing")
            assert page.locator("#connection").get_attribute("data-state") == "live"
            assert page.evaluate("window.tradewind.active()") == "btc_swing"
            assert page.locator("#panel-btc_swing").is_visible()

            # tabs switch without a reload
            page.click("#tab-eth_swing")
            wait_until(page, "window.tradewind.active() === 'eth_swing'")
            assert page.locator("#panel-eth_swing").is_visible()
            assert page.locator("#panel-btc_swing").is_hidden()
            assert page.locator("#panel-eth_swing canvas[data-instrument='ETHUSDT.SIM']").count()
            wait_until(page, "window.tradewind.points('eth_swing', 'ETHUSDT.SIM') > 0")
            page.click("#tab-btc_swing")
            wait_until(page, "window.tradewind.active() === 'btc_swing'")
            assert page.locator("#panel-eth_swing").is_hidden()

            # the chart gains points as the bot runs
            wait_until(page, "window.tradewind.points('btc_swing', 'BTCUSDT.SIM') >= 2")
            before = page.evaluate("window.tradewind.points('btc_swing', 'BTCUSDT.SIM')")
            wait_until(
                page,
                f"window.tradewind.points('btc_swing', 'BTCUSDT.SIM') >= {before + 3}",
            )
            wait_until(
                page, "document.querySelector('#panel-btc_swing .kv-value').textContent !== '—'"
            )

            # a control action: enter the token, pause, confirm; the page shows "reducing"
            assert page.locator("#panel-btc_swing [data-role=risk-state]").text_content() == (
                "enabled"
            )
            page.fill("#token", TOKEN)
            page.click("#btn-pause")
            assert page.locator("#confirm").is_visible()
            page.click("#confirm-yes")
            wait_until(
                page,
                "document.querySelector('#panel-btc_swing [data-role=risk-state]')"
                ".textContent === 'reducing'",
            )
            assert bot.risk.state("btc_swing").value == "reducing"
            assert bot.risk.state("eth_swing").value == "enabled"
            assert "pause btc_swing: reducing" in (page.text_content("#toast") or "")
            tab_state = page.locator("#tab-btc_swing .badge").text_content()
            assert tab_state == "reducing"

            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            # the token was typed into the page only: never stored
            assert page.evaluate("JSON.stringify(localStorage) + document.cookie") == "{}"
        finally:
            context.close()
    assert not errors, errors
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
