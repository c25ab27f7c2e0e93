"""Performance statistics of a run: returns, risk, drawdown and the quality of its trades."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal

import numpy as np
import numpy.typing as npt

from tradewind.analysis.records import EquityPoint, TradeRecord
from tradewind.analysis.round_trips import closed_trades
from tradewind.analysis.trade_stats import round_trip_stats
from tradewind.errors import ConfigError, DataError
from tradewind.model import exact

StatValue = float | int | str | Decimal | None
"""One statistic: a float ratio, an int count, an exact Decimal amount, a str, or None."""

_NS_PER_S = 1_000_000_000
_SECONDS_PER_YEAR = 365 * 86_400
# Returns are fractions; a spread this small is float noise on a constant series, not risk.
_ZERO_SPREAD = 1e-12

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]

MAX_DECIMALS = 8
"""Most decimal places of a Decimal statistic made by a division (``avg_win``, ``avg_loss``)."""
# Sums and differences of money run here so they stay exact well past the default 28 digits.
_EXACT = Context(prec=200)
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)


def compute_stats(
    equity: Sequence[EquityPoint],
    trades: Sequence[TradeRecord],
    *,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
    multipliers: Mapping[str, Decimal] | None = None,
) -> dict[str, StatValue]:
    """Compute the performance statistics of an equity curve, its fills and its trades.

    ``equity`` must be in time order. A statistic that is undefined for the inputs (too few
    points, zero volatility, no losing trade, no drawdown, ...) is ``None``, never NaN or
    infinity. Money (``start_equity``, ``end_equity``, ``net_pnl``, ``fees``,
    ``realized_pnl``, ``largest_win``, ``largest_loss``) stays exact ``Decimal``, written
    with no positive exponent (``100``, not ``1E+2``); the means ``avg_win`` and ``avg_loss`` are
    ``Decimal`` rounded half-even to at most ``MAX_DECIMALS`` places; ratios are ``float``.

    With equity values ``E_0 .. E_n`` at times ``t_0 .. t_n``:

    - period returns ``r_i = E_i / E_{i-1} - 1`` for each ``i`` with ``E_{i-1} > 0``
      (a period that starts at non-positive equity has no return and is skipped).
    - ``periods_per_year`` ``P``: as given, else ``365 * 86400 / median(t_i - t_{i-1})``
      over the positive spacings, in seconds (a 365-day year: crypto trades every day).
    - ``total_return = E_n / E_0 - 1``.
    - ``cagr = (E_n / E_0) ** (1 / years) - 1`` with ``years = (t_n - t_0) / 365 days``;
      ``-1.0`` when ``E_n <= 0`` (everything lost).
    - ``volatility = stdev(r) * sqrt(P)`` (sample standard deviation, ``ddof=1``).
    - excess returns ``x_i = r_i - risk_free / P``; ``risk_free`` is an annual rate.
    - ``sharpe = mean(x) / stdev(x) * sqrt(P)``; ``None`` when ``stdev(x)`` is zero.
    - ``sortino = mean(x) / sqrt(mean(min(x_i, 0) ** 2)) * sqrt(P)`` (downside deviation
      over all periods, target 0); ``None`` when no period has a negative excess return.
    - drawdown ``D_i = 1 - E_i / max(E_0 .. E_i)`` (0 while the running peak is not
      positive); ``max_drawdown = max(D)``, a positive fraction.
    - ``max_drawdown_duration_s``: longest time from a peak until equity is back at or above
      it (or until ``t_n`` if it never is), in seconds.
    - ``calmar = cagr / max_drawdown``; ``None`` when there was no drawdown.
    - ``exposure``: fraction of ``[t_0, t_n]`` during which any instrument had a non-zero
      position, rebuilt from the fills (``BUY`` adds, ``SELL`` subtracts, flat at start).

    Over the fills: a fill *realized* PnL when ``realized_pnl != 0``; ``trades`` counts
    those, ``fills`` counts all. ``win_rate = wins / trades``; ``profit_factor = gross
    profit / gross loss`` (``None`` without a losing trade); ``avg_win`` and ``avg_loss``
    are the mean PnL of winning and losing fills (``avg_loss`` is negative); ``fees`` and
    ``realized_pnl`` are exact sums over all fills.

    Over the round-trip trades the fills make (``closed_trades``, read as they close, with
    the contract ``multipliers`` by instrument id): ``round_trips``, ``trade_win_rate``,
    ``avg_win_return``, ``avg_loss_return``, ``best_trade_return``, ``worst_trade_return``,
    ``expectancy``, ``expectancy_return``, ``trade_profit_factor``, ``avg_holding_s`` and
    ``max_losing_streak``, as defined by ``round_trip_stats``.

    Raises ``ConfigError`` for a non-positive ``periods_per_year`` or a non-finite
    ``risk_free``, and ``DataError`` when ``equity`` is out of time order.
    """
    if periods_per_year is not None and not (
        math.isfinite(periods_per_year) and periods_per_year > 0
    ):
        raise ConfigError(
            f"periods_per_year must be a positive number, got {periods_per_year!r}; "
            "pass e.g. 365 for daily points, or None to infer it from the timestamps"
        )
    if not math.isfinite(risk_free):
        raise ConfigError(f"risk_free must be a finite annual rate, got {risk_free!r}")

    ts, values = _equity_arrays(equity)
    stats: dict[str, StatValue] = {}
    stats.update(_return_stats(ts, values, periods_per_year, risk_free))
    stats.update(_equity_bounds(equity))
    stats["exposure"] = _exposure(trades, ts)
    stats.update(_trade_stats(trades))
    stats.update(round_trip_stats(closed_trades(trades, multipliers=multipliers)))
    return stats


def drawdown_series(equity: Sequence[EquityPoint]) -> list[float]:
    """Drawdown at each point as a positive fraction below the running peak (0 at a peak)."""
    _, values = _equity_arrays(equity)
    return [float(d) for d in _drawdowns(values)]


def monthly_returns(equity: Sequence[EquityPoint]) -> dict[tuple[int, int], float]:
    """Return of each calendar month (UTC) that has equity points, keyed by ``(year, month)``.

    A month's return is its last equity over the previous month's last equity, minus one;
    the first month is measured from the first point. A month whose base equity is not
    positive has no defined return and is left out.
    """
    ts, values = _equity_arrays(equity)
    if len(ts) == 0:
        return {}
    months = ts.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    last_in_month = np.flatnonzero(np.diff(months) != 0)
    ends = np.append(last_in_month, len(ts) - 1)
    bases = np.concatenate(([values[0]], values[last_in_month]))
    result: dict[tuple[int, int], float] = {}
    for end, base in zip(ends, bases, strict=True):
        if base <= 0:
            continue
        month_index = int(months[end])
        key = (1970 + month_index // 12, month_index % 12 + 1)
        result[key] = float(values[end] / base - 1.0)
    return result


def _equity_arrays(equity: Sequence[EquityPoint]) -> tuple[_Ints, _Floats]:
    ts = np.fromiter((p.ts for p in equity), dtype=np.int64, count=len(equity))
    values = np.fromiter((float(p.equity) for p in equity), dtype=np.float64, count=len(equity))
    if len(ts) > 1 and bool(np.any(np.diff(ts) < 0)):
        first = int(np.flatnonzero(np.diff(ts) < 0)[0]) + 1
        raise DataError(
            f"equity points must be in time order, but point {first} (ts={int(ts[first])}) "
            f"comes before point {first - 1} (ts={int(ts[first - 1])}); sort them by ts"
        )
    return ts, values


def _return_stats(
    ts: _Ints, values: _Floats, periods_per_year: float | None, risk_free: float
) -> dict[str, StatValue]:
    returns = _period_returns(values)
    ppy = periods_per_year if periods_per_year is not None else _infer_periods_per_year(ts)
    drawdowns = _drawdowns(values)
    max_dd = float(drawdowns.max()) if len(drawdowns) else None
    cagr = _cagr(ts, values)

    volatility = sharpe = sortino = None
    if ppy is not None and len(returns) >= 2:
        excess = returns - risk_free / ppy
        spread = float(np.std(returns, ddof=1))
        if spread > _ZERO_SPREAD:
            volatility = spread * math.sqrt(ppy)
            sharpe = float(np.mean(excess)) / spread * math.sqrt(ppy)
        else:
            volatility = 0.0
        downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
        if downside > _ZERO_SPREAD:
            sortino = float(np.mean(excess)) / downside * math.sqrt(ppy)

    total_return = None
    if len(values) and values[0] > 0:
        total_return = float(values[-1] / values[0] - 1.0)
    calmar = cagr / max_dd if cagr is not None and max_dd else None

    return {
        "start": _iso_utc(int(ts[0])) if len(ts) else None,
        "end": _iso_utc(int(ts[-1])) if len(ts) else None,
        "periods": len(values),
        "periods_per_year": _finite(ppy),
        "total_return": _finite(total_return),
        "cagr": _finite(cagr),
        "volatility": _finite(volatility),
        "sharpe": _finite(sharpe),
        "sortino": _finite(sortino),
        "calmar": _finite(calmar),
        "max_drawdown": _finite(max_dd),
        "max_drawdown_duration_s": _max_drawdown_duration_s(ts, values),
    }


def _period_returns(values: _Floats) -> _Floats:
    if len(values) < 2:
        return np.empty(0, dtype=np.float64)
    previous, current = values[:-1], values[1:]
    valid = previous > 0
    return np.asarray(current[valid] / previous[valid] - 1.0, dtype=np.float64)


def _infer_periods_per_year(ts: _Ints) -> float | None:
    spacings = np.diff(ts)
    spacings = spacings[spacings > 0]
    if len(spacings) == 0:
        return None
    median_s = float(np.median(spacings)) / _NS_PER_S
    return _SECONDS_PER_YEAR / median_s


def _drawdowns(values: _Floats) -> _Floats:
    if len(values) == 0:
        return np.empty(0, dtype=np.float64)
    peaks = np.maximum.accumulate(values)
    drawdown = np.zeros_like(values)
    positive = peaks > 0
    drawdown[positive] = 1.0 - values[positive] / peaks[positive]
    return drawdown


def _max_drawdown_duration_s(ts: _Ints, values: _Floats) -> float | None:
    if len(values) == 0:
        return None
    if len(values) == 1:
        return 0.0
    peaks = np.maximum.accumulate(values)
    underwater = values < peaks
    index = np.arange(len(values))
    # Index of the latest point that stood at (or made) the running peak.
    peak_index = np.maximum.accumulate(np.where(underwater, 0, index))
    in_spell = underwater[1:] | underwater[:-1]
    if not bool(in_spell.any()):
        return 0.0
    durations = ts[1:] - ts[peak_index[:-1]]
    return float(durations[in_spell].max()) / _NS_PER_S


def _cagr(ts: _Ints, values: _Floats) -> float | None:
    if len(values) < 2 or values[0] <= 0:
        return None
    years = float(ts[-1] - ts[0]) / _NS_PER_S / _SECONDS_PER_YEAR
    if years <= 0:
        return None
    ratio = float(values[-1] / values[0])
    if ratio <= 0:
        return -1.0
    try:
        return math.exp(math.log(ratio) / years) - 1.0
    except OverflowError:
        return None


def _equity_bounds(equity: Sequence[EquityPoint]) -> dict[str, StatValue]:
    if not equity:
        return {"start_equity": None, "end_equity": None, "net_pnl": None}
    start, end = equity[0].equity, equity[-1].equity
    return {
        "start_equity": _plain(start),
        "end_equity": _plain(end),
        "net_pnl": _plain(_EXACT.subtract(end, start)),
    }


def _exposure(trades: Sequence[TradeRecord], ts: _Ints) -> float | None:
    if len(ts) < 2 or ts[-1] <= ts[0]:
        return None
    window_start, window_end = int(ts[0]), int(ts[-1])
    positions: dict[str, Decimal] = {}
    open_count = 0
    opened_at = 0
    exposed_ns = 0
    for fill in sorted(trades, key=lambda t: t.ts):
        before = positions.get(fill.instrument_id, Decimal(0))
        signed = fill.quantity if fill.side == "BUY" else -fill.quantity
        after = before + signed
        positions[fill.instrument_id] = after
        if before == 0 and after != 0:
            if open_count == 0:
                opened_at = fill.ts
            open_count += 1
        elif before != 0 and after == 0:
            open_count -= 1
            if open_count == 0:
                exposed_ns += _overlap(opened_at, fill.ts, window_start, window_end)
    if open_count > 0:
        exposed_ns += _overlap(opened_at, window_end, window_start, window_end)
    return exposed_ns / (window_end - window_start)


def _overlap(start: int, end: int, window_start: int, window_end: int) -> int:
    return max(0, min(end, window_end) - max(start, window_start))


def _trade_stats(trades: Sequence[TradeRecord]) -> dict[str, StatValue]:
    pnls = [t.realized_pnl for t in trades if t.realized_pnl != 0]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    gross_profit = _sum(wins)
    gross_loss = _EXACT.minus(_sum(losses))
    return {
        "fills": len(trades),
        "trades": len(pnls),
        "win_rate": len(wins) / len(pnls) if pnls else None,
        "profit_factor": _finite(float(gross_profit / gross_loss)) if gross_loss else None,
        "avg_win": _mean(gross_profit, len(wins)),
        "avg_loss": _mean(_EXACT.minus(gross_loss), len(losses)),
        "largest_win": _plain(max(wins)) if wins else None,
        "largest_loss": _plain(min(losses)) if losses else None,
        "fees": _plain(_sum(t.fee for t in trades)),
        "realized_pnl": _plain(_sum(t.realized_pnl for t in trades)),
    }


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for amount in amounts:
        total = _EXACT.add(total, amount)
    return total


def _mean(total: Decimal, count: int) -> Decimal | None:
    if count == 0:
        return None
    mean = _EXACT.divide(total, Decimal(count))
    exponent = mean.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        # Round, then drop the zeros rounding left behind (2.000000001 -> 2, not 2.00000000).
        mean = mean.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN, context=_EXACT)
        mean = _EXACT.normalize(mean)
    return _plain(mean)


def _plain(amount: Decimal) -> Decimal:
    """The same amount with a non-positive exponent, so ``str`` never writes ``1E+2``."""
    return exact.plain(amount, trim=False)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _iso_utc(ts: int) -> str:
    seconds, nanos = divmod(ts, _NS_PER_S)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}Z" if nanos else f"{text}Z"
