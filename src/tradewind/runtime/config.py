"""The bot's configuration: one TOML file (``bot.toml``), validated strictly, plus the environment.

A file names the venues, instruments, strategies, risk limits, the state store, staleness,
recording and shutdown settings. Unknown keys, bad values and missing pieces are refused
with one line naming the key and the fix. Secrets never come from the file: see ``env.py``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tradewind.errors import ConfigError
from tradewind.model.identifiers import InstrumentId
from tradewind.model.instrument import Instrument
from tradewind.model.instrument_spec import exact_number, instrument_from_fields
from tradewind.risk import RiskConfig

VENUE_KINDS = ("mock", "mock-server", "paper")
"""``mock``: synthetic feed + simulated venue in the bot; ``mock-server``: the mock venue as
its own process (``python -m tradewind.venues.mock.server``); ``paper``: a live data source
with the simulated venue (today the data source is the mock feed)."""

_NS = 1_000_000_000
_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": _NS, "m": 60 * _NS, "h": 3600 * _NS}


def parse_seconds(value: Any, where: str) -> float:
    """``"250ms"``, ``"5s"``, ``"2m"``, ``"1h"`` or a plain number of seconds, as seconds."""
    if isinstance(value, bool):
        raise ConfigError(f'{where} = {value!r} is not a duration: write e.g. "5s" or "250ms"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        number, unit = text, "s"
        for suffix in ("ms", "us", "ns", "s", "m", "h"):
            if text.endswith(suffix):
                number, unit = text[: -len(suffix)], suffix
                break
        try:
            seconds = float(number) * _UNITS[unit] / _NS
        except ValueError:
            raise ConfigError(
                f'{where} = {value!r} is not a duration: write e.g. "5s", "250ms" or "2m"'
            ) from None
    else:
        raise ConfigError(f'{where} = {value!r} is not a duration: write e.g. "5s"')
    if not seconds >= 0 or seconds == float("inf"):
        raise ConfigError(f"{where} = {value!r} must be a finite duration >= 0")
    return seconds


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotSection(_Table):
    """``[bot]``: who the bot is and how it stops."""

    name: str = Field(default="bot", pattern=r"^[A-Za-z0-9_\-]{1,24}$")
    base_currency: str | None = None
    duration: float | None = None
    """Run this many seconds, then shut down cleanly (None: until SIGINT/SIGTERM)."""
    shutdown_timeout: float = 30.0
    """Seconds a clean shutdown may take before the services still running are abandoned."""
    cancel_orders_on_stop: bool = True
    """Cancel the bot's working orders on a clean shutdown (a crash leaves them to recovery)."""
    save_every: float = 5.0
    """Seconds between saves of the strategies' state (``on_save``)."""
    in_flight_timeout: float = Field(default=5.0, gt=0)
    """Seconds a submit, cancel or modify may go unanswered before the venue is asked about
    it by client order id (never re-sent)."""
    order_ttl: float | None = None
    """Cancel working orders older than this many seconds (None: never)."""
    keep_closed_orders: int = Field(default=10_000, ge=1)
    """Closed orders kept in memory (the store keeps all): memory stays flat over weeks."""

    @field_validator(
        "duration",
        "shutdown_timeout",
        "save_every",
        "in_flight_timeout",
        "order_ttl",
        mode="before",
    )
    @classmethod
    def _seconds(cls, value: Any, info: Any) -> Any:
        return None if value is None else parse_seconds(value, f"[bot] {info.field_name}")


class VenueSection(_Table):
    """``[[venues]]``: one venue connection, shared by every strategy trading on it."""

    name: str = Field(pattern=r"^[A-Z0-9_]{1,16}$")
    kind: str = "mock"
    rate_hz: float = Field(default=10.0, gt=0, le=10_000)
    """Mock feed: steps per second (each step quotes every subscribed instrument)."""
    seed: int = 0
    volatility: float = Field(default=0.5, ge=0, le=20)
    trade_probability: float = Field(default=0.3, ge=0, le=1)
    taker_bps: Decimal = Decimal(5)
    maker_bps: Decimal = Decimal(1)
    latency_ms: float = Field(default=5.0, ge=0)
    balances: dict[str, Decimal] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("taker_bps", "maker_bps", mode="before")
    @classmethod
    def _exact(cls, value: Any, info: Any) -> Decimal:
        return exact_number(value, f"[[venues]] {info.field_name}")

    @field_validator("balances", mode="before")
    @classmethod
    def _balances(cls, value: Any) -> dict[str, Decimal]:
        if not isinstance(value, Mapping):
            raise ValueError('write balances as a table, e.g. balances = { USDT = "100000" }')
        return {str(k): exact_number(v, f"[[venues]] balances.{k}") for k, v in value.items()}

    @model_validator(mode="after")
    def _kind(self) -> VenueSection:
        if self.kind not in VENUE_KINDS:
            raise ValueError(
                f"venue {self.name}: kind {self.kind!r} is not available (available: "
                f"{', '.join(VENUE_KINDS)}); real venues arrive with their adapters"
            )
        if self.kind == "mock-server" and self.port is None:
            raise ValueError(
                f"venue {self.name}: kind 'mock-server' needs port = N (the port the mock venue "
                "server printed when it started)"
            )
        return self


