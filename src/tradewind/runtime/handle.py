"""BotHandle: the host program's cheap, cloneable, thread-safe remote control of a running bot.

Every command runs on the bot's event loop between two engine steps (never in the middle of
one), through the same risk and engine calls the dashboard and API use. Each returns a
``concurrent.futures.Future`` with the command's result, so a handle works from any thread;
in asyncio code, ``await handle.request("pause", strategy="s1")`` or
``await asyncio.wrap_future(handle.pause("s1"))``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tradewind.errors import ConfigError

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot

COMMANDS = ("health", "pause", "resume", "cancel_all", "close_all", "kill", "reset", "shutdown")


class BotHandle:
    """Reads health, sends commands and shuts a bot down; copy it freely (``clone``)."""

    __slots__ = ("_bot",)

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def clone(self) -> BotHandle:
        """Another handle on the same bot (for another task or thread)."""
        return BotHandle(self._bot)

    __copy__ = clone

    @property
    def name(self) -> str:
        """The bot's name."""
        return self._bot.name

    @property
    def phase(self) -> str:
        """created, starting, recovering, running, stopping, stopped or failed."""
        return self._bot.phase

    def health(self) -> dict[str, Any]:
        """The health snapshot (on the loop thread directly; from another thread it is taken
        on the loop, waiting up to 5 s)."""
        loop = self._bot.loop
        if self._bot.on_loop_thread() or loop is None or not loop.is_running():
            return self._bot.health()
        result: dict[str, Any] = self.send("health").result(timeout=5.0)
        return result

    # ------------------------------------------------------------ commands
    def send(self, command: str, **args: Any) -> concurrent.futures.Future[Any]:
        """Run ``command`` (one of ``COMMANDS``) on the bot's loop; its Future holds the result."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        action = _ACTIONS.get(command)
        if action is None:
            future.set_exception(
                ConfigError(f"unknown bot command {command!r}: use one of {', '.join(COMMANDS)}")
            )
            return future
        loop = self._bot.loop
        if loop is None or loop.is_closed() or self._bot.phase in ("stopped", "failed"):
            future.set_exception(
                ConfigError(f"bot {self._bot.name} is not running (phase {self._bot.phase})")
            )
            return future

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(action(self._bot, **args))
                except Exception as exc:
                    future.set_exception(exc)

        if self._bot.on_loop_thread():
            loop.call_soon(run)
        else:
            loop.call_soon_threadsafe(run)
        return future

    async def request(self, command: str, **args: Any) -> Any:
        """``send`` for asyncio code: await the command's result."""
        return await asyncio.wrap_future(self.send(command, **args))

    def pause(self, strategy: str) -> concurrent.futures.Future[Any]:
        """Stop one strategy from opening or adding to positions (its exits still go)."""
        return self.send("pause", strategy=strategy)

    def resume(self, strategy: str) -> concurrent.futures.Future[Any]:
        """Lift ``pause`` (automatic halts such as the daily loss limit stay)."""
        return self.send("resume", strategy=strategy)

    def cancel_all(self, strategy: str | None = None) -> concurrent.futures.Future[Any]:
        """Cancel every working order (of one strategy, or all)."""
        return self.send("cancel_all", strategy=strategy)

    def close_all(self, strategy: str | None = None) -> concurrent.futures.Future[Any]:
        """Flatten every position (of one strategy, or all) with reduce-only market orders."""
        return self.send("close_all", strategy=strategy)

    def kill(self, reason: str = "kill switch") -> concurrent.futures.Future[Any]:
        """The kill switch: halt all trading, cancel every order, flatten every position."""
        return self.send("kill", reason=reason)

    def shutdown(self, reason: str = "requested by handle") -> concurrent.futures.Future[Any]:
        """Ask the bot to shut down cleanly; ``wait_stopped`` waits for the end."""
        return self.send("shutdown", reason=reason)

    async def wait_stopped(self) -> None:
        """Wait until the bot has shut down (call on the bot's loop)."""
        await self._bot.wait_stopped()


def _strategy_id(bot: Bot, strategy: str | None) -> str | None:
    if strategy is not None and strategy not in bot.engine.strategies:
        known = ", ".join(sorted(bot.engine.strategies)) or "none"
        raise ConfigError(f"no strategy {strategy!r} in bot {bot.name} (strategies: {known})")
    return strategy


def _pause(bot: Bot, strategy: str) -> str:
    sid = _strategy_id(bot, strategy)
    bot.engine.call(bot.risk.reduce, "paused by command", sid)
    return bot.risk.state(sid).value


def _resume(bot: Bot, strategy: str) -> str:
    return str(bot.engine.call(bot.risk.enable, _strategy_id(bot, strategy)).value)


def _cancel_all(bot: Bot, strategy: str | None = None) -> list[str]:
    orders = bot.engine.call(bot.risk.cancel_all, strategy_id=_strategy_id(bot, strategy))
    return [str(o.client_order_id) for o in orders]


def _close_all(bot: Bot, strategy: str | None = None) -> list[str]:
    orders = bot.engine.call(bot.risk.close_all, strategy_id=_strategy_id(bot, strategy))
    return [str(o.client_order_id) for o in orders]


def _kill(bot: Bot, reason: str = "kill switch") -> list[str]:
    return [str(o.client_order_id) for o in bot.engine.call(bot.risk.kill, reason)]


def _reset(bot: Bot) -> str:
    """Lift a latched halt (daily loss limit, kill switch) for the whole bot."""
    return str(bot.engine.call(bot.risk.reset_halt).value)


def _shutdown(bot: Bot, reason: str = "requested") -> str:
    bot.request_stop(reason)
    return "stopping"


_ACTIONS: dict[str, Callable[..., Any]] = {
    "health": lambda bot: bot.health(),
    "pause": _pause,
    "resume": _resume,
    "cancel_all": _cancel_all,
    "close_all": _close_all,
    "kill": _kill,
    "reset": _reset,
    "shutdown": _shutdown,
}
