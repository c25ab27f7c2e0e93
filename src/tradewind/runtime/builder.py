"""BotBuilder: the same bot a ``bot.toml`` describes, put together in code.

    bot = (
        Bot.builder("demo")
        .mock_venue("SIM", rate_hz=20, seed=7)
        .instrument("BTCUSDT.SIM", tick="0.01", lot="0.001", price=50_000)
        .strategy("ma_crossover", id="btc_ma", instruments=["BTCUSDT.SIM"], params={"fast": 5})
        .store("memory")
        .build()
    )

Every call adds to a config document that ``BotConfig`` validates in ``build``, so a builder
refuses exactly what a config file would, with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from tradewind.errors import ConfigError
from tradewind.model.identifiers import InstrumentId
from tradewind.risk import RiskConfig
from tradewind.runtime.assembly import build_strategy
from tradewind.runtime.bot import Bot
from tradewind.runtime.config import BotConfig
from tradewind.runtime.env import Environment
from tradewind.store import StateStore
from tradewind.strategy.base import Strategy


class BotBuilder:
    """Collects venues, instruments, strategies, risk, store and options; ``build()`` a Bot."""

    def __init__(self, name: str = "bot") -> None:
        self._doc: dict[str, Any] = {
            "bot": {"name": name},
            "venues": [],
            "instruments": [],
            "strategies": [],
        }
        self._instances: list[Strategy[Any] | None] = []
        self._store: StateStore | None = None
        self._record: str | Path | None = None

    def mock_venue(self, name: str = "SIM", **options: Any) -> Self:
        """A synthetic random-walk feed and the simulated venue, inside the bot."""
        self._doc["venues"].append({"name": name, "kind": "mock", **options})
        return self

    def paper_venue(self, name: str, **options: Any) -> Self:
        """Live data (today: the mock feed) with the simulated venue filling the orders."""
        self._doc["venues"].append({"name": name, "kind": "paper", **options})
        return self

    def mock_server_venue(self, name: str, port: int, host: str = "127.0.0.1") -> Self:
        """The mock venue as its own process: ``python -m tradewind.venues.mock.server``."""
        self._doc["venues"].append(
            {"name": name, "kind": "mock-server", "host": host, "port": port}
        )
        return self

    def instrument(self, instrument_id: str, **fields: Any) -> Self:
        """An instrument ``SYMBOL.VENUE`` with ``tick``, ``lot`` (and optionally ``price``, the
        mock feed's first price, ``min_qty``, ``min_notional``, ...)."""
        self._doc["instruments"].append({"id": instrument_id, **fields})
        return self

    def strategy(
        self,
        strategy: str | Strategy[Any],
        *,
        id: str | None = None,
        instruments: Sequence[str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Self:
        """A built-in or importable strategy by name (``"ma_crossover"``, ``"pkg.mod:Class"``)
        with ``params``, or a strategy object you made (its own id and instruments)."""
        entry: dict[str, Any]
        if isinstance(strategy, Strategy):
            if params:
                raise ConfigError("strategy(): give params to the strategy object, not here")
            cls = type(strategy)
            entry = {
                "id": str(strategy.id),
                "strategy": f"{cls.__module__}:{cls.__qualname__}",
                "instruments": [str(i) for i in (instruments or strategy.instruments)],
            }
            if instruments and not strategy.instruments:
                strategy.instruments = [InstrumentId(i) for i in instruments]
            self._instances.append(strategy)
        else:
            entry = {
                "id": id or strategy.rsplit(":", 1)[-1],
                "strategy": strategy,
                "instruments": list(instruments or []),
                "params": dict(params or {}),
            }
            self._instances.append(None)
        self._doc["strategies"].append(entry)
        return self

    def risk(self, limits: RiskConfig | Mapping[str, Any]) -> Self:
        """Risk limits: a RiskConfig or the keys of a ``[risk]`` table."""
        values = (
            limits.model_dump(exclude_defaults=True) if isinstance(limits, RiskConfig) else limits
        )
        self._doc["risk"] = dict(values)
        return self

    def store(self, store: str | StateStore) -> Self:
        """Where state is kept: ``"memory"``, ``"sqlite:///state/bot.db"``, a PostgreSQL url, or a
        store object."""
        if isinstance(store, str):
            self._doc["store"] = {"url": store}
        else:
            self._store = store
        return self

    def feed(self, *, max_quiet: str | float | None) -> Self:
        """Mark an instrument stale after ``max_quiet`` without data (None: never)."""
        self._doc["feed"] = {"max_quiet": max_quiet}
        return self

    def record(self, path: str | Path, *, format: str = "jsonl", audit: bool = False) -> Self:
        """Record market data (and the audit stream) under ``path``."""
        self._doc["record"] = {"path": str(path), "format": format, "audit": audit}
        return self

    def metrics(self, port: int, host: str = "127.0.0.1") -> Self:
        """Serve Prometheus ``/metrics`` on ``host:port`` (0: any free port)."""
        self._doc["metrics"] = {"port": port, "host": host}
        return self

    def dashboard(self, port: int, host: str = "127.0.0.1") -> Self:
        """Serve the web dashboard on ``host:port`` (its control endpoints need
        ``TRADEWIND_DASHBOARD_TOKEN``)."""
        self._doc["dashboard"] = {"port": port, "host": host}
        return self

    def options(self, **bot: Any) -> Self:
        """``[bot]`` options: ``duration``, ``shutdown_timeout``, ``cancel_orders_on_stop``,
        ``save_every``, ``base_currency``."""
        self._doc["bot"].update(bot)
        return self

    def config(self) -> BotConfig:
        """The validated configuration built so far."""
        return BotConfig.parse(self._doc, f"bot {self._doc['bot'].get('name')!r}")

    def build(
        self,
        env: Environment | None = None,
        *,
        metrics_port: int | None = None,
        dashboard_port: int | None = None,
    ) -> Bot:
        """The Bot (not started: ``await bot.run_until_shutdown()``); ``metrics_port`` and
        ``dashboard_port`` (0: any free port) serve /metrics and the dashboard."""
        config = self.config()
        strategies = [
            build_strategy(entry) if given is None else given
            for entry, given in zip(config.strategies, self._instances, strict=True)
        ]
        return Bot(
            config,
            strategies=strategies,
            env=env,
            store=self._store,
            record=self._record,
            metrics_port=metrics_port,
            dashboard_port=dashboard_port,
        )
