"""Assembly: the engine, venues, data connections and strategies a bot config describes.

One function per piece, used by ``Bot.start``. Nothing here is mode-specific beyond choosing
the venue adapter: the kernel, risk, execution and portfolio are wired the same way as in a
backtest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind.engine.clock import LiveClock
from tradewind.engine.engine import Engine
from tradewind.engine.protocols import AccountSource, DataClient
from tradewind.errors import ConfigError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.identifiers import split_instrument_id
from tradewind.model.instrument import Instrument
from tradewind.portfolio.portfolio import Portfolio
from tradewind.recorder import AuditRecorder, MarketRecorder
from tradewind.runtime.config import BotConfig, StrategySection
from tradewind.runtime.feeds import MockDataClient
from tradewind.runtime.wiring import DEFAULT_BALANCE
from tradewind.strategy.base import Strategy
from tradewind.strategy.registry import load_strategy
from tradewind.venues.mock.feed import MockFeed
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

_MARKET = (QuoteTick, TradeTick, Bar)


def build_strategy(entry: StrategySection) -> Strategy[Any]:
    """The strategy object one ``[[strategies]]`` entry describes, parameters validated."""
    cls = load_strategy(entry.strategy)
    return cls(entry.params, instruments=entry.instruments, strategy_id=entry.id)


def build_strategies(config: BotConfig) -> list[Strategy[Any]]:
    """One strategy object per ``[[strategies]]`` entry."""
    return [build_strategy(entry) for entry in config.strategies]


@dataclass
class Venues:
    """The venue side of a bot: execution clients, data connections, account sources."""

    simulated: dict[str, SimulatedVenue] = field(default_factory=dict)
    """In-process simulated venues (mock and paper): they restart with the bot."""
    sources: dict[str, AccountSource] = field(default_factory=dict)
    """Venues that outlive the bot and say what they hold (reconciled at start)."""
    data: dict[str, DataClient] = field(default_factory=dict)
    """One market-data connection per venue, shared by every strategy."""


def build_venues(
    config: BotConfig,
    engine: Engine,
    clock: LiveClock,
    instruments: Sequence[Instrument],
    sink: Any,
    run: int = 1,
) -> Venues:
    """Add each ``[[venues]]`` entry's execution client to ``engine``; make its data client."""
    venues = Venues()
    prices = config.start_prices()
    for section in config.venues:
        listed = [i for i in instruments if i.venue == section.name]
        if not listed:
            raise ConfigError(
                f"venue {section.name} has no [[instruments]]: add one with id = "
                f'"SYMBOL.{section.name}" or remove the venue'
            )
        if section.kind in ("mock", "paper"):
            venue = SimulatedVenue(
                section.name,
                clock=clock,
                fees=FeeModel(maker_bps=section.maker_bps, taker_bps=section.taker_bps),
                latency=LatencyModel.from_ms(section.latency_ms, seed=section.seed),
                id_prefix=f"{section.name}-r{run}",  # ids never repeat across restarts
            )
            engine.add_venue(venue)
            venues.simulated[section.name] = venue
            feed = MockFeed(
                listed,
                rate_hz=section.rate_hz,
                seed=section.seed,
                volatility=section.volatility,
                trade_probability=section.trade_probability,
                start_prices={
                    str(i): p
                    for i, p in prices.items()
                    if split_instrument_id(i)[1] == section.name
                },
                clock=clock,
            )
            venues.data[section.name] = MockDataClient(feed)
        else:
            from tradewind.venues.mock.remote import RemoteMockVenue

            assert section.port is not None  # the config refuses mock-server without a port
            remote = RemoteMockVenue(section.host, section.port, venue=section.name, clock=clock)
            engine.add_venue(remote)
            remote.connect(sink)  # its reports arrive on the live queue, not mid-step
            venues.sources[section.name] = remote
            venues.data[section.name] = remote
    return venues


def starting_balances(config: BotConfig, instruments: Sequence[Instrument]) -> dict[str, Any]:
    """Per venue, its configured balances (default: 100,000 of its first quote currency)."""
    books: dict[str, dict[str, Decimal]] = {}
    for section in config.venues:
        first = next(i for i in instruments if i.venue == section.name)
        books[section.name] = dict(section.balances) or {first.quote: DEFAULT_BALANCE}
    return books


def build_portfolio(
    config: BotConfig, engine: Engine, instruments: Sequence[Instrument]
) -> Portfolio:
    """The account across venues, in ``[bot] base_currency`` (default: first quote)."""
    currency = config.bot.base_currency or instruments[0].quote
    books = starting_balances(config, instruments)
    portfolio = Portfolio(engine.cache, base_currency=currency, starting_balances=books)
    engine.set_portfolio(portfolio)
    return portfolio


class Recording:
    """The engine's audit sink in a bot: market data to a MarketRecorder, the rest to audit."""

    def __init__(self, market: MarketRecorder | None, audit: AuditRecorder | None) -> None:
        self.market = market
        self.audit = audit
        self.wants_market_data = market is not None or bool(audit and audit.wants_market_data)
        self.errors = 0

    def __call__(self, event: object) -> None:
        try:
            if isinstance(event, _MARKET):
                if self.market is not None:
                    self.market.record(event)
            elif self.audit is not None:
                self.audit(event)
        except Exception:
            self.errors += 1

    def flush(self) -> None:
        """Hand buffered rows to the OS."""
        for part in (self.market, self.audit):
            if part is not None:
                part.flush()

    def close(self) -> None:
        """Close every file."""
        for part in (self.market, self.audit):
            if part is not None:
                part.close()

    def paths(self) -> list[str]:
        """Every file written so far."""
        out: list[Path] = []
        for part in (self.market, self.audit):
            if part is not None:
                out.extend(part.paths)
        return [str(p) for p in out]


def build_recording(config: BotConfig, record: str | Path | None) -> Recording | None:
    """The recorders ``[record]`` (or ``--record PATH``, which wins) asks for, if any."""
    path = record if record is not None else config.record.path
    if path is None:
        return None
    folder = Path(path)
    options: dict[str, Any] = {"format": config.record.format}
    if config.record.rotate_rows:
        options["rotate_rows"] = config.record.rotate_rows
    market = MarketRecorder(folder, **options)
    audit = AuditRecorder(folder / "audit") if config.record.audit else None
    return Recording(market, audit)
