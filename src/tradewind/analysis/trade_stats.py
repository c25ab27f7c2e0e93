"""Statistics of round-trip trades: count, win rate, average win and loss, holding time."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from tradewind.analysis.round_trips import RoundTrip
from tradewind.model import exact

TradeStat = float | int | Decimal | None
"""One trade statistic: a float fraction or span, an int count, an exact-rounded amount, None."""

MEAN_DECIMALS = 8
"""Places of the mean PnL per trade (``expectancy``), rounded half-even."""

_NS_PER_S = 1_000_000_000


def round_trip_stats(trips: Sequence[RoundTrip]) -> dict[str, TradeStat]:
    """The statistics of closed round-trip trades; undefined ones are None.

    A trade *wins* when its PnL net of fees is above zero and *loses* when below; a trade
    that made exactly zero is neither but counts in ``round_trips``.

    - ``round_trips``: the number of closed trades.
    - ``trade_win_rate = wins / round_trips``.
    - ``avg_win_return`` / ``avg_loss_return``: mean return (net PnL over entry notional, a
      fraction) of the winning / losing trades; ``avg_loss_return`` is negative.
    - ``best_trade_return`` / ``worst_trade_return``: the highest and lowest return.
    - ``expectancy``: mean net PnL per trade, rounded half-even to ``MEAN_DECIMALS`` places;
      ``expectancy_return``: mean return per trade (what one more trade is worth, on average).
    - ``trade_profit_factor``: net PnL of the winners over that of the losers (None without
      a losing trade).
    - ``avg_holding_s``: mean time from entry to exit, in seconds.
    - ``max_losing_streak``: most losing trades in a row, in the order they closed.

    Means and sums are exact (``Fraction``) before the final conversion.
    """
    count = len(trips)
    if count == 0:
        return {
            "round_trips": 0,
            "trade_win_rate": None,
            "avg_win_return": None,
            "avg_loss_return": None,
            "best_trade_return": None,
            "worst_trade_return": None,
            "expectancy": None,
            "expectancy_return": None,
            "trade_profit_factor": None,
            "avg_holding_s": None,
            "max_losing_streak": 0,
        }
    pnls = [Fraction(t.pnl) for t in trips]
    returns = [Fraction(t.trade_return) for t in trips if t.trade_return is not None]
    win_returns = [
        Fraction(t.trade_return) for t in trips if t.pnl > 0 and t.trade_return is not None
    ]
    loss_returns = [
        Fraction(t.trade_return) for t in trips if t.pnl < 0 and t.trade_return is not None
    ]
    gross_win = sum((p for p in pnls if p > 0), Fraction(0))
    gross_loss = -sum((p for p in pnls if p < 0), Fraction(0))
    holding = sum(t.holding_ns for t in trips)
    return {
        "round_trips": count,
        "trade_win_rate": sum(1 for p in pnls if p > 0) / count,
        "avg_win_return": _mean_float(win_returns),
        "avg_loss_return": _mean_float(loss_returns),
        "best_trade_return": float(max(returns)) if returns else None,
        "worst_trade_return": float(min(returns)) if returns else None,
        "expectancy": _plain(exact.to_decimal(sum(pnls, Fraction(0)) / count, MEAN_DECIMALS)),
        "expectancy_return": _mean_float(returns),
        "trade_profit_factor": float(gross_win / gross_loss) if gross_loss else None,
        "avg_holding_s": holding / count / _NS_PER_S,
        "max_losing_streak": _longest_losing_streak(pnls),
    }


def _longest_losing_streak(pnls: Sequence[Fraction]) -> int:
    longest = run = 0
    for pnl in pnls:
        run = run + 1 if pnl < 0 else 0
        longest = max(longest, run)
    return longest


def _mean_float(values: Sequence[Fraction]) -> float | None:
    return float(sum(values, Fraction(0)) / len(values)) if values else None


def _plain(amount: Decimal) -> Decimal:
    """Drop the zeros rounding left (``2.00000000`` -> ``2``), never writing an exponent."""
    if not amount:
        return Decimal(0)  # also for a tiny loss rounded to -0
    amount = amount.normalize()
    exponent = amount.as_tuple().exponent
    return amount.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else amount
