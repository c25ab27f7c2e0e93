"""``tradewind replay``: recorded market data through a strategy, at full speed or paced.

The options and outputs are those of ``tradewind backtest``; ``--data`` may also name a
recording folder (``MarketRecorder``'s rotated files, every one of them, in time order), and
``--realtime`` delivers events at their recorded pace (times ``--speed``). Recorded symbols
are instrument ids (``BTCUSDT.BINANCE``): each replays on a simulated venue of that name,
with the tick and lot of a matching ``--instrument BTCUSDT:...`` (else the defaults).
``--realtime --dashboard PORT`` serves the web dashboard of the replay while it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tradewind.cli import (
    _check_exists,
    _decimal,
    _file_symbols,
    _has_symbol_column,
    _key_values,
    add_backtest_options,
    parse_duration,
    parse_instrument,
    print_summary,
    risk_config,
)
from tradewind.errors import ConfigError, DataError

RECORDING_FILE = re.compile(r"^(quotes|trades|bars)-(\d{4}-\d{2}-\d{2})-(\d+)\.(jsonl|parquet)$")
"""The names ``MarketRecorder`` gives its files: ``{kind}-{YYYY-MM-DD}-{NNNN}.{ext}``."""


def add_replay_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``replay`` to the ``tradewind`` command's subparsers; returns its parser."""
    rp: argparse.ArgumentParser = subparsers.add_parser(
        "replay",
        help="replay recorded market data through a strategy, as fast as possible or paced",
        description="Replay recorded market data (a MarketRecorder folder, or data files) "
        "through a strategy on a simulated venue: a backtest, optionally paced in real time.",
    )
    rp.add_argument(
        "--realtime",
        action="store_true",
        help="deliver events at their recorded pace (times --speed) instead of at full speed",
    )
    rp.add_argument(
        "--speed",
        default=None,
        metavar="X",
        help="with --realtime: replay X times faster than recorded (default 1.0)",
    )
    rp.add_argument(
        "--dashboard",
        type=int,
        default=None,
        metavar="PORT",
        help="with --realtime: serve the web dashboard of the replay on 127.0.0.1:PORT "
        "(0 takes a free port; read-only: a replay takes no commands)",
    )
    add_backtest_options(rp)
    rp.set_defaults(func=cmd_replay)
    return rp


def cmd_replay(args: argparse.Namespace) -> int:
    """``tradewind replay``."""
    speed = replay_speed(args.realtime, args.speed)
    port = getattr(args, "dashboard", None)
    if port is None:
        return run_from_args(args, data_specs(args), speed=speed, title="replay")
    if speed is None:
        raise ConfigError(
            "--dashboard shows a replay as it runs: add --realtime (and --speed X to go faster)"
        )
    if not 0 <= port <= 65535:
        raise ConfigError(f"--dashboard {port} is not a port: give 1-65535, or 0 for a free one")
    return asyncio.run(_replay_with_dashboard(args, data_specs(args), speed, port))


async def _replay_with_dashboard(
    args: argparse.Namespace, specs: Sequence[Any], speed: float, port: int
) -> int:
    """The paced replay in a worker thread, its dashboard served on this loop until it ends."""
    from tradewind.runtime.dashboard import Dashboard, ReplaySource
    from tradewind.runtime.env import Secret

    token = os.environ.get("TRADEWIND_DASHBOARD_TOKEN")
    source = ReplaySource(f"{args.strategy} replay", speed=speed)
    dashboard = Dashboard(source, Secret(token) if token else None)
    server = asyncio.ensure_future(dashboard.serve("127.0.0.1", port))
    while dashboard.port is None and not server.done():
        await asyncio.sleep(0.02)
    if server.done():
        server.result()  # the reason it could not listen
    print(f"dashboard: http://127.0.0.1:{dashboard.port}/", file=sys.stderr, flush=True)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    def replay() -> None:
        try:
            code = run_from_args(args, specs, speed=speed, title="replay", on_built=source.built)
        except BaseException as exc:
            source.finished(str(exc))
            loop.call_soon_threadsafe(_settle, done, None, exc)
        else:
            source.finished()
            loop.call_soon_threadsafe(_settle, done, code, None)

    # a daemon thread: Ctrl-C ends the process even while the replay sleeps between events
    threading.Thread(target=replay, name="replay", daemon=True).start()
    try:
        return await done
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)


