"""Structured logs: text and JSON lines that parse back, the bot's ids on every line (strategy
log, order log of a real bot, supervised services), and secrets redacted in every form."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from decimal import Decimal
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from tradewind import Bot, ConfigError
from tradewind.model import QuoteTick
from tradewind.runtime import redaction
from tradewind.runtime.env import Secret
from tradewind.runtime.logs import bind_bot, configure_logging, log_context, redact
from tradewind.runtime.supervisor import RestartPolicy, Supervisor
from tradewind.strategy import Strategy, StrategyParams

BTC = "BTCUSDT.SIM"
SECRET = "TWCANARY-5f0c2a9e-77d1-4b0e-9a51-3c6f2d8e1b47"
LINE = re.compile(r"^(\S+) (DEBUG|INFO|WARNING|ERROR) (\S+) (.*)$")
PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)(?: |$)')


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    redaction._redactor = None  # the next user rebuilds it from its own environment
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def capture(level: str = "DEBUG", fmt: str = "text", **kw: Any) -> io.StringIO:
    out = io.StringIO()
    configure_logging(level, fmt, stream=out, **kw)
    return out


def parse_text(line: str) -> dict[str, Any]:
    """A text line back into its fields; fails unless the whole line is well formed."""
    match = LINE.match(line)
    assert match, line
    fields: dict[str, Any] = {"ts": match[1], "level": match[2], "logger": match[3]}
    rest, pos = match[4], 0
    while pos < len(rest):
        pair = PAIR.match(rest, pos)
        assert pair, f"not key=value at {rest[pos:]!r}"
        value = pair[2]
        fields[pair[1]] = json.loads(value) if value.startswith('"') else value
        pos = pair.end()
    return fields


def lines(out: io.StringIO) -> list[str]:
    return [line for line in out.getvalue().splitlines() if not line.startswith("    ")]


# ------------------------------------------------------------------- formats
def test_text_lines_parse_back_with_every_key() -> None:
    out = capture(bot="demo")
    log = logging.getLogger("tradewind.bot")
    log.info("bot started", extra={"run": 3})
    log.warning("odd = value", extra={"strategy": "s 1", "order": "demo-3-7", "empty": ""})
    first, second = (parse_text(line) for line in lines(out))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert first == {**first, "level": "INFO", "logger": "tradewind.bot", "msg": "bot started"}
    assert first["bot"] == "demo" and first["run"] == "3"
    assert 'msg="bot started" bot=demo run=3' in out.getvalue()
    assert second["msg"] == "odd = value" and second["strategy"] == "s 1"
    assert second["order"] == "demo-3-7" and second["empty"] == "" and second["bot"] == "demo"


def test_json_lines_parse_back_with_every_key() -> None:
    out = capture(fmt="json", bot="demo")
    extra = {"strategy": "s1", "instrument": BTC, "qty": Decimal("0.010"), "n": 2}
    logging.getLogger("tradewind.x").info('say "%s"', "hi\nthere", extra=extra)
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "tradewind.x"
    assert record["msg"] == 'say "hi\nthere"' and record["ts"].endswith("Z")
    assert record["bot"] == "demo" and record["strategy"] == "s1" and record["instrument"] == BTC
    assert record["qty"] == "0.010" and record["n"] == 2


def test_exceptions_fold_into_the_record_in_both_formats() -> None:
    for fmt in ("text", "json"):
        out = capture(fmt=fmt)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("tradewind.x").exception("failed", extra={"order": "o-1"})
        text = out.getvalue()
        if fmt == "json":
            (line,) = text.splitlines()
            record = json.loads(line)
            assert record["order"] == "o-1" and "ValueError: boom" in record["exc"]
        else:
            first, *rest = text.splitlines()
            assert parse_text(first)["order"] == "o-1"
            assert rest[0] == "    Traceback (most recent call last):"
            assert rest[-1] == "    ValueError: boom" and all(r.startswith("    ") for r in rest)


def test_file_output_is_written_and_rotated_daily(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "bot.log"
    handlers = configure_logging("INFO", "json", path, stream=io.StringIO())
    logging.getLogger("tradewind.x").info("to the file")
    for handler in handlers:
        handler.flush()
    (rotating,) = [h for h in handlers if isinstance(h, TimedRotatingFileHandler)]
    assert rotating.when == "MIDNIGHT"
    assert json.loads(path.read_text().splitlines()[0])["msg"] == "to the file"


def test_unknown_level_or_format_is_one_line_config_error() -> None:
    with pytest.raises(ConfigError, match="log level 'LOUD' is unknown: use one of DEBUG"):
        configure_logging("LOUD")
    with pytest.raises(ConfigError, match="log format 'xml' is unknown: use text or json"):
        configure_logging("INFO", "xml")


# ------------------------------------------------------------------- context
async def test_log_context_and_bind_bot_reach_lines_of_tasks_started_inside() -> None:
    out = capture()
    log = logging.getLogger("tradewind.x")

    async def child() -> None:
        log.info("from a task")

    async def bot_main() -> None:
        bind_bot("b1")
        with log_context(strategy="s1"):
            await asyncio.create_task(child())
        log.info("after the block")

    await asyncio.create_task(bot_main())
    log.info("outside the bot")
    inside, after, outside = (parse_text(line) for line in lines(out))
    assert inside["bot"] == "b1" and inside["strategy"] == "s1"
    assert after["bot"] == "b1" and "strategy" not in after
    assert "bot" not in outside


async def test_supervised_service_restart_lines_carry_service_and_bot() -> None:
    out = capture()
    crashed = asyncio.Event()

    async def flaky() -> None:
        if not crashed.is_set():
            crashed.set()
            raise RuntimeError("feed dropped")
        await asyncio.Event().wait()

    async def bot_main() -> None:
        bind_bot("b2")
        supervisor = Supervisor()
        supervisor.add("feed:SIM", flaky, RestartPolicy(base_s=0.0))
        supervisor.start()
        await crashed.wait()
        await asyncio.sleep(0.05)
        await supervisor.shutdown(1.0)

    await asyncio.create_task(bot_main())
    found = [parse_text(line) for line in lines(out)]
    crash = next(f for f in found if f["msg"].startswith("service feed:SIM crashed"))
    restart = next(f for f in found if "restarts in" in f["msg"])
    for line in (crash, restart):
        assert line["service"] == "feed:SIM" and line["bot"] == "b2"
    assert "RuntimeError: feed dropped" in out.getvalue()


# ---------------------------------------------------------- a real bot's lines
class Talker(Strategy[StrategyParams]):
    """Says hello on start, buys a lot on every 5th quote and one far too big on the 7th."""

    def on_start(self) -> None:
        self.n = 0
        self.log.info("hello from %s", self.id)
        self.subscribe_quotes(BTC)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        if self.n % 5 == 0:
            self.buy(quote.instrument_id, Decimal("0.001"))
        if self.n == 7:
            self.buy(quote.instrument_id, Decimal("100"))


async def test_strategy_and_order_log_lines_of_a_real_bot_carry_its_ids() -> None:
    out = capture(fmt="json")
    bot = (
        Bot.builder("logbot")
        .mock_venue("SIM", rate_hz=200, seed=3, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .strategy(Talker(instruments=[BTC], strategy_id="talker"))
        .risk({"max_order_notional": "10000"})
        .store("memory")
        .options(shutdown_timeout="5s")
        .build()
    )
    task = asyncio.create_task(bot.run_until_shutdown(install_signals=False))
    end = asyncio.get_running_loop().time() + 10
    while bot.phase != "stopped" and not (bot.phase == "running" and bot.summary()["fills"] >= 2):
        assert asyncio.get_running_loop().time() < end, bot.error
        await asyncio.sleep(0.01)
    bot.handle.shutdown()
    await task
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    hello = next(r for r in records if r["msg"] == "hello from talker")
    assert hello["strategy"] == "talker" and hello["bot"] == "logbot"
    assert hello["logger"] == "tradewind.strategy.talker"
    orders = [r for r in records if r["logger"] == "tradewind.orders"]
    ids = {"bot": "logbot", "strategy": "talker", "instrument": BTC, "venue": "SIM"}
    for record in orders:
        assert record == {**record, **ids} and record["order"].startswith("logbot-")
    submitted = next(r for r in orders if r["msg"].startswith("order submitted: BUY 0.001"))
    assert submitted["level"] == "DEBUG" and submitted["status"] == "SUBMITTED"
    accepted = next(r for r in orders if r["msg"].startswith("order accepted"))
    assert accepted["venue_order"] and accepted["order"] == submitted["order"]
    fill = next(r for r in orders if r["msg"].startswith("fill: BUY 0.001 BTCUSDT.SIM @ "))
    assert fill["level"] == "INFO" and fill["trade"] and fill["venue_order"]
    denied = next(r for r in orders if r["msg"].startswith("order denied: BUY 100"))
    assert denied["level"] == "INFO" and denied["reason"] and denied["status"] == "DENIED"
    started = next(r for r in records if r["msg"] == "bot started")
    assert started["bot"] == "logbot"
    engine_lines = [r for r in orders if r.get("service") == "engine"]
    assert engine_lines, "order events are handled inside the supervised engine service"


async def test_order_log_writes_nothing_below_its_level() -> None:
    out = capture("WARNING", "json")
    bot = (
        Bot.builder("quiet")
        .mock_venue("SIM", rate_hz=200, seed=3, latency_ms=1)
        .instrument(BTC, tick="0.01", lot="0.001", price=60000)
        .strategy(Talker(instruments=[BTC], strategy_id="talker"))
        .store("memory")
        .options(shutdown_timeout="5s")
        .build()
    )
    task = asyncio.create_task(bot.run_until_shutdown(install_signals=False))
    end = asyncio.get_running_loop().time() + 10
    while not (bot.phase == "running" and bot.summary()["fills"] >= 1):
        assert asyncio.get_running_loop().time() < end, bot.error
        await asyncio.sleep(0.01)
    bot.handle.shutdown()
    await task
    assert "tradewind.orders" not in out.getvalue()


# ----------------------------------------------------------------- redaction
def _b64(text: str, url: bool = False) -> str:
    encode = base64.urlsafe_b64encode if url else base64.b64encode
    return encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("call", "leak"),
    [
        (lambda log: log.info("key %s", SECRET), SECRET),
        (lambda log: log.info("key " + SECRET), SECRET),
        (lambda log: log.info("url ?k=%s", quote(SECRET, safe="")), quote(SECRET, safe="")),
        (lambda log: log.info("form %s", quote_plus(SECRET)), quote_plus(SECRET)),
        (lambda log: log.info("b64 %s", _b64(SECRET)), _b64(SECRET)),
        (lambda log: log.info("b64url %s", _b64(SECRET, url=True)), _b64(SECRET, url=True)),
        (lambda log: log.info("uuid %s", SECRET[9:]), SECRET[9:]),
        (lambda log: log.info("piece <%s>", SECRET[20:28]), SECRET[20:28]),
        (lambda log: log.info("cfg %s", {"exchange": {"key": SECRET}}), SECRET),
        (lambda log: log.info("cfg %r", [SECRET]), SECRET),
        (lambda log: log.info("%s", ValueError(f"bad key {SECRET}")), SECRET),
        (lambda log: log.info("extra", extra={"venue": {"key": SECRET}}), SECRET),
        (lambda log: log.info("extra", extra={"note": SECRET[3:30]}), SECRET[3:30]),
    ],
)
def test_a_registered_secret_is_redacted_in_every_form(call: Any, leak: str) -> None:
    for fmt in ("text", "json"):
        out = capture(fmt=fmt, secrets=[Secret(SECRET)])
        call(logging.getLogger("tradewind.x"))
        text = out.getvalue()
        assert text and "***" in text
        assert leak not in text and SECRET[9:17] not in text and SECRET[-8:] not in text


def test_a_secret_with_special_characters_is_redacted_escaped_or_encoded() -> None:
    odd = "p+a/s=s'w\\o\"rd&42"
    out = capture(fmt="json", secrets=[odd])
    log = logging.getLogger("tradewind.x")
    log.info("url %s form %s", quote(odd, safe=""), quote_plus(odd))
    log.info("repr %r json %s", odd, json.dumps({"k": odd}))
    text = out.getvalue()
    first, second = (json.loads(line)["msg"] for line in text.splitlines())
    assert first == "url *** form ***" and second == 'repr \'***\' json {"k": "***"}'


def test_a_secret_in_an_exception_or_a_log_context_is_redacted(capsys: Any) -> None:
    out = capture(fmt="json", secrets=[SECRET])
    with log_context(api=SECRET):
        try:
            raise RuntimeError(f"venue refused key {SECRET}")
        except RuntimeError:
            logging.getLogger("tradewind.x").exception("login failed")
    record = json.loads(out.getvalue())
    assert record["api"] == "***" and "RuntimeError: venue refused key ***" in record["exc"]
    assert SECRET[9:] not in out.getvalue() + capsys.readouterr().err


def test_bad_log_arguments_never_print_the_raw_arguments(capsys: Any) -> None:
    out = capture(secrets=[SECRET])
    logging.getLogger("tradewind.x").info("%d orders", SECRET)
    assert parse_text(lines(out)[0])["msg"] == "%d orders (bad log arguments: TypeError)"
    assert SECRET[9:17] not in out.getvalue() + capsys.readouterr().err


def test_secret_named_environment_variables_are_redacted(monkeypatch: Any) -> None:
    monkeypatch.setenv("BINANCE_API_SECRET", SECRET)
    monkeypatch.setenv("KEYTIMEOUT", "1")  # too short to be a secret: "1" stays readable
    out = capture()
    logging.getLogger("tradewind.x").info("signing with %s, 1 order", SECRET)
    assert parse_text(lines(out)[0])["msg"] == "signing with ***, 1 order"
    assert redact(f"again {SECRET}") == "again ***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /api/v3/order?symbol=BTCUSDT&signature=9f8e7d6c", "symbol=BTCUSDT&signature=***"),
        ("X-MBX-APIKEY: vmPUZE6mv9SD5VNH", "X-MBX-APIKEY: ***"),
        ("headers {'X-MBX-APIKEY': 'vmPUZE6mv9SD5VNH'}", "{'X-MBX-APIKEY': '***'}"),
        ("apiKey=vmPUZE6mv9SD5VNH&timestamp=1", "apiKey=***&timestamp=1"),
        ("login password=hunter22 ok", "login password=*** ok"),
        ('{"password": "correct horse"}', '{"password": "***"}'),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30", "Authorization: Bearer ***"),
        ("postgresql://trader:s3cr3t@db:5432/tw", "postgresql://trader:***@db:5432/tw"),
    ],
)
def test_well_known_credentials_are_always_redacted(text: str, expected: str) -> None:
    out = capture()
    logging.getLogger("tradewind.x").info(text)
    assert expected in parse_text(lines(out)[0])["msg"]


def test_a_handler_a_library_installs_gets_redacted_records_too() -> None:
    capture(secrets=[SECRET])
    theirs, library = io.StringIO(), logging.getLogger("uvicorn.like")
    handler = logging.StreamHandler(theirs)
    library.addHandler(handler)
    library.propagate = False
    try:
        try:
            raise ValueError(f"bad key {SECRET}")
        except ValueError:
            library.exception("Exception in ASGI application: %s", SECRET)
    finally:
        library.removeHandler(handler)
    text = theirs.getvalue()
    assert "Exception in ASGI application: ***" in text and "ValueError: bad key ***" in text
    assert SECRET[9:17] not in text


def test_ordinary_text_is_not_redacted() -> None:
    out = capture(secrets=[SECRET])
    text = (
        "password must be set; key=value pairs; the signature is valid; Authorization header "
        "missing; postgresql://localhost/tw; a canary; order demo-3-17 filled 0.001 @ 60000.00"
    )
    logging.getLogger("tradewind.x").info(text)
    assert parse_text(lines(out)[0])["msg"] == text


async def test_a_crash_message_holding_a_secret_is_redacted_in_health() -> None:
    import io

    from tradewind.runtime.logs import configure_logging
    from tradewind.runtime.supervisor import Restart, RestartPolicy, Supervisor

    canary = "TWCANARY-4f1c2b9e7a6d"
    configure_logging("WARNING", "text", secrets=[canary], stream=io.StringIO())

    async def leaky() -> None:
        raise PermissionError(f"venue refused key {canary}")

    supervisor = Supervisor()
    supervisor.add("leaky", leaky, RestartPolicy(restart=Restart.NEVER))
    supervisor.start()
    await supervisor.join("leaky")
    error = supervisor.health()["leaky"]["last_error"]
    assert "PermissionError: venue refused key ***" in error
    assert canary[:8] not in error and canary[-8:] not in error
