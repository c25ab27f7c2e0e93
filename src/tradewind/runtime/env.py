"""Environment presets: ``.env.mock`` (the default), ``.env.sandbox``, ``.env.live``.

A preset file holds ``TRADEWIND_*`` settings (mode, store url, log level); variables set in
the process environment override the file. Secrets (any name with KEY, SECRET, TOKEN,
PASSWORD or PASSPHRASE in it) come from the process environment only: a preset file that
holds one is refused. The ``live`` mode trades real money and needs an explicit flag too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tradewind.errors import ConfigError

MODES = ("mock", "paper", "sandbox", "live")
PRESETS = ("mock", "sandbox", "live")
SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSPHRASE")


class Secret:
    """A secret value: its repr and str are redacted; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself (pass it to the venue client, never to a log)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def is_secret_name(name: str) -> bool:
    """True for a variable name that holds a secret (``BINANCE_API_KEY``, ``..._TOKEN``)."""
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS)


@dataclass(frozen=True)
class Environment:
    """The settings a bot runs with: the preset file's, overridden by the process's."""

    preset: str
    mode: str
    source: Path | None
    values: dict[str, str] = field(default_factory=dict)
    _environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        """A non-secret setting (``TRADEWIND_STORE_URL``, ...)."""
        return self.values.get(name, default)

    def secret(self, name: str) -> Secret | None:
        """A secret from the process environment only (never from a file)."""
        value = self._environ.get(name)
        return None if not value else Secret(value)


def load_environment(
    preset: str | None = None,
    *,
    folder: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    allow_live: bool = False,
) -> Environment:
    """Read ``.env.<preset>`` from ``folder`` (default: the working directory), if present.

    ``preset`` defaults to ``$TRADEWIND_ENV`` or ``mock``. A preset named explicitly must
    exist as a file, except ``mock`` (its defaults are built in). ``TRADEWIND_*`` variables of
    the process override the file. ``mode`` comes from ``TRADEWIND_MODE`` (default: the
    preset's name); ``live`` needs ``allow_live`` (the ``--live`` flag).
    """
    env = dict(os.environ if environ is None else environ)
    explicit = preset is not None
    name = preset or env.get("TRADEWIND_ENV") or "mock"
    if name not in PRESETS:
        raise ConfigError(f"--env {name!r} is unknown: use one of {', '.join(PRESETS)}")
    path = Path(folder or Path.cwd()) / f".env.{name}"
    values: dict[str, str] = {}
    source: Path | None = None
    if path.is_file():
        values = parse_env_file(path)
        source = path
    elif explicit and name != "mock":
        raise ConfigError(
            f"--env {name}: no {path.name} in {path.parent}: copy {path.name} from the "
            "tradewind repository and fill in its settings"
        )
    for key, value in env.items():
        if key.startswith("TRADEWIND_") and not is_secret_name(key):
            values[key] = value
    mode = values.get("TRADEWIND_MODE", name)
    if mode not in MODES:
        raise ConfigError(f"TRADEWIND_MODE={mode!r} is unknown: use one of {', '.join(MODES)}")
    if mode == "live" and not allow_live:
        raise ConfigError(
            "TRADEWIND_MODE=live trades real money: add --live to the command to confirm"
        )
    return Environment(name, mode, source, values, env)


def parse_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``#`` comments, optional quotes, optional ``export``)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}): fix the file") from None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key.replace("_", "").isalnum():
            raise ConfigError(f"{path}:{number}: {raw.strip()!r} is not KEY=VALUE: fix the line")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if is_secret_name(key):
            if value:
                raise ConfigError(
                    f"{path}:{number}: {key} is a secret: secrets come from the process "
                    f"environment only: remove its value from {path.name} and export {key} "
                    "in the shell (or your secret manager) instead"
                )
            continue
        values[key] = value
    return values
