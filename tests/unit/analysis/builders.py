"""Small builders for the analysis tests: curves on a time grid, fills and price series."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tradewind.analysis import EquityPoint, PricePoint, TradeRecord

SECOND = 1_000_000_000
HOUR = 3_600 * SECOND
DAY = 86_400 * SECOND
T0 = 1_704_067_200 * SECOND  # 2024-01-01T00:00:00Z

Amount = str | int | float | Decimal
"""Anything ``Decimal(str(x))`` reads exactly as written."""


def ns(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Nanoseconds since the epoch of a UTC wall-clock time."""
    moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return int(moment.timestamp()) * SECOND


def curve(values: Sequence[Amount], *, step: int = DAY, start: int = T0) -> list[EquityPoint]:
    """Equity points ``step`` apart, starting at ``start``."""
    return [EquityPoint(start + i * step, Decimal(str(v))) for i, v in enumerate(values)]


def at(points: Sequence[tuple[int, Amount]]) -> list[EquityPoint]:
    """Equity points at the given timestamps."""
    return [EquityPoint(ts, Decimal(str(v))) for ts, v in points]


def fill(
    pnl: Amount = 0,
    *,
    ts: int = T0,
    side: str = "SELL",
    instrument: str = "BTCUSDT",
    quantity: str = "1",
    price: str = "100",
    fee: str = "0",
) -> TradeRecord:
    """One fill; ``pnl`` is the PnL it realized (0 for an opening fill)."""
    return TradeRecord(
        ts=ts,
        instrument_id=instrument,
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fee=Decimal(fee),
        realized_pnl=Decimal(str(pnl)),
    )


def random_walk(
    n: int, *, seed: int, start: float = 10_000.0, step: int = HOUR
) -> list[EquityPoint]:
    """A reproducible random-walk equity curve of ``n`` points rounded to cents."""
    rng = random.Random(seed)
    value = start
    points = []
    for i in range(n):
        value *= 1.0 + rng.gauss(0.0002, 0.004)
        points.append(EquityPoint(T0 + i * step, Decimal(f"{value:.2f}")))
    return points


def price_walk(
    n: int, *, seed: int, instrument: str = "BTCUSDT", step: int = HOUR, start: float = 100.0
) -> list[PricePoint]:
    """A reproducible random-walk price series of ``n`` points."""
    rng = random.Random(seed)
    price = start
    points = []
    for i in range(n):
        price *= 1.0 + rng.gauss(0.0, 0.003)
        points.append(PricePoint(T0 + i * step, instrument, round(price, 2)))
    return points


def round_trips(
    count: int, *, seed: int, instrument: str = "BTCUSDT", step: int = HOUR
) -> list[TradeRecord]:
    """``count`` fills alternating open (no PnL) and close (a random PnL), ``step`` apart."""
    rng = random.Random(seed)
    trades = []
    for i in range(count):
        closing = i % 2 == 1
        pnl = Decimal(f"{rng.gauss(5, 40):.2f}") if closing else Decimal(0)
        trades.append(
            TradeRecord(
                ts=T0 + i * step,
                instrument_id=instrument,
                side="SELL" if closing else "BUY",
                quantity=Decimal("0.5"),
                price=Decimal(f"{100 + rng.uniform(-5, 5):.2f}"),
                fee=Decimal("0.05"),
                realized_pnl=pnl,
            )
        )
    return trades
