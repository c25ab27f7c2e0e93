"""The live bot: the kernel driven by the live driver, its services supervised, its state kept.

``Bot.start`` opens the state store, wires engine, venues, portfolio, risk and persistence,
reconciles with the venues **before any strategy runs**, then starts the strategies and the
supervised services (engine, one data connection per venue, staleness, state saves, the
recorder). ``run_until_shutdown`` runs until SIGINT/SIGTERM, a ``BotHandle.shutdown()``, the
configured duration, or the engine failing; shutdown is cooperative within a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from tradewind.engine.clock import LiveClock
from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError, TradewindError
from tradewind.execution import install as install_execution
from tradewind.model.events import OrderDenied
from tradewind.model.orders import Order
from tradewind.risk import RiskEngine
from tradewind.risk.engine import CLOSE_ALL_TAG
from tradewind.runtime.assembly import (
    Recording,
    Venues,
    build_portfolio,
    build_recording,
    build_strategies,
    build_venues,
)
from tradewind.runtime.config import BotConfig
from tradewind.runtime.env import Environment
from tradewind.runtime.feeds import SubscriptionHub
from tradewind.runtime.handle import BotHandle
from tradewind.runtime.live import LiveDriver
from tradewind.runtime.logs import attach_order_log, bind_bot, redact
from tradewind.runtime.persistence import StatePersister
from tradewind.runtime.recovery import recover
from tradewind.runtime.report import bot_summary
from tradewind.runtime.staleness import StalenessMonitor
from tradewind.runtime.supervisor import Restart, RestartPolicy, Supervisor
from tradewind.store import StateStore, open_store
from tradewind.strategy.base import Strategy

log = logging.getLogger("tradewind.bot")

PHASES = ("created", "starting", "recovering", "running", "stopping", "stopped", "failed")
_ALWAYS = RestartPolicy(restart=Restart.ALWAYS)
_ONCE = RestartPolicy(restart=Restart.NEVER)


class Bot:
    """One trading node: strategies, venues, risk and state, run under a supervisor.

    Build it from a config (``Bot.from_config``, ``Bot.builder()``) and run it with
    ``await bot.run_until_shutdown()``; talk to it from the host program through
    ``bot.handle`` (cloneable, thread-safe).
    """

    def __init__(
        self,
        config: BotConfig,
        *,
        strategies: Sequence[Strategy[Any]] | None = None,
        env: Environment | None = None,
        store: StateStore | str | None = None,
        record: str | Path | None = None,
        metrics_port: int | None = None,
        dashboard_port: int | None = None,
    ) -> None:
        self.config = config
        self.name = config.bot.name
        self.env = env
        self.mode = env.mode if env is not None else "mock"
        if self.mode in ("sandbox", "live"):
            raise ConfigError(
                f"mode {self.mode!r} needs a real venue adapter with a "
                f"{'test network' if self.mode == 'sandbox' else 'live account'}, and this "
                "release has none yet: run with --env mock (synthetic feed, simulated venue)"
            )
        self.strategies = list(strategies) if strategies is not None else build_strategies(config)
        self._store_url = store if isinstance(store, str) else None
        self._store_given = None if isinstance(store, str) else store
        self._record = record
        self.metrics_port = config.metrics.port if metrics_port is None else metrics_port
        self.dashboard_port = config.dashboard.port if dashboard_port is None else dashboard_port
        self.metrics: Any = None
        self.dashboard: Any = None
        self.phase = "created"
        self.error: str | None = None
        self.handle = BotHandle(self)
        self.recovery: dict[str, Any] = {}
        self.run_number = 0
        self.started_ns = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._stop_requested: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        self._shutdown_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ building
    @classmethod
    def from_config(cls, path: str | Path, **kwargs: Any) -> Bot:
        """A bot from a ``bot.toml`` (see ``tradewind.runtime.config``)."""
        return cls(BotConfig.load(path), **kwargs)

    @staticmethod
    def builder(name: str = "bot") -> Any:
        """A ``BotBuilder``: venues, instruments, strategies, risk and store in code."""
        from tradewind.runtime.builder import BotBuilder

        return BotBuilder(name)

    # ------------------------------------------------------------- running
    async def start(self) -> None:
        """Wire everything, reconcile with the venues, then start strategies and services."""
        if self.phase != "created":
            raise ConfigError(f"bot {self.name} was already started (phase {self.phase})")
        bind_bot(self.name)  # every log line of this bot's tasks carries bot=<name>
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        if self._stop_requested is None:
            self._stop_requested = asyncio.Event()
        self._stopped = asyncio.Event()
        self.phase = "starting"
        self.started_ns = time.time_ns()
        try:
            await self._wire()
        except BaseException as exc:
            self.phase, self.error = "failed", redact(str(exc))
            self._release()
            self._stopped.set()
            raise
        self.phase = "running"
        log.info("bot started", extra={"bot": self.name, "run": self.run_number})

    async def _wire(self) -> None:
        config = self.config
        from_env = self.env.get("TRADEWIND_STORE_URL") if self.env else None
        url = self._store_url or from_env or config.store.url
        self.store = self._store_given or open_store(url or f"sqlite:///state/{self.name}.db")
        self.run_number = self.store.next_sequence("run")
        self.recording: Recording | None = build_recording(config, self._record)
        self.clock = LiveClock()
        self.engine = Engine(
            self.clock,
            audit=self.recording,
            order_id_prefix=f"{self.name}-{self.run_number}",
            keep_closed=config.bot.keep_closed_orders,
        )
        self.driver = LiveDriver(self.engine)
        self.sink: Callable[[object], None] = self.driver.put
        """Where data clients push events (observers such as metrics may wrap it)."""
        self.clock.bind(self.driver.put)
        ttl = config.bot.order_ttl
        self.reaper = install_execution(
            self.engine,
            ttl_ns=None if ttl is None else int(ttl * 1e9),
            in_flight_timeout_ns=int(config.bot.in_flight_timeout * 1e9),
        )
        instruments = config.instrument_list()
        self.venues: Venues = build_venues(
            config, self.engine, self.clock, instruments, self.driver.put, self.run_number
        )
        for instrument in instruments:
            self.engine.add_instrument(instrument)
        self.portfolio = build_portfolio(config, self.engine, instruments)
        self.risk = RiskEngine(self.engine, config.risk_config())
        self.engine.add_pre_trade_check(self._refuse_when_stopping)
        self.persister = StatePersister(
            self.engine, self.store, risk=self.risk, strategies=self.strategies
        )
        self.persister.attach()
        self.phase = "recovering"
        report = await recover(
            self.engine,
            self.store,
            self.portfolio,
            sources=self.venues.sources,
            restarted=self.venues.simulated,
            risk=self.risk,
        )
        self.recovery = report.to_dict()
        self.persister.load_strategies()
        for strategy in self.strategies:
            self.engine.add_strategy(strategy)
        self.hub = SubscriptionHub(self.engine, self.venues.data)
        quiet = config.feed.max_quiet
        self.staleness = StalenessMonitor(self.engine, max_quiet_s=quiet) if quiet else None
        self.supervisor = Supervisor()
        self._observe()
        self.supervisor.add("engine", self.driver.run, _ONCE)
        for venue, client in self.venues.data.items():
            self.supervisor.add(f"feed:{venue}", partial(client.run, self.sink), _ALWAYS)
        if self.staleness is not None:
            self.supervisor.add("staleness", self.staleness.run, _ALWAYS)
        self.supervisor.add("state", self._save_state, _ALWAYS)
        if self.recording is not None:
            self.supervisor.add("recorder", self._flush_recording, _ALWAYS)
        self.supervisor.start()

    def _observe(self) -> None:
        """Metrics and the dashboard, when a port is given (their extras must be installed)."""
        attach_order_log(self)
        if self.metrics_port is not None:
            from tradewind.runtime.metrics import BotMetrics

            if self.config.metrics.host not in ("127.0.0.1", "localhost", "::1"):
                log.warning(
                    "metrics served on %s without authentication: put them behind a firewall "
                    "or a reverse proxy",
                    self.config.metrics.host,
                )
            self.metrics = BotMetrics(self)
            self.metrics.attach()
            serve = partial(self.metrics.serve, self.config.metrics.host, self.metrics_port)
            self.supervisor.add("metrics", serve, _ALWAYS)
        if self.dashboard_port is not None:
            from tradewind.runtime.dashboard import Dashboard

            token = self.env.secret("TRADEWIND_DASHBOARD_TOKEN") if self.env else None
            self.dashboard = Dashboard(self, token=token)
            serve = partial(self.dashboard.serve, self.config.dashboard.host, self.dashboard_port)
            self.supervisor.add("dashboard", serve, _ALWAYS)

    async def run_until_shutdown(
        self, duration: float | None = None, *, install_signals: bool = True
    ) -> dict[str, Any]:
        """Start, run until asked to stop (signal, handle, ``duration`` seconds, engine failure),
        shut down cleanly and return the summary. SIGINT/SIGTERM are handled only when this
        runs in the main thread and ``install_signals`` is true."""
        if self._stop_requested is None:
            self._stop_requested = asyncio.Event()
        # handlers first: a SIGTERM during start-up or recovery stops the bot once it is up
        installed = self._install_signals() if install_signals else []
        limit = duration if duration is not None else self.config.bot.duration
        engine_done = stop_wait = None
        try:
            if self.phase == "created":
                await self.start()
            engine_done = asyncio.ensure_future(self.supervisor.join("engine"))
            stop_wait = asyncio.ensure_future(self._stop_requested.wait())
            await asyncio.wait(
                {engine_done, stop_wait}, timeout=limit, return_when="FIRST_COMPLETED"
            )
            if engine_done.done() and self.phase == "running":
                health = self.supervisor.health()["engine"]
                self.error = health["last_error"] or "the engine stopped"  # redacted there
                log.error("engine stopped: %s", self.error)
        finally:
            for task in (engine_done, stop_wait):
                if task is not None:
                    task.cancel()
            for sig in installed:
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().remove_signal_handler(sig)
        await self.shutdown()
        return self.summary()

    def _install_signals(self) -> list[signal.Signals]:
        if threading.current_thread() is not threading.main_thread():
            return []
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - not on Unix
                pass
        return installed

    def request_stop(self, reason: str = "requested") -> None:
        """Ask ``run_until_shutdown`` to shut down (call on the bot's loop; see BotHandle)."""
        log.info("shutdown requested: %s", reason)
        if self._stop_requested is not None:
            self._stop_requested.set()

    async def shutdown(self, timeout: float | None = None) -> None:
        """Cancel working orders (if configured), stop strategies, save state, stop services,
        close files and the store. Idempotent; a second caller waits for the first."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.ensure_future(self._shutdown(timeout))
        await asyncio.shield(self._shutdown_task)

    async def _shutdown(self, timeout: float | None) -> None:
        if self.phase not in ("running", "failed") or not hasattr(self, "supervisor"):
            return
        budget = self.config.bot.shutdown_timeout if timeout is None else timeout
        deadline = time.monotonic() + budget
        failed = self.error is not None
        self.phase = "stopping"  # from now on no new order leaves (_refuse_when_stopping)
        if self.config.bot.cancel_orders_on_stop and self.driver.stats()["running"]:
            self.engine.call(self.engine.cancel_all)
            await self._await(lambda: not self.engine.cache.open_orders, min(5.0, budget / 2))
        self.driver.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                self.supervisor.join("engine"), max(0.1, deadline - time.monotonic())
            )
        self._save_now()
        stuck = await self.supervisor.shutdown(max(0.1, deadline - time.monotonic()))
        if stuck:
            log.error("services still running at shutdown: %s", ", ".join(stuck))
        self._release()
        self.phase = "failed" if failed else "stopped"
        assert self._stopped is not None
        self._stopped.set()

    def _refuse_when_stopping(self, order: Order, engine: object) -> OrderDenied | None:
        """While the bot stops, new orders are denied (so cancels converge); exits from a kill
        or close-all still go."""
        if self.phase != "stopping" or CLOSE_ALL_TAG in order.tags:
            return None
        now = self.clock.timestamp_ns()
        return OrderDenied(
            order.client_order_id,
            "SHUTTING_DOWN",
            f"bot {self.name} is shutting down: no new orders",
            now,
            now,
        )

    async def _await(self, done: Callable[[], bool], seconds: float) -> None:
        end = time.monotonic() + seconds
        while not done() and time.monotonic() < end:
            await asyncio.sleep(0.02)

    def _release(self) -> None:
        recording = getattr(self, "recording", None)
        if recording is not None:
            with contextlib.suppress(Exception):
                recording.close()
        store = getattr(self, "store", None)
        if store is not None and self._store_given is None:
            with contextlib.suppress(Exception):
                store.close()

    async def wait_stopped(self) -> None:
        """Wait until the bot has shut down."""
        if self._stopped is None:
            raise ConfigError(f"bot {self.name} was never started")
        await self._stopped.wait()

    # ------------------------------------------------------------ services
    async def _save_state(self) -> None:
        while True:
            await asyncio.sleep(self.config.bot.save_every)
            self._save_now()

    def _save_now(self) -> None:
        try:
            self.persister.save_strategies()
        except TradewindError as exc:
            log.error("strategy state not saved: %s", exc)

    async def _flush_recording(self) -> None:
        assert self.recording is not None
        while True:
            await asyncio.sleep(1.0)
            self.recording.flush()

    # --------------------------------------------------------------- reads
    def on_loop_thread(self) -> bool:
        """True when called from the thread running the bot's event loop."""
        return self._thread == threading.get_ident()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the bot runs on (None before ``start``)."""
        return self._loop

    def health(self) -> dict[str, Any]:
        """Phase, services, queue and loop lag, feeds, risk state: JSON-ready."""
        out: dict[str, Any] = {"bot": self.name, "phase": self.phase, "mode": self.mode}
        if self.error:
            out["error"] = self.error
        if not hasattr(self, "supervisor"):
            return out
        out["run"] = self.run_number
        out["uptime_s"] = round((time.time_ns() - self.started_ns) / 1e9, 3)
        out["services"] = self.supervisor.health()
        out["driver"] = self.driver.stats()
        out["stale"] = sorted(str(i) for i in self.engine.stale)
        if self.staleness is not None:
            out["feeds"] = self.staleness.status()
        out["trading"] = self.risk.state().value
        out["subscriptions"] = sorted(f"{k}:{i}" for k, i in self.engine.subscriptions())
        return out

    def summary(self) -> dict[str, Any]:
        """What the run did: orders, fills, positions, PnL, denials, recovery, health."""
        return bot_summary(self)
