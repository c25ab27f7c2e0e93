"""The bot's logs: key=value or JSON lines with bot/strategy/order ids, secrets redacted.

``configure_logging`` replaces the root handlers with ones writing a line per record: ``text``
(``2026-11-21T08:30:00.123Z INFO tradewind.bot msg="bot started" bot=demo run=3``, for
people) or ``json`` (one object a line: ``ts``, ``level``, ``logger``, ``msg``, every context
key). Context keys come from ``extra=``, from ``log_context(...)``/``bind_bot(name)``
(contextvars: a bot's tasks inherit them) and, inside a supervised service, ``service``.
Redacted everywhere (message, arguments, extras, tracebacks — and, through the log record
factory, even for handlers a library installs) by ``tradewind.runtime.redaction``: the
registered secrets and every secret-named environment variable (raw, URL-encoded, base64,
escaped, any 8+ character piece), and credentials after a well-known key (``signature=``,
``X-MBX-APIKEY:``, ``password=``, ``Bearer``, a URL's ``user:password@``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tradewind.errors import ConfigError
from tradewind.model.events import OrderDenied
from tradewind.runtime.env import Secret
from tradewind.runtime.redaction import (
    SecretRedactor,
    record_extras,
    redact,
    redact_every_record,
    renew_redactor,
)
from tradewind.runtime.redaction import environment_secrets as environment_secrets

if TYPE_CHECKING:
    from tradewind.model.events import Fill
    from tradewind.model.orders import Order
    from tradewind.runtime.bot import Bot

__all__ = [
    "JsonFormatter",
    "SecretRedactor",
    "TextFormatter",
    "attach_order_log",
    "bind_bot",
    "configure_logging",
    "log_context",
    "redact",
]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FIRST_KEYS = ("bot", "strategy", "instrument", "order", "venue_order", "venue", "service")
"""Context keys shown first, in this order; the others follow as given."""
_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("tradewind_log")
_installed: list[logging.Handler] = []


# --------------------------------------------------------------------- context
@contextlib.contextmanager
def log_context(**keys: Any) -> Iterator[None]:
    """Add ``keys`` to every log line written inside the block (and tasks started there)."""
    token = _CONTEXT.set({**_CONTEXT.get({}), **keys})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_bot(name: str) -> contextvars.Token[dict[str, Any]]:
    """From now on in this context (and tasks started from it) every line carries ``bot``."""
    return _CONTEXT.set({**_CONTEXT.get({}), "bot": name})


def _service() -> str | None:
    """The supervised service running now (its task is named ``supervisor:<name>``)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop in this thread
        return None
    name = task.get_name() if task is not None else ""
    return name[11:] if name.startswith("supervisor:") else None


class _AddContext(logging.Filter):
    """Adds the contextvars keys, ``service`` and the default ``bot`` (extras win)."""

    def __init__(self, bot: str | None) -> None:
        super().__init__()
        self.bot = bot

    def filter(self, record: logging.LogRecord) -> bool:
        found = record.__dict__
        for key, value in _CONTEXT.get({}).items():
            found.setdefault(key, value)
        if "service" not in found and (service := _service()) is not None:
            found["service"] = service
        if self.bot is not None:
            found.setdefault("bot", self.bot)
        return True


def context_keys(record: logging.LogRecord) -> dict[str, Any]:
    """A record's context keys (its extras), the well-known ids first."""
    found = record_extras(record)
    first = {k: found.pop(k) for k in FIRST_KEYS if k in found}
    return {**first, **found}


