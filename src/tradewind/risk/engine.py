"""RiskEngine: pre-trade checks, loss controls and trading state, wired onto one engine.

Everything runs on the engine's clock and events — pre-trade checks on each order, loss
controls on fills and (every ``mark_interval_seconds``) on market data, the 00:00 UTC reset
and the breaker cooldown as clock timers — so a backtest and a live run behave the same.
``on_trading_disabled`` reaches strategies as a clock alarm at the moment trading was
disabled, never from inside another event's handling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from tradewind.engine.engine import Engine
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.events import Fill, OrderDenied, TimeEvent
from tradewind.model.identifiers import InstrumentId
from tradewind.model.orders import Order
from tradewind.risk.book import RiskBook
from tradewind.risk.breaker import CircuitBreaker, losing_trade
from tradewind.risk.checks import Check, GridCheck, enabled_checks, shown
from tradewind.risk.config import RiskConfig
from tradewind.risk.limits import DailyLossHalt
from tradewind.risk.reasons import DenyReason, Verdict
from tradewind.risk.session import SessionDrawdown, exact_text
from tradewind.risk.sizing import PositionSizer
from tradewind.risk.state import Halt, Restriction, TradingState, TradingStates, restriction_from

OWNER = "risk"
"""The clock owner of risk's timers and alarms."""
DAY_NS = 86_400 * 1_000_000_000
FLATTEN_RETRY_NS = 1_000_000_000
"""How often the kill switch re-checks that everything is flat and closed."""
CLOSE_ALL_TAG = "close_all"
_NS = Decimal(1_000_000_000)


