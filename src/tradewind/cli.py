"""The ``tradewind`` command: backtest, list strategies, run a bot, run the demo."""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tradewind.errors import ConfigError, TradewindError

DEFAULT_SYMBOL = "BTCUSDT"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)?$")
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
    "d": 86_400 * 10**9,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code (0 ok, 2 bad input, 1 a strategy or internal error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except TradewindError as exc:
        print(f"error: {_redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in a strategy (or in tradewind): say where, briefly
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(
                f"error: {_where(exc)}: {type(exc).__name__}: {_redact(str(exc))} (rerun with "
                "--debug for the full traceback)",
                file=sys.stderr,
            )
        return 1


def _redact(text: str) -> str:
    from tradewind.runtime.logs import redact

    return redact(text)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/tradewind/" not in f.filename.replace("\\", "/")]
    frame = (inside or frames)[-1] if frames else None
    return f"{frame.filename}:{frame.lineno} in {frame.name}" if frame else "unknown place"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradewind",
        description="Write a trading strategy once; backtest, paper trade and trade it live.",
    )
    sub = parser.add_subparsers(dest="command")

    bt = sub.add_parser("backtest", help="backtest a strategy on quotes, trades or bars files")
    add_backtest_options(bt)
    bt.set_defaults(func=cmd_backtest)

    st = sub.add_parser("strategies", help="list the built-in strategies and their parameters")
    st.set_defaults(func=cmd_strategies)

    from tradewind.cli_replay import add_replay_command
    from tradewind.cli_run import add_run_commands

    add_run_commands(sub)
    add_replay_command(sub)
    return parser


def add_backtest_options(p: argparse.ArgumentParser) -> None:
    """The options ``backtest`` and ``replay`` share: strategy, data, outputs, market, risk,
    progress and debug."""
    p.add_argument(
        "--strategy",
        required=True,
        help="a built-in name (see 'tradewind strategies'), module:Class or file.py:Class",
    )
    p.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="[SYMBOL=]PATH",
        help="a Parquet, CSV or JSONL file, or a recording folder (every recording file in "
        "it); repeat for several (merged by time)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a strategy parameter; repeat for several",
    )
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    _add_market_options(p)
    _add_risk_options(p)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    p.add_argument("--debug", action="store_true", help="full tracebacks for errors")


def _add_market_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("instruments and venue")
    g.add_argument(
        "--symbol",
        default=DEFAULT_SYMBOL,
        help=f"instrument of files without a symbol column (default {DEFAULT_SYMBOL})",
    )
    g.add_argument("--venue", default="SIM", help="simulated venue name (default SIM)")
    g.add_argument(
        "--instrument",
        action="append",
        default=[],
        metavar="SYMBOL:key=value,...",
        help="define an instrument, e.g. ETHUSDT:tick=0.01,lot=0.0001,min_notional=5 "
        "(keys: tick, lot, min_qty, min_notional, multiplier, base, quote, "
        "asset_class)",
    )
    g.add_argument("--tick-size", default="0.01", help="tick of instruments not defined otherwise")
    g.add_argument("--lot-size", default="0.001", help="lot of instruments not defined otherwise")
    g.add_argument(
        "--balance",
        action="append",
        default=[],
        metavar="ASSET=AMOUNT",
        help="starting balance (default: 100000 of the quote currency)",
    )
    g.add_argument("--maker-bps", default="0", help="maker fee in basis points (default 0)")
    g.add_argument("--taker-bps", default="0", help="taker fee in basis points (default 0)")
    g.add_argument("--latency-ms", type=float, default=0.0, help="fixed order latency")
    g.add_argument("--latency-jitter-ms", type=float, default=0.0, help="random extra latency")
    g.add_argument("--seed", type=int, default=0, help="seed of the latency model")
    g.add_argument(
        "--bar-fill",
        choices=("next_open", "close"),
        default="next_open",
        help="fill market orders on bars at the next open (default) or this close",
    )
    g.add_argument(
        "--bar-ts",
        choices=("open", "close"),
        default="open",
        help="bar timestamps in the files are open (default) or close times",
    )
    g.add_argument(
        "--bar-interval",
        default=None,
        help="bar length, e.g. 1m or 60s (default: inferred from the data)",
    )


def _add_risk_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("risk limits")
    g.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE.toml",
        help="a TOML file whose [risk] table sets risk limits (keys as for --risk)",
    )
    g.add_argument(
        "--risk",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a risk limit, e.g. max_orders_per_second=2 or daily_loss_limit=500; repeat for "
        "several; overrides --config",
    )


# ------------------------------------------------------------------- commands
def cmd_backtest(args: argparse.Namespace) -> int:
    """``tradewind backtest`` (a recording folder is accepted as ``--data`` too)."""
    from tradewind.cli_replay import data_specs, run_from_args

    return run_from_args(args, data_specs(args))


def cmd_strategies(args: argparse.Namespace) -> int:
    """``tradewind strategies``."""
    from tradewind.strategy.registry import describe_builtins

    for entry in describe_builtins():
        print(f"{entry['name']}: {entry['description']}")
        for p in entry["params"]:
            desc = f"  {p['description']}" if p["description"] else ""
            print(f"    --param {p['name']}=<{p['type']}>  (default {p['default']}){desc}")
        print()
    print("Your own: --strategy package.module:Class or --strategy path/to/file.py:Class")
    return 0


