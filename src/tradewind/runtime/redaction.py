"""Secret redaction: registered secrets, secret-named environment variables and credentials.

A ``SecretRedactor`` replaces with ``***`` every registered secret (raw, URL-encoded, base64,
escaped, any 8+ character piece) and credentials after a well-known key (``signature=``,
``X-MBX-APIKEY:``, ``password=``, ``Bearer``, a URL's ``user:password@``). One active redactor
serves the logs (``tradewind.runtime.logs``) and ``redact`` (errors shown outside the logs); it
starts with this process's secret-named environment variables.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

from tradewind.runtime.env import Secret, is_secret_name

__all__ = ["SecretRedactor", "environment_secrets", "redact"]

PIECE = 8
"""Any piece of a secret this long (or longer) is redacted too."""
_STANDARD = {*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime"}
_STANDARD.add("taskName")  # Python 3.12+
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


def record_extras(record: logging.LogRecord) -> dict[str, Any]:
    """A record's extras: what it carries besides logging's own attributes (and ``_`` names)."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}


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
            for key in record_extras(record):
                value = found[key]
                if value is not None and not isinstance(value, bool | int | float | Decimal):
                    found[key] = self.redact(str(value))
            found["_redacted"] = True
        return True


_redactor: SecretRedactor | None = None
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


def renew_redactor() -> SecretRedactor:
    """A new active redactor (the secrets registered so far forgotten), from the environment."""
    global _redactor
    _redactor = None
    return _active()


def redact_every_record() -> None:
    """Install the record factory that scrubs every record, once (later calls do nothing)."""
    global _plain_records
    if logging.getLogRecordFactory() is not _redacted_record:
        _plain_records = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacted_record)


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every record, whoever handles it (a library's own handler too), is scrubbed."""
    record = _plain_records(*args, **kwargs)
    _active().scrub(record)
    record.__dict__["_scrubbed"] = True
    return record
