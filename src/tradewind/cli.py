"""The ``tradewind`` command: backtest, list strategies, run the demo."""

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
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in a strategy (or in tradewind): say where, briefly
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(
                f"error: {_where(exc)}: {type(exc).__name__}: {exc} (rerun with --debug for "
                "the full traceback)",
                file=sys.stderr,
            )
        return 1


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
    bt.add_argument(
        "--strategy",
        required=True,
        help="a built-in name (see 'tradewind strategies'), module:Class or file.py:Class",
    )
    bt.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="[SYMBOL=]PATH",
        help="a Parquet, CSV or JSONL file; repeat for several (merged by time)",
    )
    bt.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a strategy parameter; repeat for several",
    )
    bt.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    _add_market_options(bt)
    _add_risk_options(bt)
    bt.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    bt.add_argument("--debug", action="store_true", help="full tracebacks for errors")
    bt.set_defaults(func=cmd_backtest)

    st = sub.add_parser("strategies", help="list the built-in strategies and their parameters")
    st.set_defaults(func=cmd_strategies)

    demo = sub.add_parser("demo", help="backtest a built-in strategy on generated sample data")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("tradewind-demo"),
        help="output folder (default: tradewind-demo)",
    )
    demo.add_argument("--bars", type=int, default=100_000, help="sample bars to generate")
    demo.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)
    return parser


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
    """``tradewind backtest``."""
    from tradewind.data.stream import DataSpec
    from tradewind.runtime.backtest import run_backtest
    from tradewind.strategy.registry import load_strategy
    from tradewind.venues.simulated import FeeModel, LatencyModel

    strategy_cls = load_strategy(args.strategy)
    params = _key_values(args.param, "--param")
    strategy = strategy_cls(params)
    interval = (
        None if args.bar_interval is None else parse_duration(args.bar_interval, "--bar-interval")
    )
    specs = []
    for text in args.data:
        spec = DataSpec.parse(text)
        specs.append(
            DataSpec(
                spec.path,
                symbol=spec.symbol,
                kind=None,
                bar_ts=args.bar_ts,
                bar_interval_ns=interval,
            )
        )
        _check_exists(spec.path)
    instruments = _instruments(args, specs)
    specs = [
        s
        if s.symbol is not None or _has_symbol_column(s.path)
        else DataSpec(
            s.path, symbol=args.symbol, bar_ts=s.bar_ts, bar_interval_ns=s.bar_interval_ns
        )
        for s in specs
    ]
    balances = _key_values(args.balance, "--balance")
    risk = risk_config(args.config, args.risk)
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
        risk=risk,
    )
    out = result.write(args.out, title=f"{strategy.id} backtest")
    print_summary(result.summary, out)
    return 0


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


def cmd_demo(args: argparse.Namespace) -> int:
    """``tradewind demo``: sample data, a built-in strategy, a report."""
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
    print(f"\n  wrote {out}/summary.json, fills.csv, orders.csv, equity.csv, report.html")


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
    import tomllib

    if not path.is_file():
        raise ConfigError(f"--config {path}: no such file: give the path of a TOML file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config {path}: not valid TOML ({exc}): fix the file") from None
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


def _instruments(args: argparse.Namespace, specs: Sequence[Any]) -> list[Any]:
    from tradewind.model.instrument import Instrument

    defined: dict[str, Instrument] = {}
    for text in args.instrument:
        instrument = parse_instrument(text, args.venue)
        defined[instrument.symbol] = instrument
    symbols = [s.symbol for s in specs if s.symbol] or []
    for spec in specs:
        if spec.symbol is None and not _has_symbol_column(spec.path):
            symbols.append(args.symbol)
        elif spec.symbol is None:
            symbols.extend(_file_symbols(spec.path))
    for symbol in dict.fromkeys(symbols):
        if symbol not in defined:
            defined[symbol] = Instrument.spot(
                symbol,
                args.venue,
                tick_size=_decimal(args.tick_size, "--tick-size"),
                lot_size=_decimal(args.lot_size, "--lot-size"),
            )
    return list(defined.values())


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