class RiskEngine:
    """Attach to an engine: ``RiskEngine(engine, RiskConfig(...))``.

    Keeps ``denials`` (a count per reason code) and ``halts`` (each time trading was
    disabled). Commands: ``halt``, ``reduce``, ``enable`` (per strategy or for everyone),
    ``kill`` (halt, cancel all, close all, and keep at it until flat), ``reset_halt`` (the
    only way out of a daily-loss halt), ``cancel_all`` and ``close_all``.

    Attach it after the instruments and the portfolio and before the engine starts: loss
    controls value the instruments known then on their market data (fills are valued always).

    An order (or amend) on an instrument whose feed is marked stale (``engine.stale``, set by
    ``tradewind.runtime.staleness.StalenessMonitor``) is denied ``STALE_DATA`` unless it only
    reduces a position; close-all orders pass.
    """

    def __init__(self, engine: Engine, config: RiskConfig | None = None) -> None:
        config = config or RiskConfig()
        self.engine = engine
        self.config = config
        self.book = book = RiskBook(engine)
        self.states = TradingStates()
        self.denials: Counter[str] = Counter()
        self.halts: list[Halt] = []
        cache = engine.cache
        uses_portfolio = (
            config.max_position,
            config.max_gross_exposure,
            config.max_total_exposure,
            config.max_positions,
            config.session_drawdown_limit,
            config.daily_loss_limit,
            config.breaker_losses,
        )
        if engine.portfolio is None and any(v is not None for v in uses_portfolio):
            raise ConfigError(
                "risk: position, exposure and loss limits need the portfolio: attach it with "
                "engine.set_portfolio(...) before RiskEngine(...)"
            )
        engine.grid_policy = "raise" if config.grid == "raise" else "deny"
        self._grid: list[Check] = []
        if config.grid != "raise":
            self._grid.append(GridCheck(book, cache, snap=config.grid == "snap"))
        self._checks = enabled_checks(config, book, cache, engine.clock)
        self.daily_loss = (
            None if config.daily_loss_limit is None else DailyLossHalt(config.daily_loss_limit)
        )
        self.sessions = (
            None
            if config.session_drawdown_limit is None
            else SessionDrawdown(config.session_drawdown_limit)
        )
        self.breaker = None
        if config.breaker_losses is not None:
            assert config.breaker_window_seconds and config.breaker_cooldown_seconds
            self.breaker = CircuitBreaker(
                config.breaker_losses,
                int(config.breaker_window_seconds * _NS),
                int(config.breaker_cooldown_seconds * _NS),
            )
        self._mark_every = int(config.mark_interval_seconds * _NS)
        self._next_mark = 0
        self._started = False
        self._realized: dict[tuple[str, InstrumentId], Any] = {}
        self._alarms: dict[str, tuple[str, str, str | None]] = {}
        self._seq = 0
        self._day: int | None = None  # the UTC day (ts // DAY_NS) the sessions belong to
        self._cooldowns: dict[str, int] = {}  # strategy -> when its breaker pause ends
        self._state_listeners: list[Callable[[], object]] = []
        engine.add_pre_trade_check(self.check)
        engine.add_time_handler(OWNER, self._on_time)
        if self.breaker is not None or config.watches_pnl:
            for (sid, iid), position in getattr(engine.portfolio, "strategy_positions", {}).items():
                self._realized[(sid, iid)] = position.realized_pnl
            engine.add_fill_listener(self._on_fill)
        if config.watches_pnl:
            for iid in list(cache.instruments):
                for kind in ("quotes", "trades", "bars"):
                    engine.subscribe(kind, iid, self._on_market)

    # ------------------------------------------------------------ order path
    def check(self, order: Order, engine: object = None) -> OrderDenied | None:
        """Judge one order (the engine calls this before every order, and with an amended
        copy before every modify): None to let it go, or the denial to send back."""
        if not self._started:
            self._start()
        self.book.judge(order)
        try:
            return self._judge(order)
        finally:
            self.book.replacing = None

    def _judge(self, order: Order) -> OrderDenied | None:
        closing = CLOSE_ALL_TAG in order.tags and self.book.reduces(order)
        if self.states.restricted and not closing:
            restriction = self.states.effective(order.strategy_id)
            if restriction is not None and (
                restriction.state is TradingState.HALTED or not self.book.reduces(order)
            ):
                return self._deny(order, (restriction.code, restriction.message))
        if not closing and order.instrument_id in self.engine.stale:
            stale = stale_data_verdict(order, self.engine, self.book)
            if stale is not None:
                return self._deny(order, stale)
        for check in self._grid:
            verdict = check(order)
            if verdict is not None:
                return self._deny(order, verdict)
        if closing:
            return None  # a close-all order only reduces: no cap may stand in its way
        for check in self._checks:
            verdict = check(order)
            if verdict is not None:
                return self._deny(order, verdict)
        return None

    def _deny(self, order: Order, verdict: tuple[DenyReason, str]) -> OrderDenied:
        code, message = verdict
        self.denials[code.value] += 1
        now = self.engine.clock.timestamp_ns()
        return OrderDenied(order.client_order_id, code.value, message, now, now)

    # ---------------------------------------------------------- loss controls
    def _start(self) -> None:
        """First event: the day's starting equity, and the 00:00 UTC timer."""
        self._started = True
        if self.daily_loss is None and self.sessions is None:
            return
        now = self.engine.clock.timestamp_ns()
        self._day = now // DAY_NS
        self.engine.clock.set_timer(
            "midnight", OWNER, DAY_NS, start_ns=(now // DAY_NS + 1) * DAY_NS
        )
        if self.daily_loss is not None:
            equity = self.book.equity()
            if equity is not None:
                self.daily_loss.start_day(equity)

    def _on_fill(self, fill: Fill, order: Order) -> None:
        if not self._started:
            self._start()
        if self.breaker is not None:
            self._count_trade(fill, order.strategy_id)
        if self.sessions is not None or self.daily_loss is not None:
            self._value()

    def _on_market(self, event: QuoteTick | TradeTick | Bar) -> None:
        if event.ts_init >= self._next_mark:
            self._next_mark = event.ts_init + self._mark_every
            if not self._started:
                self._start()
            self._value()

    def _count_trade(self, fill: Fill, strategy_id: str) -> None:
        breaker = self.breaker
        portfolio = self.engine.portfolio
        assert breaker is not None and portfolio is not None
        key = (strategy_id, fill.instrument_id)
        position = portfolio.position(fill.instrument_id, strategy_id)
        realized = position.realized_pnl
        before = self._realized.get(key, Decimal(0))
        self._realized[key] = realized
        settlement = self.engine.cache.instruments[fill.instrument_id].settlement
        pnl = self.book.to_account(exact.sub(realized, before), settlement)
        fee = self.book.to_account(fill.fee, fill.fee_currency)
        held = position.quantity
        if pnl is None or fee is None:
            return
        if not losing_trade(held - fill.signed_quantity, held, pnl, fee):
            return
        now = self.engine.clock.timestamp_ns()
        if breaker.record_loss(strategy_id, now):
            cooldown = Decimal(breaker.cooldown_ns) / _NS
            self._restrict(
                "breaker",
                Restriction(
                    TradingState.REDUCING,
                    DenyReason.CIRCUIT_BREAKER,
                    "circuit_breaker",
                    f"{breaker.losses} losing trades within {self.config.breaker_window_seconds}"
                    f" s: entries paused for {cooldown} s",
                ),
                strategy_id,
            )
            self._cooldowns[strategy_id] = until = now + breaker.cooldown_ns
            self.engine.clock.set_alarm(f"cooldown:{strategy_id}", OWNER, until)
            self._saved_changed()

    def _value(self) -> None:
        """Value everything at the latest marks against the session and daily loss limits."""
        if self.sessions is not None:
            for sid, drawdown in self.sessions.update(self.book.strategy_pnls()):
                self._restrict(
                    "session",
                    Restriction(
                        TradingState.REDUCING,
                        DenyReason.SESSION_DRAWDOWN,
                        "session_drawdown",
                        f"session PnL fell {shown(drawdown)} from its high: "
                        f"session_drawdown_limit is {self.sessions.limit}; exits only until "
                        "00:00 UTC",
                    ),
                    sid,
                )
            if self.sessions.changed:
                self.sessions.changed = False
                self._saved_changed()
        daily = self.daily_loss
        if daily is not None:
            equity = self.book.equity()
            baseline = daily.baseline
            loss = None if equity is None else daily.update(equity)
            if daily.baseline != baseline:
                self._saved_changed()
            if loss is not None:
                self._restrict(
                    "daily_loss",
                    Restriction(
                        TradingState.HALTED,
                        DenyReason.HALTED,
                        "daily_loss",
                        f"equity fell {shown(loss)} {self.book.currency or ''} since the day "
                        f"began: daily_loss_limit is {daily.limit}; halted until reset_halt()",
                    ),
                )

    def _midnight(self) -> None:
        if self.sessions is not None:
            for sid in self.sessions.reset(self.book.strategy_pnls()):
                self.states.clear("session", sid)
        if self.daily_loss is not None:
            equity = self.book.equity()
            if equity is not None:
                self.daily_loss.start_day(equity)
        self._saved_changed()

    # ------------------------------------------------------------ the clock
    def _on_time(self, event: TimeEvent) -> None:
        name = event.name
        if name == "midnight":
            self._day = event.ts_event // DAY_NS
            self._midnight()
        elif name == "flatten":
            self._flatten()
        elif name.startswith("cooldown:"):
            sid = name.removeprefix("cooldown:")
            self._cooldowns.pop(sid, None)
            self.states.clear("breaker", sid)
            self._saved_changed()
        elif name in self._alarms:
            state, reason, strategy_id = self._alarms.pop(name)
            self.engine.notify_trading_disabled(state, reason, strategy_id)

    def _restrict(self, key: str, restriction: Restriction, strategy_id: str | None = None) -> None:
        if not self.states.set(key, restriction, strategy_id):
            return
        clock = self.engine.clock
        now = clock.timestamp_ns()
        scope = "global" if strategy_id is None else f"strategy:{strategy_id}"
        self.halts.append(
            Halt(now, restriction.state, restriction.cause, scope, restriction.message)
        )
        self._seq += 1
        name = f"notify:{self._seq}"
        self._alarms[name] = (restriction.state.value, restriction.message, strategy_id)
        clock.set_alarm(name, OWNER, now)
        self._saved_changed()

    # -------------------------------------------------------------- commands
    def state(self, strategy_id: str | None = None) -> TradingState:
        """The state orders of ``strategy_id`` trade in (None: the account-wide state)."""
        return self.states.state(strategy_id)

    def halt(self, reason: str = "halted by command", strategy_id: str | None = None) -> None:
        """Refuse every new order (of one strategy, or everyone's) until ``enable``."""
        restriction = Restriction(TradingState.HALTED, DenyReason.HALTED, "manual", reason)
        self._restrict("manual", restriction, strategy_id)

    def reduce(self, reason: str = "reducing by command", strategy_id: str | None = None) -> None:
        """Accept only orders that reduce a position (of one strategy, or everyone's)."""
        restriction = Restriction(TradingState.REDUCING, DenyReason.REDUCE_ONLY, "manual", reason)
        self._restrict("manual", restriction, strategy_id)

    def enable(self, strategy_id: str | None = None) -> TradingState:
        """Lift ``halt``, ``reduce`` and ``kill`` for one scope; return the state it is now in.

        Automatic restrictions stay: a latched daily-loss halt until ``reset_halt``, a session
        drawdown until 00:00 UTC, a circuit breaker until its cooldown ends.
        """
        self.states.clear("manual", strategy_id)
        if strategy_id is None and self.states.clear("kill"):
            self.engine.clock.cancel("flatten", OWNER)
        self._saved_changed()
        return self.states.state(strategy_id)

    def reset_halt(self) -> TradingState:
        """Lift a latched daily-loss halt (the day's loss counts again from now)."""
        if self.daily_loss is not None:
            self.daily_loss.reset(self.book.equity())
        self.states.clear("daily_loss")
        self._saved_changed()
        return self.states.state()

    def kill(self, reason: str = "kill switch") -> list[Order]:
        """Halt everything, cancel every order and close every position; returns the close
        orders sent. Until ``enable``, it checks every second and repeats what did not take
        (an order that was in flight, a close that was rejected)."""
        self._restrict("kill", Restriction(TradingState.HALTED, DenyReason.HALTED, "kill", reason))
        self.engine.clock.set_timer("flatten", OWNER, FLATTEN_RETRY_NS)
        return self._flatten()

    def _flatten(self) -> list[Order]:
        engine = self.engine
        working = [o for o in engine.cache.open_orders.values() if CLOSE_ALL_TAG not in o.tags]
        for order in working:
            engine.cancel_order(order)
        sent = engine.close_all()
        if (
            not working
            and not sent
            and not engine.cache.open_orders
            and not any(self.book.positions(sid) for sid in engine.strategies)
        ):
            engine.clock.cancel("flatten", OWNER)
        return sent

    def cancel_all(
        self,
        *,
        strategy_id: str | None = None,
        instrument_id: InstrumentId | None = None,
        venue: str | None = None,
    ) -> list[Order]:
        """Cancel every open order matching the filters (see ``Engine.cancel_all``)."""
        return self.engine.cancel_all(
            strategy_id=strategy_id, instrument_id=instrument_id, venue=venue
        )

    def close_all(
        self,
        *,
        strategy_id: str | None = None,
        instrument_id: InstrumentId | None = None,
        venue: str | None = None,
    ) -> list[Order]:
        """Flatten every position matching the filters with reduce-only market orders tagged
        ``close_all``; they pass even a halt (see ``Engine.close_all``)."""
        return self.engine.close_all(
            strategy_id=strategy_id, instrument_id=instrument_id, venue=venue
        )

    def size(
        self,
        sizer: PositionSizer,
        instrument_id: InstrumentId | str,
        *,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> Decimal:
        """``sizer``'s quantity for an entry in ``instrument_id`` at ``price`` (default: the
        mark) with the account's current equity; zero while either is unknown."""
        iid = InstrumentId(instrument_id)
        instrument = self.engine.cache.instrument(iid)
        price = price if price is not None else self.book.mark(iid)
        equity = self.book.equity()
        if price is None or equity is None:
            return Decimal(0)
        return sizer.size(instrument, price, equity, stop_price=stop_price)

    def summary(self) -> dict[str, Any]:
        """Denials per reason code and the halts, JSON-ready."""
        return {
            "denials": dict(sorted(self.denials.items())),
            "halts": [h.to_dict() for h in self.halts],
        }

    # ----------------------------------------------------------- saved state
    def add_state_listener(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` when state a restart must keep changes: a restriction set or
        lifted, a session begun or at a new high, the day's baseline (a persister saves then)."""
        self._state_listeners.append(listener)

    def _saved_changed(self) -> None:
        for listener in self._state_listeners:
            listener()

    def export_state(self) -> dict[str, Any]:
        """What a restart must keep, JSON-ready (exact amounts as text): restrictions in force
        (scope, cause, message), halts so far, session PnL per strategy and its UTC day, the
        daily-loss baseline and latch, breaker pauses and denial counts."""
        daily = self.daily_loss
        return {
            "day": self._day,
            "restrictions": self.states.export(),
            "halts": [h.to_dict() for h in self.halts],
            "sessions": None if self.sessions is None else self.sessions.export(),
            "daily_loss": None
            if daily is None
            else {"baseline": exact_text(daily.baseline), "latched": daily.latched},
            "cooldowns": dict(self._cooldowns),
            "denials": dict(self.denials),
        }

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Take back what ``export_state`` saved; call it once the portfolio holds the
        restored fills, before any strategy trades.

        A halt, a kill (which goes on flattening) and a reducing-only command come back as
        they were, and a latched daily-loss halt stays latched: only ``enable`` /
        ``reset_halt`` lift them, never a restart. Sessions and the daily baseline come back
        within the same UTC day (after midnight they start afresh, as midnight would have
        done); a breaker pause lasts until its cooldown's end. Strategies hear of every
        restored restriction through ``on_trading_disabled``.
        """
        if not self._started:
            self._start()
        clock = self.engine.clock
        now = clock.timestamp_ns()
        same_day = state.get("day") is not None and state.get("day") == now // DAY_NS
        positions = getattr(self.engine.portfolio, "strategy_positions", {})
        for key, position in positions.items():  # the breaker measures each trade from here
            self._realized[key] = position.realized_pnl
        self.halts[:0] = [Halt.from_dict(h) for h in state.get("halts", ())]
        self.denials.update(state.get("denials", {}))
        if self.sessions is not None and state.get("sessions"):
            if same_day:
                self.sessions.restore(state["sessions"])
            else:
                self.sessions.reset(self.book.strategy_pnls())
        saved_daily = state.get("daily_loss")
        if self.daily_loss is not None and saved_daily:
            self.daily_loss.latched = bool(saved_daily.get("latched"))
            if same_day and saved_daily.get("baseline") is not None:
                self.daily_loss.baseline = Decimal(str(saved_daily["baseline"]))
        cooldowns = state.get("cooldowns", {})
        for doc in state.get("restrictions", ()):
            scope, key, restriction = restriction_from(doc)
            if key == "session" and not same_day:
                continue
            if key == "breaker":
                until = cooldowns.get(scope)
                if until is None or until <= now or scope is None:
                    continue
                self._cooldowns[scope] = until
                clock.set_alarm(f"cooldown:{scope}", OWNER, until)
            if key == "kill":
                clock.set_timer("flatten", OWNER, FLATTEN_RETRY_NS)
            if self.states.set(key, restriction, scope):
                self._seq += 1
                name = f"notify:{self._seq}"
                self._alarms[name] = (restriction.state.value, restriction.message, scope)
                clock.set_alarm(name, OWNER, now)


# ------------------------------------------------------------- stale market data
def last_market_ns(engine: Engine, instrument_id: InstrumentId) -> int | None:
    """When the latest quote, trade or bar of an instrument was received (its ``ts_init``,
    nanoseconds); None before any."""
    cache = engine.cache
    latest: int | None = None
    for events in (cache.quotes, cache.trades, cache.bars):
        event = events.get(instrument_id)
        if event is not None and (latest is None or event.ts_init > latest):
            latest = event.ts_init
    return latest


def stale_data_verdict(order: Order, engine: Engine, book: RiskBook) -> Verdict:
    """STALE_DATA for an order on an instrument in ``engine.stale``, unless the order only
    reduces its strategy's position (``book.reduces``; a close-all order is measured so too).

    The one rule behind ``RiskEngine`` and ``tradewind.runtime.staleness.stale_data_check``.
    """
    iid = order.instrument_id
    if iid not in engine.stale or book.reduces(order):
        return None
    last = last_market_ns(engine, iid)
    if last is None:
        quiet = "no event received yet"
    else:
        quiet = f"no event for {max(0, engine.clock.timestamp_ns() - last) / 1e9:.1f} s"
    return (
        DenyReason.STALE_DATA,
        f"{iid}: market data is stale ({quiet}): only orders that reduce a position are "
        "accepted until it resumes",
    )
