"""Command-line options of the mock venue server, read into ``MockVenueServer`` arguments."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from tradewind.errors import ConfigError
from tradewind.model.instrument_spec import exact_number, parse_instrument_spec
from tradewind.venues.simulated import FeeModel, LatencyModel

USAGE = "python -m tradewind.venues.mock.server"
DESCRIPTION = "A mock venue (synthetic feed + simulated matching) serving bots on a local port."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=USAGE, description=DESCRIPTION)
    p.add_argument("--instrument", action="append", default=[], metavar="SYMBOL:tick=..,lot=..")
    p.add_argument("--venue", default="SIM")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    p.add_argument("--price", action="append", default=[], metavar="SYMBOL=PRICE")
    p.add_argument("--balance", action="append", default=[], metavar="ASSET=AMOUNT")
    p.add_argument("--rate-hz", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--taker-bps", default="5", help="taker fee, basis points (default 5)")
    p.add_argument("--maker-bps", default="1", help="maker fee, basis points (default 1)")
    p.add_argument("--latency-ms", type=float, default=5.0, help="order latency (default 5)")
    return p


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key or not value:
            raise ConfigError(f"--{what} {item!r}: write KEY=VALUE, e.g. BTCUSDT=50000")
        pairs[key] = value
    return pairs


def server_options(argv: list[str] | None = None) -> dict[str, Any]:
    """``MockVenueServer`` keyword arguments from command-line options; ``ConfigError`` if bad."""
    a = _parser().parse_args(argv)
    if not 0 <= a.port <= 65535:
        raise ConfigError(f"--port {a.port}: give 0 (any free port) or a port up to 65535")
    if not 0 <= a.latency_ms <= 60_000:
        raise ConfigError(f"--latency-ms {a.latency_ms}: give milliseconds from 0 to 60000")
    try:
        prices = {k: float(v) for k, v in _pairs(a.price, "price").items()}
    except ValueError:
        raise ConfigError(f"--price {a.price}: prices must be numbers, e.g. 50000") from None
    balances = {
        asset: exact_number(amount, f"--balance {asset}")
        for asset, amount in _pairs(a.balance, "balance").items()
    }
    return dict(
        instruments=[parse_instrument_spec(text, a.venue) for text in a.instrument],
        venue=a.venue,
        host=a.host,
        port=a.port,
        rate_hz=a.rate_hz,
        seed=a.seed,
        fees=FeeModel(
            maker_bps=exact_number(a.maker_bps, "--maker-bps"),
            taker_bps=exact_number(a.taker_bps, "--taker-bps"),
        ),
        latency=LatencyModel.from_ms(a.latency_ms),
        balances=balances or None,
        start_prices=prices,
    )