def _settle(future: asyncio.Future[int], code: int | None, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(code or 0)


def replay_speed(realtime: bool, speed: str | float | None) -> float | None:
    """The pace of ``--realtime`` (``--speed``, default 1.0); None without ``--realtime``."""
    if not realtime:
        if speed is not None:
            raise ConfigError(
                f"--speed {speed} paces a real-time replay: add --realtime (without it the "
                "replay runs as fast as possible)"
            )
        return None
    if speed is None:
        return 1.0
    try:
        value = float(speed)
    except ValueError:
        raise ConfigError(f"--speed {speed!r} is not a number: write e.g. --speed 2.0") from None
    if not 0 < value < math.inf:
        raise ConfigError(f"--speed {speed} must be > 0: 1.0 is real time, 2.0 twice as fast")
    return value


def recording_files(folder: Path) -> list[Path]:
    """Every recording file in ``folder``, in time order (day, then file number)."""
    found = sorted(
        (m.group(2), int(m.group(3)), m.group(1), path)
        for path in folder.iterdir()
        if (m := RECORDING_FILE.match(path.name)) and path.is_file()
    )
    if not found:
        raise DataError(
            f"{folder}: no recording files in this folder (MarketRecorder names them like "
            "quotes-2024-01-01-0001.jsonl): give a recording folder or a data file"
        )
    return [path for *_, path in found]


def data_specs(args: argparse.Namespace) -> list[Any]:
    """``--data`` as DataSpecs: a folder becomes its recording files (bars at their close,
    as recorded), a file takes ``--bar-ts`` and ``--bar-interval``."""
    from tradewind.data.stream import DataSpec

    interval = (
        None if args.bar_interval is None else parse_duration(args.bar_interval, "--bar-interval")
    )
    specs = []
    for text in args.data:
        spec = DataSpec.parse(text)
        if spec.path.is_dir():
            for path in recording_files(spec.path):
                bar_ts = "close" if path.name.startswith("bars-") else args.bar_ts
                specs.append(DataSpec(path, symbol=spec.symbol, bar_ts=bar_ts))
            continue
        _check_exists(spec.path)
        specs.append(
            DataSpec(spec.path, symbol=spec.symbol, bar_ts=args.bar_ts, bar_interval_ns=interval)
        )
    return specs


def run_from_args(
    args: argparse.Namespace,
    specs: Sequence[Any],
    *,
    speed: float | None = None,
    title: str = "backtest",
    on_built: Any = None,
) -> int:
    """The body of ``tradewind backtest`` and ``replay``: the strategy, instruments, venue and
    risk from the options, ``run_backtest`` over ``specs``, outputs written and summarised.
    ``on_built`` goes to ``run_backtest`` (the dashboard of a replay attaches there)."""
    from tradewind.data.stream import DataSpec
    from tradewind.runtime.backtest import run_backtest
    from tradewind.strategy.registry import load_strategy
    from tradewind.venues.simulated import FeeModel, LatencyModel

    strategy = load_strategy(args.strategy)(_key_values(args.param, "--param"))
    instruments = instruments_for(args, specs)
    specs = [
        s
        if s.symbol is not None or _has_symbol_column(s.path)
        else DataSpec(
            s.path, symbol=args.symbol, bar_ts=s.bar_ts, bar_interval_ns=s.bar_interval_ns
        )
        for s in specs
    ]
    balances = _key_values(args.balance, "--balance")
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    result = run_backtest(
        strategy,
        specs,
        instruments=instruments,
        fees=FeeModel(
            _decimal(args.maker_bps, "--maker-bps"), _decimal(args.taker_bps, "--taker-bps")
        ),
        latency=LatencyModel.from_ms(args.latency_ms, args.latency_jitter_ms, args.seed),
        bar_fill=args.bar_fill,
        starting_balances={k: _decimal(v, f"--balance {k}") for k, v in balances.items()} or None,
        progress=progress,
        risk=risk_config(args.config, args.risk),
        speed=speed,
        on_built=on_built,
    )
    out = result.write(args.out, title=f"{strategy.id} {title}")
    print_summary(result.summary, out)
    return 0


def instruments_for(args: argparse.Namespace, specs: Sequence[Any]) -> list[Any]:
    """The instruments the data names, defined by ``--instrument`` or the default grid.

    A name is looked up as an ``--instrument`` symbol first; else ``SYMBOL.VENUE`` (what a
    recording holds) is that symbol on that venue, taking the grid of an ``--instrument``
    of the same symbol if there is one; else it is a symbol on ``--venue``.
    """
    from tradewind.model.identifiers import split_instrument_id
    from tradewind.model.instrument import Instrument

    defined: dict[str, Instrument] = {}
    for text in args.instrument:
        instrument = parse_instrument(text, args.venue)
        defined[instrument.symbol] = instrument
    names: list[str] = []
    for spec in specs:
        if spec.symbol is not None:
            names.append(spec.symbol)
        elif _has_symbol_column(spec.path):
            names.extend(_file_symbols(spec.path))
        else:
            names.append(args.symbol)

    def default(symbol: str, venue: str) -> Instrument:
        return Instrument.spot(
            symbol,
            venue,
            tick_size=_decimal(args.tick_size, "--tick-size"),
            lot_size=_decimal(args.lot_size, "--lot-size"),
        )

    found: dict[str, Instrument] = {}
    moved: set[str] = set()
    for name in dict.fromkeys(names):
        if name in defined:
            instrument = defined[name]
        elif "." in name:
            symbol, venue = split_instrument_id(name)
            own = defined.get(symbol)
            instrument = default(symbol, venue) if own is None else own
            if instrument.venue != venue:
                instrument = dataclasses.replace(instrument, venue=venue)
                moved.add(symbol)
        else:
            instrument = default(name, args.venue)
        found.setdefault(instrument.id, instrument)
    for instrument in defined.values():
        if instrument.symbol not in moved:
            found.setdefault(instrument.id, instrument)
    return list(found.values())