class StrategySection(_Table):
    """``[[strategies]]``: one strategy instance."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-.]{1,32}$")
    strategy: str
    """A built-in name (``tradewind strategies``), ``module:Class`` or ``path.py:Class``."""
    instruments: list[str] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class StoreSection(_Table):
    """``[store]``: where state survives a restart (``memory``, ``sqlite:///path``, a PG url).

    Default: ``sqlite:///state/<bot name>.db`` under the working directory;
    ``TRADEWIND_STORE_URL`` in the environment and ``--store`` override it."""

    url: str | None = None


class FeedSection(_Table):
    """``[feed]``: market-data health."""

    max_quiet: float | None = 10.0
    """Seconds without an event before an instrument is marked stale (None: never)."""

    @field_validator("max_quiet", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return None if value is None else parse_seconds(value, "[feed] max_quiet")


class RecordSection(_Table):
    """``[record]``: write what the bot sees (a valid backtest input) and optionally its audit."""

    path: str | None = None
    format: Literal["jsonl", "parquet"] = "jsonl"
    rotate_rows: int | None = Field(default=None, ge=1)
    audit: bool = False


class ServerSection(_Table):
    """``[metrics]`` / ``[dashboard]``: an HTTP server of the bot (off unless a port is given).

    It binds 127.0.0.1 unless ``host`` says otherwise; the dashboard's control endpoints need
    the token in ``TRADEWIND_DASHBOARD_TOKEN`` (environment only)."""

    port: int | None = Field(default=None, ge=0, le=65535)
    host: str = "127.0.0.1"


class LogSection(_Table):
    """``[log]``: level and format (``text``: key=value for people; ``json``: one object a line)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    format: Literal["text", "json"] = "text"
    path: str | None = None
    """Also write the log to this file (rotated daily)."""


class BotConfig(_Table):
    """A whole bot: the parsed, validated ``bot.toml``."""

    bot: BotSection = Field(default_factory=lambda: BotSection())
    venues: list[VenueSection] = Field(min_length=1)
    instruments: list[dict[str, Any]] = Field(min_length=1)
    strategies: list[StrategySection] = Field(min_length=1)
    risk: dict[str, Any] = Field(default_factory=dict)
    store: StoreSection = Field(default_factory=lambda: StoreSection())
    feed: FeedSection = Field(default_factory=lambda: FeedSection())
    record: RecordSection = Field(default_factory=lambda: RecordSection())
    metrics: ServerSection = Field(default_factory=lambda: ServerSection())
    dashboard: ServerSection = Field(default_factory=lambda: ServerSection())
    log: LogSection = Field(default_factory=lambda: LogSection())

    @model_validator(mode="after")
    def _consistent(self) -> BotConfig:
        venues = [v.name for v in self.venues]
        if len(set(venues)) != len(venues):
            raise ValueError(f"two [[venues]] share a name ({', '.join(venues)}): rename one")
        known = {str(i.id) for i in self.instrument_list()}
        ids = [s.id for s in self.strategies]
        if len(set(ids)) != len(ids):
            raise ValueError(f"two [[strategies]] share the id in {ids}: give each its own id")
        for strategy in self.strategies:
            for iid in strategy.instruments:
                if iid not in known:
                    raise ValueError(
                        f"strategy {strategy.id}: instrument {iid!r} is not in [[instruments]] "
                        f"(known: {', '.join(sorted(known))})"
                    )
        RiskConfig.parse(self.risk, "[risk]")
        return self

    def instrument_list(self) -> list[Instrument]:
        """The ``[[instruments]]`` as Instruments (their venue must be a ``[[venues]]``)."""
        venues = {v.name for v in self.venues}
        out: list[Instrument] = []
        for table in self.instruments:
            raw = table.get("id")
            if not isinstance(raw, str) or "." not in raw:
                raise ConfigError(
                    '[[instruments]]: each needs id = "SYMBOL.VENUE" (e.g. "BTCUSDT.SIM")'
                )
            symbol, venue = raw.rsplit(".", 1)
            if venue not in venues:
                raise ConfigError(
                    f"[[instruments]] {raw}: venue {venue!r} is not a [[venues]] name "
                    f"(known: {', '.join(sorted(venues))})"
                )
            out.append(
                instrument_from_fields(
                    symbol, venue, table, "[[instruments]]", ignore=("id", "price")
                )
            )
        return out

    def start_prices(self) -> dict[InstrumentId, float]:
        """The mock feed's first fair price per instrument (``price = 50000``), where given."""
        prices: dict[InstrumentId, float] = {}
        for table in self.instruments:
            if "price" in table:
                prices[InstrumentId(table["id"])] = float(
                    exact_number(table["price"], f"[[instruments]] {table['id']} price")
                )
        return prices

    def risk_config(self) -> RiskConfig:
        """The ``[risk]`` limits (all defaults when the table is absent)."""
        return RiskConfig.parse(self.risk, "[risk]")

    @classmethod
    def parse(cls, document: Mapping[str, Any], source: str = "config") -> BotConfig:
        """Validate a TOML document; errors name ``source``, the key and the fix."""
        try:
            config = cls.model_validate(dict(document))
        except ValidationError as exc:
            raise ConfigError(f"{source}: {describe(exc)}") from None
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        try:
            config.instrument_list()
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        return config

    @classmethod
    def load(cls, path: str | Path) -> BotConfig:
        """Read and validate a ``bot.toml``."""
        return cls.parse(read_toml(Path(path)), str(path))


def read_toml(path: Path, option: str = "--config") -> dict[str, Any]:
    """A TOML file as a dict; a missing or malformed file is one line naming it and the fix."""
    if not path.is_file():
        raise ConfigError(f"{option} {path}: no such file: give the path of a TOML file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{option} {path}: not valid TOML ({exc}): fix the file") from None


def describe(exc: ValidationError) -> str:
    """pydantic's errors as one line: each names the key path, the value and what is wrong."""
    parts = []
    for error in exc.errors():
        where = _path(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown key {where!r}: remove it or check its spelling")
        elif error["type"] == "missing":
            parts.append(f"missing key {where!r}: add it")
        elif not where:
            parts.append(message)
        else:
            parts.append(f"{where} = {error.get('input')!r}: {message}")
    return "; ".join(parts)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
