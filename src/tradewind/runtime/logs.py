"""The bot's logs: key=value or JSON lines with bot/strategy/order ids, secrets redacted.

``configure_logging`` replaces the root handlers with ones writing a line per record: ``text``
(``2026-11-21T08:30:00.123Z INFO tradewind.bot msg="bot started" bot=demo run=3``, for
people) or ``json`` (one object a line: ``ts``, ``level``, ``logger``, ``msg``, every context
key). Context keys come from ``extra=``, from ``log_context(...)``/``bind_bot(name)``
(contextvars: a bot's tasks inherit them) and, inside a supervised service, ``service``.
Redacted everywhere (message, arguments, extras, tracebacks — and, through the log record
factory, even for handlers a library installs): the registered secrets and every
secret-named environment variable (raw, URL-encoded, base64, escaped, any 8+ character
piece), and credentials after a well-known key (``signature=``, ``X-MBX-APIKEY:``,
``password=``, ``Bearer``, a URL's ``user:password@``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from tradewind.errors import ConfigError
from tradewind.model.events import OrderDenied
from tradewind.runtime.env import Secret, is_secret_name

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
PIECE = 8
"""Any piece of a secret this long (or longer) is redacted too."""
_STANDARD = {*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime"}
_STANDARD.add("taskName")  # Python 3.12+
_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("tradewind_log")
_NAMES = r"signature|api[_-]?key|api[_-]?secret|secret[_-]?key|password|passwd|passphrase|token"
_HEADERS = r"x-mbx-apikey|x-api-key|authorization"
_PATTERNS = (  # (pattern, replacement): credentials that follow a well-known key
    (re.compile(rf"(?i)\b({_NAMES}|access[_-]?token|listen[_-]?key)=[^\s&\"',;}})\]]+"), r"\1=***"),
    (
        re.compile(rf"(?i)([\"'](?:{_NAMES}|{_HEADERS})[\"']\s*:\s*)([\"'])(?:(?!\2).)*\2"),
        r"\1\2***\2",
    ),
    (re.compile(rf"(?i)\b({_HEADERS})(\s*:\s*)(bearer |basic )?[^\s\"',;]+"), r"\1\2\3***"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), r"\1***@"),
)


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
    found = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}
    first = {k: found.pop(k) for k in FIRST_KEYS if k in found}
    return {**first, **found}


# ------------------------------------------------------------------- redaction
class SecretRedactor(logging.Filter):
    """Replaces secrets in a record's message, arguments, extras and traceback with ``***``."""

    def __init__(self, secrets: Iterable[str | Secret] = ()) -> None:
        super().__init__()
        self._whole: set[str] = set()  # short forms, replaced whole
        self._pieces: set[str] = set()  # every PIECE-long piece of a long form
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | Secret, minimum: int = 4) -> None:
        """Redact ``secret`` (values shorter than ``minimum`` would hide ordinary words)."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) < minimum:
            return
        raw = value.encode()
        forms = {value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1]}
        forms.add(json.dumps(value)[1:-1])
        for skip in range(3):  # base64 of the value at each alignment covers its pieces too
            forms.add(base64.b64encode(raw[skip:]).decode().rstrip("="))
            forms.add(base64.urlsafe_b64encode(raw[skip:]).decode().rstrip("="))
        for form in forms:
            if len(form) < PIECE:
                self._whole.add(form)
            else:
                self._pieces.update(form[i : i + PIECE] for i in range(len(form) - PIECE + 1))

    def redact(self, text: str) -> str:
        """``text`` with every secret, piece of one and well-known credential as ``***``."""
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        for form in self._whole:
            text = text.replace(form, "***")
        pieces = self._pieces
        spans: list[list[int]] = []  # merged [start, end) runs of secret pieces
        for i in range(len(text) - PIECE + 1):
            if text[i : i + PIECE] in pieces:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + PIECE
                else:
                    spans.append([i, i + PIECE])
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], "***"]
            last = end
        return "".join(out) + text[last:] if spans else text

    def scrub(self, record: logging.LogRecord) -> None:
        """Render and redact the message (arguments merged in) and any traceback."""
        try:
            message = record.getMessage()
        except Exception as exc:  # never let logging's error report print the raw arguments
            message = f"{record.msg} (bad log arguments: {type(exc).__name__})"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)

    def filter(self, record: logging.LogRecord) -> bool:
        found = record.__dict__
        if not found.get("_redacted"):
            if not found.get("_scrubbed"):
                self.scrub(record)
            for key in context_keys(record):
                value = found[key]
                if value is not None and not isinstance(value, bool | int | float | Decimal):
                    found[key] = self.redact(str(value))
            found["_redacted"] = True
        return True


_redactor: SecretRedactor | None = None
_installed: list[logging.Handler] = []
_plain_records = logging.getLogRecordFactory()


def _active() -> SecretRedactor:
    global _redactor
    if _redactor is None:
        _redactor = SecretRedactor()
        for value in environment_secrets():
            _redactor.add(value, minimum=6)
    return _redactor


def redact(text: str) -> str:
    """``text`` redacted as the logs are (for errors shown outside the logs, e.g. a summary)."""
    return _active().redact(text)


def environment_secrets() -> list[str]:
    """Values of this process's secret-named variables (not short ones, nor paths to files)."""
    found = []
    for name, value in os.environ.items():
        if is_secret_name(name) and len(value) >= 6 and not os.path.exists(value):
            found.append(value)
    return found


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every record, whoever handles it (a library's own handler too), is scrubbed."""
    record = _plain_records(*args, **kwargs)
    _active().scrub(record)
    record.__dict__["_scrubbed"] = True
    return record


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
    global _redactor, _plain_records
    name = logging.getLevelName(level) if isinstance(level, int) else str(level).upper()
    if name not in LEVELS:
        raise ConfigError(f"log level {level!r} is unknown: use one of {', '.join(LEVELS)}")
    if fmt not in ("text", "json"):
        raise ConfigError(f"log format {fmt!r} is unknown: use text or json")
    _redactor = None
    redactor = _active()
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
    if logging.getLogRecordFactory() is not _redacted_record:
        _plain_records = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacted_record)
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