# ------------------------------------------------------------------ formatting
def _timestamp(record: logging.LogRecord) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{stamp}.{int(record.msecs):03d}Z"


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if not text or any(c in text for c in ' ="\n\r\t\\'):
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    """``<ts> LEVEL logger msg="..." key=value ...``; a traceback follows, indented."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.name]
        parts.append(f"msg={_text_value(record.getMessage())}")
        parts.extend(f"{k}={_text_value(v)}" for k, v in context_keys(record).items())
        line = " ".join(parts)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for block in (record.exc_text, record.stack_info):
            if block:
                line += "\n" + "\n".join("    " + row for row in block.splitlines())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``ts``, ``level``, ``logger``, ``msg``, context keys, ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": _timestamp(record), "level": record.levelname}
        out.update(logger=record.name, msg=record.getMessage())
        for key, value in context_keys(record).items():
            out.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler[Any]):
    """Writes to ``sys.stderr`` as it is at each line (test runners swap it)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def configure_logging(
    level: str | int = "WARNING",
    fmt: str = "text",
    path: str | Path | None = None,
    *,
    bot: str | None = None,
    secrets: Iterable[str | Secret] = (),
    stream: IO[str] | None = None,
) -> list[logging.Handler]:
    """Replace the root handlers: ``stream`` (default stderr) and, with ``path``, a file
    rotated daily; every line in ``fmt`` (``text`` or ``json``), carrying ``bot`` when given,
    secrets redacted. Returns the handlers installed."""
    name = logging.getLevelName(level) if isinstance(level, int) else str(level).upper()
    if name not in LEVELS:
        raise ConfigError(f"log level {level!r} is unknown: use one of {', '.join(LEVELS)}")
    if fmt not in ("text", "json"):
        raise ConfigError(f"log format {fmt!r} is unknown: use text or json")
    redactor = renew_redactor()
    for secret in secrets:
        redactor.add(secret)
    handlers: list[logging.Handler] = [logging.StreamHandler(stream) if stream else _Stderr()]
    if path is not None:
        file = Path(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(
                TimedRotatingFileHandler(file, when="midnight", utc=True, encoding="utf-8")
            )
        except OSError as exc:
            raise ConfigError(f"[log] path {file}: cannot be written ({exc}): fix it") from None
    formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    for handler in handlers:
        handler.addFilter(_AddContext(bot))
        handler.addFilter(redactor)
        handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for old in _installed:
        old.close()
    _installed[:] = handlers
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(name)
    redact_every_record()
    return handlers


# ------------------------------------------------------------------- order log
_orders = logging.getLogger("tradewind.orders")


def _event_name(event: object) -> str:
    """``OrderPendingCancel`` -> ``pending cancel``."""
    name = type(event).__name__.removeprefix("Order")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _order_keys(bot: str, order: Order) -> dict[str, Any]:
    instrument = str(order.instrument_id)
    keys = {"bot": bot, "strategy": str(order.strategy_id), "instrument": instrument}
    keys.update(order=str(order.client_order_id), venue=instrument.rpartition(".")[2])
    if order.venue_order_id:
        keys["venue_order"] = order.venue_order_id
    keys["status"] = order.status.value
    return keys


def attach_order_log(bot: Bot) -> None:
    """Log every order event of ``bot`` (DEBUG; INFO for fills, rejections and denials) with
    its ids; also binds the bot's name to the current context, so the services started after
    this (and their restarts) log with ``bot=<name>``."""
    bind_bot(bot.name)
    name = bot.name

    def on_order(order: Order, event: object) -> None:
        loud = isinstance(event, OrderDenied) or type(event).__name__.endswith("Rejected")
        level = logging.INFO if loud else logging.DEBUG
        if not _orders.isEnabledFor(level):
            return
        keys = _order_keys(name, order)
        if reason := getattr(event, "reason", None):
            keys["reason"] = reason
        what = f"{order.side.value} {order.quantity} {order.instrument_id}"
        if message := getattr(event, "message", None):
            what += f" ({message})"
        _orders.log(level, "order %s: %s", _event_name(event), what, extra=keys)

    def on_fill(fill: Fill, order: Order) -> None:
        if not _orders.isEnabledFor(logging.INFO):
            return
        keys = _order_keys(name, order)
        keys.update(trade=fill.trade_id, fee=fill.fee, fee_currency=fill.fee_currency)
        what = f"{fill.side.value} {fill.quantity} {fill.instrument_id} @ {fill.price}"
        _orders.info("fill: %s", what, extra=keys)

    bot.engine.add_order_listener(on_order)
    bot.engine.add_fill_listener(on_fill)