def cmd_backtest_demo(args: argparse.Namespace) -> int:
    """``tradewind demo --backtest``: sample data, a built-in strategy, a report."""
    from tradewind.data.sample import write_sample

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    data = out / "sample_bars.parquet"
    if not data.exists():
        write_sample(data, "bars", args.bars)
        print(f"wrote {args.bars:,} sample one-minute BTCUSDT bars to {data}")
    params = ["fast=60", "slow=240", "size=0.1", "min_edge_bps=20", "cooldown_s=3600"]
    argv = ["backtest", "--strategy", "ma_crossover", "--data", f"BTCUSDT={data}"]
    for param in params:
        argv += ["--param", param]
    argv += ["--taker-bps", "5", "--maker-bps", "2", "--out", str(out / "backtest")]
    print("running: tradewind " + " ".join(argv) + "\n")
    return main(argv)


def print_summary(summary: dict[str, Any], out: Path) -> None:
    """The summary table a person reads after a run."""
    ccy = summary.get("currency", "")
    rows = [
        ("strategies", ", ".join(summary["strategies"])),
        ("instruments", ", ".join(summary["instruments"])),
        ("period", f"{summary['start']} .. {summary['end']}"),
        ("events", f"{summary['events']:,}"),
        ("orders / fills", f"{summary['orders']:,} / {summary['fills']:,}"),
        ("realized PnL", _money(summary["realized_pnl"], ccy)),
        ("unrealized PnL", _money(summary["unrealized_pnl"], ccy)),
        ("fees", _money(summary["fees"], ccy)),
        ("total return", _pct(summary["total_return"])),
        ("max drawdown", _pct(summary["max_drawdown"])),
        (
            "sharpe / sortino / calmar",
            " / ".join(_num(summary[k]) for k in ("sharpe", "sortino", "calmar")),
        ),
        (
            "win rate / profit factor",
            f"{_pct(summary['win_rate'])} / {_num(summary['profit_factor'])}",
        ),
    ]
    if summary.get("denials"):
        rows.append(("denials", ", ".join(f"{k} {v:,}" for k, v in summary["denials"].items())))
    for halt in summary.get("halts", []):
        rows.append((halt["state"], f"{halt['time']} {halt['scope']}: {halt['cause']}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    from tradewind.runtime.output import OUTPUT_FILES

    print(f"\n  wrote {out}/" + ", ".join(OUTPUT_FILES))


def _money(value: Any, currency: str) -> str:
    return f"{value} {currency}" if value is not None else f"n/a (no rate to {currency} yet)"


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.2f}"


# -------------------------------------------------------------------- parsing
def _key_values(items: Sequence[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"{option} {item!r} is not KEY=VALUE: write it like {option} fast=10")
        out[key.strip()] = value.strip()
    return out


def risk_config(path: Path | None, options: Sequence[str]) -> Any:
    """The RiskConfig of a ``--config`` file's [risk] table and ``--risk`` options (which
    override the file); None when neither gives any."""
    from tradewind.risk import RiskConfig

    values: dict[str, Any] = {}
    if path is not None:
        values = _risk_table(path)
        RiskConfig.parse(values, f"{path} [risk]")
    overrides = _key_values(options, "--risk")
    if not values and not overrides:
        return None
    return RiskConfig.parse({**values, **overrides}, "--risk" if overrides else f"{path} [risk]")


def _risk_table(path: Path) -> dict[str, Any]:
    from tradewind.runtime.config import read_toml

    document = read_toml(path)
    unknown = sorted(set(document) - {"risk"})
    if unknown:
        raise ConfigError(
            f"--config {path}: unknown key {unknown[0]!r} (known: risk): put risk limits in "
            "a [risk] table"
        )
    table = document.get("risk", {})
    if not isinstance(table, dict):
        raise ConfigError(f"--config {path}: 'risk' must be a table: write [risk] above the keys")
    return table


def _decimal(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ConfigError(f"{option} {text!r} is not a number: write e.g. {option} 10") from None
    if not value.is_finite():
        raise ConfigError(f"{option} {text!r} is not finite: give a finite number")
    return value


def parse_duration(text: str, option: str) -> int:
    """``60s``, ``1m``, ``250ms``, ``1h``, ``1d`` or plain nanoseconds, as nanoseconds."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{option} {text!r} is not a duration: write e.g. 1m, 60s or 250ms")
    return int(float(match.group(1)) * _UNIT_NS[match.group(2) or "ns"])


def _check_exists(path: Path) -> None:
    from tradewind.errors import DataError

    if not path.exists():
        raise DataError(f"{path}: no such file: check the --data path")
    if path.is_dir():
        raise DataError(f"{path}: is a folder: give a Parquet, CSV or JSONL file")


def _has_symbol_column(path: Path) -> bool:
    from tradewind.data.readers import open_data

    return "symbol" in open_data(path).column_names


def _file_symbols(path: Path) -> list[str]:
    """The distinct symbols of a file's symbol column, in order of first appearance."""
    from tradewind.data.readers import open_data

    data = open_data(path)
    if data.format == "parquet":
        import pyarrow.parquet as pq

        column = pq.read_table(path, columns=[data.column_names["symbol"]]).column(0)
        return [str(s) for s in column.unique().to_pylist() if s is not None]
    seen: dict[str, None] = {}
    for batch in data.batches():
        seen.update(dict.fromkeys(batch.columns["symbol"]))
    return list(seen)


def parse_instrument(text: str, venue: str) -> Any:
    """``SYMBOL:tick=0.01,lot=0.001,...`` as an Instrument."""
    from tradewind.model.instrument_spec import parse_instrument_spec

    return parse_instrument_spec(text, venue)


if __name__ == "__main__":
    sys.exit(main())
