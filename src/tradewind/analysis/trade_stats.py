"""Statistics of round-trip trades: count, win rate, average win and loss, holding time."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from tradewind.analysis.round_trips import RoundTrip, rounded_ratio
from tradewind.model import exact
from tradewind.model.exact import Exact

TradeStat = float | int | Decimal | None
"""One trade statistic: a float fraction or span, an int count, an exact-rounded amount, None."""

MEAN_DECIMALS = 8
"""Places of the mean PnL per trade (``expectancy``), rounded half-even."""

_NS_PER_S = 1_000_000_000
_ZERO = Decimal(0)
_NO_TRADES: dict[str, TradeStat] = {
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


def round_trip_stats(trips: Iterable[RoundTrip]) -> dict[str, TradeStat]:
    """The statistics of closed round-trip trades, read once in order; undefined ones are None.

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

    PnL sums are exact (``total``) and rounded once, at the end. The returns are the trades'
    ``trade_return`` (each rounded to ``RETURN_DECIMALS`` places) as floats, summed without
    accumulated error (``math.fsum``).
    """
    wins: list[Exact] = []
    losses: list[Exact] = []
    returns: list[float] = []
    win_returns: list[float] = []
    loss_returns: list[float] = []
    count = holding = longest_streak = streak = 0
    for trip in trips:
        count += 1
        holding += trip.holding_ns
        pnl = trip.pnl
        ratio = None if trip.trade_return is None else float(trip.trade_return)
        if ratio is not None:
            returns.append(ratio)
        if pnl > 0:
            wins.append(pnl)
            if ratio is not None:
                win_returns.append(ratio)
        elif pnl < 0:
            losses.append(pnl)
            if ratio is not None:
                loss_returns.append(ratio)
        streak = streak + 1 if pnl < 0 else 0
        longest_streak = max(longest_streak, streak)
    if count == 0:
        return dict(_NO_TRADES)
    gross_win, gross_loss = total(wins), exact.sub(_ZERO, total(losses))
    return {
        "round_trips": count,
        "trade_win_rate": len(wins) / count,
        "avg_win_return": _mean_float(win_returns),
        "avg_loss_return": _mean_float(loss_returns),
        "best_trade_return": max(returns) if returns else None,
        "worst_trade_return": min(returns) if returns else None,
        "expectancy": rounded_ratio(
            exact.sub(gross_win, gross_loss), Decimal(count), MEAN_DECIMALS
        ),
        "expectancy_return": _mean_float(returns),
        "trade_profit_factor": (
            float(Fraction(gross_win) / Fraction(gross_loss)) if gross_loss else None
        ),
        "avg_holding_s": holding / count / _NS_PER_S,
        "max_losing_streak": longest_streak,
    }


def total(amounts: Iterable[Exact]) -> Exact:
    """The exact sum of ``amounts``: a Decimal when every one is, else a Fraction.

    Decimals are added as Decimals in tradewind's exact context (``tradewind.model.exact``),
    far cheaper than Fractions; the Fractions a split fee can leave are summed on their own
    and joined at the end.
    """
    decimals: Exact = _ZERO
    fractions = Fraction(0)
    for amount in amounts:
        if type(amount) is Decimal:
            decimals = exact.add(decimals, amount)
        else:
            fractions += Fraction(amount)
    return exact.add(decimals, fractions) if fractions else decimals


def _mean_float(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None
