"""``tradewind run --config bot.toml`` and ``tradewind demo``: a live bot from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tradewind.errors import ConfigError


def add_run_commands(sub: Any) -> None:
    """Register ``run`` and ``demo`` on the ``tradewind`` parser."""
    run = sub.add_parser(
        "run", help="run a bot (strategies on venues) until SIGINT/SIGTERM or --duration"
    )
    run.add_argument("--config", type=Path, required=True, help="the bot's TOML file")
    _add_bot_options(run)
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser(
        "demo", help="a three-strategy bot on the mock venue for 15 s, then its summary"
    )
    _add_bot_options(demo)
    demo.add_argument(
        "--backtest",
        action="store_true",
        help="instead: backtest a built-in strategy on generated sample data",
    )
    demo.add_argument(
        "--out", type=Path, default=Path("tradewind-demo"), help="--backtest output folder"
    )
    demo.add_argument("--bars", type=int, default=100_000, help="--backtest sample bars")
    demo.set_defaults(func=cmd_demo)


def _add_bot_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--duration", help="run this long, then shut down cleanly (e.g. 60s, 5m; default: config)"
    )
    p.add_argument("--record", type=Path, metavar="PATH", help="record market data under PATH")
    p.add_argument(
        "--env",
        choices=("mock", "sandbox", "live"),
        help="settings preset .env.<name> from the working directory (default: mock)",
    )
    p.add_argument("--live", action="store_true", help="confirm a live (real money) run")
    p.add_argument(
        "--store",
        metavar="URL",
        help="state store: memory, sqlite:///PATH or postgresql://... (a url with a "
        "password belongs in $TRADEWIND_STORE_URL, not on the command line)",
    )
    p.add_argument(
        "--summary-json", type=Path, metavar="FILE", help="also write the summary as JSON"
    )
    p.add_argument(
        "--metrics-port", type=int, metavar="N", help="serve Prometheus /metrics on 127.0.0.1:N"
    )
    p.add_argument(
        "--dashboard", type=int, metavar="PORT", help="serve the web dashboard on 127.0.0.1:PORT"
    )
    p.add_argument(
        "--log-format", choices=("text", "json"), help="log lines as key=value text or JSON"
    )
    p.add_argument(
        "--log-level",
        default=None,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="log level (default: $TRADEWIND_LOG_LEVEL, else [log] level, else WARNING)",
    )
    p.add_argument("--debug", action="store_true", help="full tracebacks for errors")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot ``--config`` describes."""
    from tradewind.runtime.config import BotConfig

    return _run(BotConfig.load(args.config), args)


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo bot (or, with ``--backtest``, the sample-data backtest)."""
    if args.backtest:
        from tradewind.cli import cmd_backtest_demo

        return cmd_backtest_demo(args)
    from tradewind.runtime.demo import demo_config

    config = demo_config()
    if args.dashboard is not None:
        watch = (
            f"Dashboard: http://127.0.0.1:{args.dashboard}/ (its controls need "
            "TRADEWIND_DASHBOARD_TOKEN)"
        )
    else:
        watch = "Watch it in a browser: add --dashboard 8080 and open http://127.0.0.1:8080/"
    print(
        "tradewind demo: 3 strategies (btc_trend, eth_revert, majors_momentum) on BTCUSDT, "
        "ETHUSDT and SOLUSDT of the mock venue (synthetic feed, simulated fills).\n"
        f"{watch}\nCtrl-C stops it early; it stops by itself after "
        f"{args.duration or f'{config.bot.duration:g}s'}.\n",
        flush=True,
    )
    return _run(config, args)


def _run(config: Any, args: argparse.Namespace) -> int:
    from tradewind.runtime.bot import Bot
    from tradewind.runtime.config import parse_seconds
    from tradewind.runtime.env import load_environment
    from tradewind.runtime.logs import configure_logging
    from tradewind.runtime.report import format_summary

    env = load_environment(args.env, allow_live=args.live)
    level = args.log_level or env.get("TRADEWIND_LOG_LEVEL") or config.log.level
    if level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"TRADEWIND_LOG_LEVEL={level!r}: use DEBUG, INFO, WARNING or ERROR")
    configure_logging(
        level.upper(), args.log_format or config.log.format, config.log.path, bot=config.bot.name
    )
    duration = parse_seconds(args.duration, "--duration") if args.duration else None
    bot = Bot(
        config,
        env=env,
        record=args.record,
        store=args.store,
        metrics_port=args.metrics_port,
        dashboard_port=args.dashboard,
    )
    summary = asyncio.run(bot.run_until_shutdown(duration))
    print(format_summary(summary))
    if args.summary_json:
        args.summary_json.parent.mkdir(parents=True, exist_ok=True)
        args.summary_json.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    if summary.get("error"):
        print(f"error: {summary['error']}", file=sys.stderr)
        return 1
    return 0
