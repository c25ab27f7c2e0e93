"""What the dashboard reads and commands: a running bot, or a paced replay (read-only)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tradewind.engine.engine import Engine
from tradewind.errors import TradewindError
from tradewind.portfolio.portfolio import Portfolio
from tradewind.risk import RiskEngine
from tradewind.strategy.base import Strategy

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot


class ControlUnavailable(TradewindError):
    """A control command was sent to a source that takes none (a replay)."""


@runtime_checkable
class DashboardSource(Protocol):
    """The dashboard's view of a run: its parts once built, its health, and its commands."""

    @property
    def name(self) -> str:
        """The bot's (or the replay's) name."""

    @property
    def kind(self) -> str:
        """``bot`` or ``replay``."""

    @property
    def engine(self) -> Engine | None:
        """The engine, once built."""

    @property
    def portfolio(self) -> Portfolio | None:
        """The portfolio, once built."""

    @property
    def risk(self) -> RiskEngine | None:
        """The risk engine (None: a run without risk limits)."""

    @property
    def strategies(self) -> Sequence[Strategy[Any]]:
        """The strategies, in the order they were added."""

    def when_built(self, callback: Callable[[Engine], None]) -> None:
        """Call ``callback(engine)`` once the engine exists, before it processes anything
        (at once if it already does)."""

    def health(self) -> dict[str, Any]:
        """Phase and whatever else tells an operator the run is well, JSON-ready."""

    async def command(self, command: str, **args: Any) -> Any:
        """Run a control command (pause, resume, cancel_all, close_all, kill)."""


class BotSource:
    """A running ``Bot``: the dashboard serves on the bot's own loop, so every read happens
    between two engine steps; commands go through ``bot.handle`` like the API's."""

    kind = "bot"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def name(self) -> str:
        """The bot's name."""
        return self._bot.name

    @property
    def engine(self) -> Engine | None:
        """The bot's engine (None before it is wired)."""
        return getattr(self._bot, "engine", None)

    @property
    def portfolio(self) -> Portfolio | None:
        """The bot's portfolio."""
        return getattr(self._bot, "portfolio", None)

    @property
    def risk(self) -> RiskEngine | None:
        """The bot's risk engine."""
        return getattr(self._bot, "risk", None)

    @property
    def strategies(self) -> Sequence[Strategy[Any]]:
        """The bot's strategies."""
        return self._bot.strategies

    def when_built(self, callback: Callable[[Engine], None]) -> None:
        """The dashboard is made once the bot is wired: call at once."""
        engine = self.engine
        if engine is not None:
            callback(engine)

    def health(self) -> dict[str, Any]:
        """``Bot.health()`` with ``kind``."""
        return {"kind": self.kind, **self._bot.health()}

    async def command(self, command: str, **args: Any) -> Any:
        """``await bot.handle.request(command, **args)``."""
        return await self._bot.handle.request(command, **args)


class ReplaySource:
    """A paced replay (``run_backtest(..., speed=, on_built=source.built)``) running in a
    worker thread: the dashboard reads its state; it takes no commands."""

    kind = "replay"

    def __init__(self, name: str = "replay", *, speed: float | None = None) -> None:
        self._name = name
        self.speed = speed
        self.phase = "loading"
        """loading, running, finished or failed."""
        self.error: str | None = None
        self._engine: Engine | None = None
        self._portfolio: Portfolio | None = None
        self._risk: RiskEngine | None = None
        self._strategies: list[Strategy[Any]] = []
        self._callbacks: list[Callable[[Engine], None]] = []
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The replay's name."""
        return self._name

    @property
    def engine(self) -> Engine | None:
        """The replay's engine, once ``run_backtest`` built it."""
        return self._engine

    @property
    def portfolio(self) -> Portfolio | None:
        """The replay's portfolio."""
        return self._portfolio

    @property
    def risk(self) -> RiskEngine | None:
        """The replay's risk engine (None without risk limits)."""
        return self._risk

    @property
    def strategies(self) -> Sequence[Strategy[Any]]:
        """The replayed strategies."""
        return self._strategies

    def built(
        self,
        engine: Engine,
        portfolio: Portfolio,
        strategies: Sequence[Strategy[Any]],
        risk: RiskEngine | None,
    ) -> None:
        """``run_backtest``'s ``on_built`` hook: the parts, before the first event."""
        with self._lock:
            self._engine, self._portfolio, self._risk = engine, portfolio, risk
            self._strategies = list(strategies)
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(engine)
        self.phase = "running"

    def finished(self, error: str | None = None) -> None:
        """The replay ended (with ``error``, if it failed)."""
        self.phase, self.error = ("failed", error) if error else ("finished", None)

    def when_built(self, callback: Callable[[Engine], None]) -> None:
        """Call ``callback(engine)`` once the replay's engine is built."""
        with self._lock:
            engine = self._engine
            if engine is None:
                self._callbacks.append(callback)
                return
        callback(engine)

    def health(self) -> dict[str, Any]:
        """Phase, pace, the replay's clock (``clock_ms``) and the trading state."""
        out: dict[str, Any] = {"kind": self.kind, "bot": self._name, "phase": self.phase}
        if self.speed is not None:
            out["speed"] = self.speed
        if self.error:
            out["error"] = self.error
        if self._engine is not None:
            out["clock_ms"] = int(self._engine.clock.timestamp_ns()) // 1_000_000
        out["trading"] = "enabled" if self._risk is None else self._risk.state().value
        return out

    async def command(self, command: str, **args: Any) -> Any:
        """Refused: a replay re-runs recorded data and takes no commands."""
        raise ControlUnavailable(
            f"{command} is not available in a replay: a replay re-runs recorded data and takes "
            "no commands (stop it with Ctrl-C)"
        )
