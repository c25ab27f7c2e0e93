"""The web dashboard: strategy panels, REST views equal to the bot's state, the WebSocket
push rate, token-guarded controls that take effect, exposure rules, and a read-only replay —
served for real on 127.0.0.1 (port 0) by a bot on the mock venue."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tradewind import Bot, ConfigError
from tradewind.errors import StrategyError
from tradewind.model import QuoteTick
from tradewind.model.events import Fill
from tradewind.model.identifiers import InstrumentId
from tradewind.portfolio.snapshot import amount
from tradewind.runtime.backtest import BacktestResult, run_backtest
from tradewind.runtime.config import ServerSection
from tradewind.runtime.dashboard import Dashboard, ReplaySource, check_exposure
from tradewind.runtime.dashboard.app import PUSH_EVERY_S, STATIC
from tradewind.runtime.env import Environment, Secret
from tradewind.strategy import Strategy, StrategyParams
from tradewind.strategy.panel import StrategyPanel
from tradewind.testing import MILLISECOND, SECOND, T0, EngineHarness, instrument, quote

from .test_backtest import write_quotes
from .test_bot import running, until

BTC, ETH = "BTCUSDT.SIM", "ETHUSDT.SIM"
TOKEN = f"TWCANARY-{uuid.uuid4()}"


class Panelled(Strategy[StrategyParams]):
    """Declares one widget of each kind; buys one lot on quotes 5, 10 and 15, then only
    watches (so its position and realized PnL hold still for the checks)."""

    def on_start(self) -> None:
        self.n = 0
        self.fills: list[Fill] = []
        self.panel.kv("quotes", "Quotes seen")
        self.panel.series("mid", "Mid price", max_points=50)
        self.panel.divider("Trades")
        self.panel.table("entries", ["n", "side", "qty"], max_rows=10)
        self.panel.log("notes", max_lines=5)
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        self.panel.set("quotes", self.n)
        self.panel.point("mid", (quote.bid + quote.ask) / 2)
        if self.n in (5, 10, 15):
            self.buy(quote.instrument_id, Decimal("0.001"))
            self.panel.row("entries", {"n": self.n, "side": "BUY", "qty": Decimal("0.001")})
            self.panel.line("notes", f"bought on quote {self.n}")

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)


def make_bot(*strategies: Strategy[Any], token: str | None = TOKEN, host: str | None = None) -> Bot:
    builder = (
        Bot.builder("dash")
        .mock_venue("SIM", rate_hz=100, seed=5, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .instrument(ETH, tick="0.01", lot="0.001", price=3000)
        .options(shutdown_timeout="5s")
    )
    for strategy in strategies:
        builder.strategy(strategy)
    config = builder.config()
    if host is not None:
        config = config.model_copy(update={"dashboard": ServerSection(host=host, port=0)})
    environ = {"TRADEWIND_DASHBOARD_TOKEN": token} if token else {}
    env = Environment("mock", "mock", None, {}, environ)
    return Bot(config, strategies=list(strategies), store="memory", dashboard_port=0, env=env)


async def serving(bot: Bot) -> tuple[asyncio.Task[dict[str, Any]], httpx.AsyncClient]:
    task = await running(bot)
    await until(lambda: bot.dashboard.port is not None)
    url = f"http://127.0.0.1:{bot.dashboard.port}"
    return task, httpx.AsyncClient(base_url=url, trust_env=False)  # no proxy for 127.0.0.1


async def stop(bot: Bot, task: asyncio.Task[dict[str, Any]], client: httpx.AsyncClient) -> None:
    await client.aclose()
    bot.handle.shutdown()
    assert (await task)["phase"] == "stopped"


# ------------------------------------------------------------------ strategy panels
def test_a_panel_keeps_declared_widgets_in_order_and_bounded() -> None:
    clock = iter(range(1_000, 10_000, 1_000))
    panel = StrategyPanel("s1", lambda: next(clock))
    panel.kv("signal")
    panel.series("spread", "Spread (bps)", max_points=3)
    panel.divider("Book")
    panel.table("entries", ["side", "price"], max_rows=2)
    panel.log("notes", max_lines=2)
    assert panel.schema() == [
        {"kind": "kv", "name": "signal", "label": "Signal"},
        {"kind": "series", "name": "spread", "label": "Spread (bps)", "max_points": 3},
        {"kind": "divider", "name": "divider-1", "label": "Book"},
        {"kind": "table", "name": "entries", "label": "Entries", "columns": ["side", "price"]}
        | {"max_rows": 2},
        {"kind": "log", "name": "notes", "label": "Notes", "max_lines": 2},
    ]
    panel.set("signal", "long")
    for k in range(5):
        panel.point("spread", k, ts_ns=k)
    panel.row("entries", ["BUY", Decimal("1.5")])
    panel.row("entries", {"price": Decimal("2")})
    panel.row("entries", ("SELL", 3))
    panel.line("notes", "one")
    panel.line("notes", "two")
    widgets = panel.widgets
    assert widgets["signal"].value == "long"  # type: ignore[attr-defined]
    spread = widgets["spread"]
    assert list(spread.items) == [(2, 2), (3, 3), (4, 4)]  # type: ignore[attr-defined]
    assert spread.total == 5 and spread.since(3) == [(3, 3), (4, 4)]  # type: ignore[attr-defined]
    assert list(widgets["entries"].items) == [(None, Decimal("2")), ("SELL", 3)]  # type: ignore[attr-defined]
    assert list(widgets["notes"].items) == [(1000, "one"), (2000, "two")]  # type: ignore[attr-defined]


def test_a_panel_names_the_declared_widgets_when_an_update_is_wrong() -> None:
    panel = StrategyPanel("s1")
    panel.kv("signal")
    panel.series("spread")
    with pytest.raises(StrategyError, match=r"no widget 'sgnal' \(declared: signal, spread\)"):
        panel.set("sgnal", 1)
    with pytest.raises(StrategyError, match=r"'spread' is a series, not a kv: .* use point"):
        panel.set("spread", 1)
    with pytest.raises(StrategyError, match="a point must be a number, got str"):
        panel.point("spread", "1.5")  # type: ignore[arg-type]
    with pytest.raises(StrategyError, match="'signal' is already declared as a kv"):
        panel.log("signal")
    panel.table("entries", ["side", "price"])
    with pytest.raises(StrategyError, match=r"needs 2 values \(side, price\)"):
        panel.row("entries", ["BUY"])
    with pytest.raises(StrategyError, match=r"no column 'qty' \(columns: side, price\)"):
        panel.row("entries", {"qty": 1})
    with pytest.raises(StrategyError, match="size limit must be an integer >= 1"):
        panel.series("bad", max_points=0)
    for message in ("sgnal", "spread", "already declared", "needs 2 values"):
        assert "\n" not in message


def test_strategy_panel_is_made_lazily_and_stamps_points_with_the_strategy_clock() -> None:
    btc = instrument("BTCUSDT")
    harness = EngineHarness(btc)
    strategy = harness.add_strategy(Panelled(instruments=[str(btc.id)], strategy_id="p"))
    assert strategy.panel is strategy.panel
    harness.start()
    harness.feed(*(quote(btc, 100 + k, 100.5 + k, T0 + k * SECOND) for k in range(3)))
    points = list(strategy.panel.widgets["mid"].items)  # type: ignore[attr-defined]
    assert [ts for ts, _ in points] == [T0, T0 + SECOND, T0 + 2 * SECOND]
    assert strategy.panel.widgets["quotes"].value == 3  # type: ignore[attr-defined]


# --------------------------------------------------------------------- a live bot
async def test_rest_views_equal_the_bot_state() -> None:
    alpha = Panelled(instruments=[BTC], strategy_id="alpha")
    beta = Panelled(instruments=[ETH], strategy_id="beta")
    bot = make_bot(alpha, beta)
    task, client = await serving(bot)
    try:
        await until(lambda: len(alpha.fills) == 3 and len(beta.fills) == 3)
        await until(lambda: InstrumentId(BTC) in bot.dashboard.tape.prices)  # sampled 4x a second
        listed = (await client.get("/api/strategies")).json()
        assert listed["bot"] == "dash" and listed["kind"] == "bot"
        rows = {row["id"]: row for row in listed["strategies"]}
        assert list(rows) == ["alpha", "beta"]
        assert rows["alpha"]["class"] == "Panelled" and rows["alpha"]["instruments"] == [BTC]
        assert rows["alpha"]["position"] == {BTC: "0.003"}
        assert rows["beta"]["position"] == {ETH: "0.003"}
        assert rows["alpha"]["trading"] == "enabled" and rows["alpha"]["open_orders"] == 0

        view = (await client.get("/api/strategies/alpha")).json()
        own = bot.portfolio.position(InstrumentId(BTC), "alpha")
        [row] = view["positions"]
        assert row["quantity"] == "0.003" and Decimal(row["quantity"]) == own.quantity
        # exact when a finite decimal; average cost may leave a Fraction: 18 places then
        assert row["avg_price"] == amount(own.avg_price)  # type: ignore[arg-type]
        assert row["realized_pnl"] == amount(own.realized_pnl)
        assert Decimal(row["fees"]["USDT"]) == sum(f.fee for f in alpha.fills)
        # unrealized PnL is exactly the position's at the mark the view shows
        assert row["unrealized_pnl"] == amount(own.unrealized_pnl(Decimal(row["mark"])))
        pnl = view["pnl"]
        assert pnl["currency"] == "USDT"
        assert Decimal(pnl["total"]) == Decimal(pnl["realized"]) + Decimal(pnl["unrealized"])
        assert [f["trade_id"] for f in view["fills"]] == [f.trade_id for f in reversed(alpha.fills)]
        assert view["fills"][0]["price"] == str(alpha.fills[-1].price)
        assert view["open_orders"] == []
        assert view["risk"] == {
            "state": "enabled",
            "reason": None,
            "cause": None,
            "account": "enabled",
            "denials": {},
        }
        prices = view["prices"][BTC]
        assert len(prices["points"]) >= 1 and len(prices["markers"]) == 3
        assert {m[2] for m in prices["markers"]} == {"BUY"}
        widgets = view["widgets"]
        assert widgets["quotes"]["kind"] == "kv" and widgets["quotes"]["value"] >= 15
        entries = [[n, "BUY", "0.001"] for n in (5, 10, 15)]
        assert widgets["entries"]["items"] == entries
        assert [line[1] for line in widgets["notes"]["items"]][-1] == "bought on quote 15"
        assert 1 <= len(widgets["mid"]["items"]) <= 50
        # every amount is an exact decimal string
        for value in (row["quantity"], row["avg_price"], pnl["realized"], view["fills"][0]["fee"]):
            assert isinstance(value, str)

        health = (await client.get("/api/health")).json()
        assert health["kind"] == "bot" and health["phase"] == "running"
        assert health["services"]["dashboard"]["phase"] == "running"
    finally:
        await stop(bot, task, client)


async def test_unknown_strategies_are_404s_naming_the_known_ones() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"))
    task, client = await serving(bot)
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for response in (
            await client.get("/api/strategies/nope"),
            await client.get("/api/strategies/nope/schema"),
            await client.post("/api/strategies/nope/pause", headers=auth),
            await client.post("/api/cancel_all", params={"strategy": "nope"}, headers=auth),
        ):
            assert response.status_code == 404
            assert response.json() == {
                "error": "no strategy 'nope' (strategies: alpha)",
                "strategies": ["alpha"],
            }
    finally:
        await stop(bot, task, client)


async def test_the_schema_lists_the_default_widgets_then_the_declared_ones() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"))
    task, client = await serving(bot)
    try:
        schema = (await client.get("/api/strategies/alpha/schema")).json()
        assert [w["kind"] for w in schema["defaults"]] == [
            "position",
            "pnl",
            "risk",
            "price_chart",
            "open_orders",
            "fills",
        ]
        assert [(w["kind"], w["name"]) for w in schema["widgets"]] == [
            ("kv", "quotes"),
            ("series", "mid"),
            ("divider", "divider-1"),
            ("table", "entries"),
            ("log", "notes"),
        ]
        assert schema["widgets"][3]["columns"] == ["n", "side", "qty"]
    finally:
        await stop(bot, task, client)


async def test_the_websocket_pushes_every_snapshot_at_least_twice_a_second() -> None:
    alpha = Panelled(instruments=[BTC], strategy_id="alpha")
    bot = make_bot(alpha, Panelled(instruments=[ETH], strategy_id="beta"))
    task, client = await serving(bot)
    try:
        await until(lambda: len(alpha.fills) == 3)
        messages: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        async with websockets.connect(f"ws://127.0.0.1:{bot.dashboard.port}/ws") as ws:
            end = loop.time() + 1.5
            while (left := end - loop.time()) > 0:
                try:
                    messages.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
                except TimeoutError:
                    break
        assert len(messages) >= 3, f"{len(messages)} pushes in 1.5 s"  # 2 a second at least
        first, later = messages[0], messages[1:]
        assert first["full"] and not any(m["full"] for m in later)
        assert first["order"] == ["alpha", "beta"] and set(first["strategies"]) == {"alpha", "beta"}
        assert len(first["strategies"]["alpha"]["prices"][BTC]["markers"]) == 3
        # later pushes carry only what is new: the markers were sent once
        assert all(not m["strategies"]["alpha"]["prices"][BTC]["markers"] for m in later)
        points = sum(len(m["strategies"]["alpha"]["prices"][BTC]["points"]) for m in messages)
        assert points >= len(first["strategies"]["alpha"]["prices"][BTC]["points"]) + 1
        assert first["health"]["phase"] == "running"
    finally:
        await stop(bot, task, client)


async def test_controls_need_the_token_and_go_through_the_bot_commands() -> None:
    alpha = Panelled(instruments=[BTC], strategy_id="alpha")
    bot = make_bot(alpha, Panelled(instruments=[ETH], strategy_id="beta"))
    task, client = await serving(bot)
    responses: list[httpx.Response] = []
    try:
        await until(lambda: len(alpha.fills) == 3)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = await client.post("/api/strategies/alpha/pause", headers=headers)
            responses.append(response)
            assert response.status_code == 401, headers
            assert response.json()["error"].startswith("missing or wrong token")
        assert bot.risk.state("alpha").value == "enabled"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        paused = await client.post("/api/strategies/alpha/pause", headers=auth)
        responses.append(paused)
        assert paused.status_code == 200
        assert paused.json() == {"command": "pause", "strategy": "alpha", "result": "reducing"}
        assert bot.risk.state("alpha").value == "reducing"
        assert bot.risk.state("beta").value == "enabled"
        view = (await client.get("/api/strategies/alpha")).json()
        assert view["risk"]["state"] == "reducing" and view["risk"]["cause"] == "manual"
        resumed = await client.post("/api/strategies/alpha/resume", headers=auth)
        assert resumed.json()["result"] == "enabled" and bot.risk.state("alpha").value == "enabled"
        canceled = await client.post("/api/cancel_all", headers=auth)
        assert canceled.status_code == 200 and canceled.json()["result"] == []
        closed = await client.post("/api/close_all", params={"strategy": "beta"}, headers=auth)
        assert closed.status_code == 200 and len(closed.json()["result"]) == 1
        killed = await client.post("/api/kill", headers=auth)
        responses += [resumed, canceled, closed, killed]
        assert killed.status_code == 200
        assert bot.risk.state().value == "halted"
        await until(lambda: bot.portfolio.position(InstrumentId(BTC)).quantity == 0)
        # nothing the dashboard sends holds the token
        responses += [
            await client.get(path)
            for path in (
                "/",
                "/static/app.js",
                "/static/chart.js",
                "/static/styles.css",
                "/api/strategies",
                "/api/strategies/alpha",
                "/api/strategies/alpha/schema",
                "/api/health",
            )
        ]
        async with websockets.connect(f"ws://127.0.0.1:{bot.dashboard.port}/ws") as ws:
            pushed = await ws.recv()
        for response in responses:
            assert TOKEN not in response.text and TOKEN not in str(response.headers)
            assert TOKEN[10:18] not in response.text
        assert TOKEN not in str(pushed)
    finally:
        await stop(bot, task, client)


async def test_controls_are_disabled_without_a_configured_token() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"), token=None)
    task, client = await serving(bot)
    try:
        for path in ("/api/strategies/alpha/pause", "/api/kill", "/api/close_all"):
            response = await client.post(path, headers={"Authorization": "Bearer anything"})
            assert response.status_code == 403
            assert response.json() == {
                "error": "control is disabled: set TRADEWIND_DASHBOARD_TOKEN"
            }
        assert bot.risk.state("alpha").value == "enabled"
    finally:
        await stop(bot, task, client)


async def test_a_non_loopback_host_without_a_token_is_refused_at_start() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"), token=None, host="0.0.0.0")
    with pytest.raises(ConfigError) as refused:
        await bot.start()
    message = str(refused.value)
    assert "dashboard host '0.0.0.0'" in message and "TRADEWIND_DASHBOARD_TOKEN" in message
    assert "\n" not in message and bot.phase == "failed"
    with pytest.raises(ConfigError, match="reachable from other machines"):
        check_exposure("192.168.1.20", None)
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_exposure(host, None)
    check_exposure("0.0.0.0", Secret("a token"))  # with a token: allowed


async def test_foreign_host_names_and_cross_site_websockets_are_turned_away() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"))
    task, client = await serving(bot)
    try:
        rebound = await client.get("/api/strategies", headers={"Host": "evil.example:80"})
        assert rebound.status_code == 400 and "Host" in rebound.json()["error"]
        assert (await client.get("/", headers={"Host": "localhost"})).status_code == 200
        url = f"ws://127.0.0.1:{bot.dashboard.port}/ws"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url, origin="http://evil.example") as ws:
                await ws.recv()
        async with websockets.connect(url, origin=f"http://127.0.0.1:{bot.dashboard.port}") as ws:
            assert json.loads(await ws.recv())["type"] == "snapshot"
    finally:
        await stop(bot, task, client)


async def test_the_dashboard_stops_listening_when_the_bot_stops() -> None:
    bot = make_bot(Panelled(instruments=[BTC], strategy_id="alpha"))
    task, client = await serving(bot)
    port = bot.dashboard.port
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
        await ws.recv()
        await stop(bot, task, client)
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            for _ in range(20):
                await asyncio.wait_for(ws.recv(), 2)
    assert bot.summary()["services"]["dashboard"]["phase"] == "stopped"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


async def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        dashboard = Dashboard(ReplaySource("r"))
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port} .*choose"):
            await dashboard.serve("127.0.0.1", port)


def test_the_page_is_served_from_the_package_with_no_outside_address() -> None:
    names = sorted(p.name for p in STATIC.iterdir())
    assert names == ["app.js", "chart.js", "index.html", "styles.css"]
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path.name
    assert PUSH_EVERY_S <= 0.5


# ------------------------------------------------------------------ a paced replay
async def test_a_paced_replay_serves_its_state_and_refuses_commands(tmp_path: Path) -> None:
    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 200)  # 20 s
    strategy = Panelled(instruments=["BTCUSDT.SIM"], strategy_id="replayed")
    source = ReplaySource("replay test", speed=40.0)
    dashboard = Dashboard(source, Secret(TOKEN))
    server = asyncio.ensure_future(dashboard.serve("127.0.0.1", 0))
    await until(lambda: dashboard.port is not None)
    result: dict[str, BacktestResult] = {}

    def replay() -> None:
        result["run"] = run_backtest(
            strategy,
            [data],
            instruments=[instrument("BTCUSDT")],
            speed=40.0,
            on_built=source.built,
        )
        source.finished()

    worker = threading.Thread(target=replay)
    url = f"http://127.0.0.1:{dashboard.port}"
    async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
        try:
            assert (await client.get("/api/strategies")).json()["strategies"] == []
            assert (await client.get("/api/health")).json()["phase"] == "loading"
            worker.start()
            await until(lambda: source.phase == "running")
            await until(lambda: InstrumentId("BTCUSDT.SIM") in dashboard.tape.prices)
            listed = (await client.get("/api/strategies")).json()
            assert listed["kind"] == "replay" and listed["strategies"][0]["id"] == "replayed"
            auth = {"Authorization": f"Bearer {TOKEN}"}
            refused = await client.post("/api/strategies/replayed/pause", headers=auth)
            assert refused.status_code == 409
            assert "not available in a replay" in refused.json()["error"]
            assert (await client.post("/api/kill")).status_code == 409
            await until(lambda: source.phase == "finished", 15)
            view = (await client.get("/api/strategies/replayed")).json()
        finally:
            if worker.is_alive():
                await asyncio.to_thread(worker.join, 15)
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
    run = result["run"]
    own = run.portfolio.position(InstrumentId("BTCUSDT.SIM"), "replayed")
    assert view["positions"][0]["quantity"] == "0.003" and Decimal("0.003") == own.quantity
    assert view["positions"][0]["realized_pnl"] == amount(own.realized_pnl)
    assert len(view["fills"]) == len(run.fills) == 3
    assert view["widgets"]["quotes"]["value"] == 200
    assert dashboard.port is None  # it stopped listening


def test_tradewind_replay_serves_the_dashboard_while_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradewind import cli

    data = write_quotes(tmp_path / "q.csv", ["BTCUSDT"], T0, 100 * MILLISECOND, 200)  # 20 s
    argv = ["replay", "--strategy", "ma_crossover", "--data", f"BTCUSDT={data}"]
    assert cli.main([*argv, "--dashboard", "0"]) == 2
    assert "--dashboard shows a replay as it runs: add --realtime" in capsys.readouterr().err
    codes: list[int] = []
    out = ["--out", str(tmp_path / "out")]
    paced = [*argv, "--realtime", "--speed", "10", "--dashboard", "0", *out]
    worker = threading.Thread(target=lambda: codes.append(cli.main(paced)))
    worker.start()
    try:
        text = ""
        for _ in range(200):
            text += capsys.readouterr().err
            if "dashboard: http://127.0.0.1:" in text:
                break
            threading.Event().wait(0.02)
        port = int(text.split("dashboard: http://127.0.0.1:")[1].split("/")[0])
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            health = client.get("/api/health").json()
            assert health["kind"] == "replay" and health["speed"] == 10.0
            refused = client.post("/api/kill")
            assert refused.status_code == 409 and "replay" in refused.json()["error"]
    finally:
        worker.join(20)
    assert codes == [0]
    assert (tmp_path / "out" / "summary.json").exists()
