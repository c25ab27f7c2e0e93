"""Deterministic synthetic BTCUSDT quotes and bars for demos and tests, as bench/make_data.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tradewind.data.writers import write_arrow_table
from tradewind.errors import DataError

TICK = 0.01
LOT = 0.001
START_NS = 1_704_067_200 * 1_000_000_000  # 2024-01-01T00:00:00Z
START_PRICE = 40_000.0
ANNUAL_VOL = 0.35
SECONDS_PER_YEAR = 365 * 24 * 3600

QUOTES_SEED = 1
BARS_SEED = 2

Prices = npt.NDArray[np.float64]


def sample_quotes(n: int, seed: int = QUOTES_SEED) -> pa.Table:
    """One quote every 100 ms: a geometric random-walk mid, a 1 or 2 tick spread, sizes >= 2 BTC."""
    rng = np.random.default_rng(seed)
    mid = _walk(rng, n, 0.1)
    bid = np.round(np.floor(mid / TICK + 1e-9) * TICK, 2)
    spread_ticks = np.where(rng.random(n) < 0.7, 1, 2)
    ask = np.round(bid + spread_ticks * TICK, 2)
    return pa.table(
        {
            "ts_ns": START_NS + np.arange(n, dtype=np.int64) * 100_000_000,
            "bid": bid,
            "ask": ask,
            "bid_size": _to_lot(2.0 + rng.exponential(3.0, n)),
            "ask_size": _to_lot(2.0 + rng.exponential(3.0, n)),
        }
    )


def sample_bars(n: int, seed: int = BARS_SEED) -> pa.Table:
    """1-minute bars stamped at their open; each opens at the previous close; volume >= 10 BTC."""
    rng = np.random.default_rng(seed)
    close = _to_tick(_walk(rng, n + 1, 60.0))
    open_, close = close[:-1], close[1:]
    # Intrabar excursions beyond the open/close range, about 1/3 of a 1-minute sigma.
    wick = START_PRICE * ANNUAL_VOL * np.sqrt(60.0 / SECONDS_PER_YEAR) / 3
    high = _to_tick(np.maximum(open_, close) + rng.exponential(wick, n))
    low = _to_tick(np.minimum(open_, close) - rng.exponential(wick, n))
    return pa.table(
        {
            "ts_ns": START_NS + np.arange(n, dtype=np.int64) * 60_000_000_000,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": _to_lot(10.0 + rng.lognormal(3.0, 1.0, n)),
        }
    )


def write_sample_quotes(path: str | Path, n: int = 36_000, seed: int = QUOTES_SEED) -> Path:
    """Write ``n`` synthetic quotes (default: one hour) to a Parquet, CSV or JSONL file."""
    return write_arrow_table(sample_quotes(n, seed), path)


def write_sample_bars(path: str | Path, n: int = 1_440, seed: int = BARS_SEED) -> Path:
    """Write ``n`` synthetic 1-minute bars (default: one day) to a Parquet, CSV or JSONL file."""
    return write_arrow_table(sample_bars(n, seed), path)


def write_sample(path: str | Path, kind: str, n: int, seed: int | None = None) -> Path:
    """Write ``n`` synthetic rows of ``kind``, "quotes" or "bars" (seeds default as make_data's)."""
    if n < 1:
        raise DataError(f"{path}: a sample needs at least one row, not {n}")
    if kind == "quotes":
        return write_sample_quotes(path, n, QUOTES_SEED if seed is None else seed)
    if kind == "bars":
        return write_sample_bars(path, n, BARS_SEED if seed is None else seed)
    raise DataError(f"{path}: no sample data of kind {kind!r}; use 'quotes' or 'bars'")


def _walk(rng: np.random.Generator, n: int, step_seconds: float) -> Prices:
    """Geometric random walk starting at START_PRICE, n points."""
    sigma = ANNUAL_VOL * np.sqrt(step_seconds / SECONDS_PER_YEAR)
    log_ret = rng.normal(0.0, sigma, n)
    if n:
        log_ret[0] = 0.0
    return START_PRICE * np.exp(np.cumsum(log_ret))


def _to_tick(x: Prices) -> Prices:
    return np.round(np.round(x / TICK) * TICK, 2)


def _to_lot(x: Prices) -> Prices:
    return np.round(np.round(x / LOT) * LOT, 3)
