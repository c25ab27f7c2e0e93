"""Synthetic price paths written to files, backtests on them, and their fills in short form."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind import Instrument, Strategy
from tradewind.data import write_table
from tradewind.data.stream import DataSpec
from tradewind.runtime.backtest import BacktestResult, run_backtest

START_NS = 1_704_067_200 * 1_000_000_000  # 2024-01-01T00:00:00Z
SECOND_NS = 1_000_000_000
BTCUSDT = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001")

Fill = tuple[float, str, Decimal, Decimal]
"""(seconds after the first row, side, quantity, price) of one fill."""


class Market:
    """Writes prices as quotes, trades or bars into a temporary folder and backtests on them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files = 0

    def quotes(self, mids: Sequence[float], *, half_spread: float = 0.01, step_s: int = 1) -> Path:
        """One quote per ``step_s``: bid and ask ``half_spread`` either side of each mid."""
        return self._write(
            {
                "ts_ns": self._times(len(mids), step_s),
                "bid": [round(m - half_spread, 2) for m in mids],
                "ask": [round(m + half_spread, 2) for m in mids],
                "bid_size": [10.0] * len(mids),
                "ask_size": [10.0] * len(mids),
            }
        )

    def trades(self, prices: Sequence[float], *, step_s: int = 1) -> Path:
        """One print of 10 units per ``step_s``."""
        return self._write(
            {
                "ts_ns": self._times(len(prices), step_s),
                "price": list(prices),
                "size": [10.0] * len(prices),
            }
        )

    def bars(self, closes: Sequence[float], *, step_s: int = 60) -> Path:
        """Bars stamped at their open, each opening at the previous close."""
        opens = [closes[0], *closes[:-1]]
        return self._write(
            {
                "ts_ns": self._times(len(closes), step_s),
                "open": opens,
                "high": [max(o, c) for o, c in zip(opens, closes, strict=True)],
                "low": [min(o, c) for o, c in zip(opens, closes, strict=True)],
                "close": list(closes),
                "volume": [100.0] * len(closes),
            }
        )

    def path(self, kind: str, prices: Sequence[float]) -> Path:
        """``prices`` as quote mids, trade prices or bar closes."""
        return {"quotes": self.quotes, "trades": self.trades, "bars": self.bars}[kind](prices)

    def run(
        self,
        strategy: Strategy[Any],
        path: Path,
        *,
        instruments: Sequence[Instrument] = (BTCUSDT,),
        symbol: str | None = "BTCUSDT",
    ) -> BacktestResult:
        """Backtest ``strategy`` on one data file, without fees or latency."""
        return run_backtest(strategy, [DataSpec(path, symbol=symbol)], instruments=instruments)

    def _write(self, columns: dict[str, list[Any]]) -> Path:
        self._files += 1
        return write_table(columns, self.folder / f"data{self._files}.parquet")

    @staticmethod
    def _times(n: int, step_s: int) -> list[int]:
        return [START_NS + k * step_s * SECOND_NS for k in range(n)]


def fills(result: BacktestResult) -> list[Fill]:
    """Each fill as (seconds after the first row, side, quantity, price)."""
    return [
        ((row["ts_event"] - START_NS) / SECOND_NS, row["side"], row["quantity"], row["price"])
        for row in result.fills
    ]


def held(result: BacktestResult, strategy: Strategy[Any]) -> Decimal:
    """The strategy's position in BTCUSDT at the end of the run."""
    return result.portfolio.position(BTCUSDT.id, strategy.id).quantity


def fill(seconds: float, side: str, quantity: str, price: str) -> Fill:
    """An expected fill, written with strings for exact decimals."""
    return (seconds, side, Decimal(quantity), Decimal(price))
