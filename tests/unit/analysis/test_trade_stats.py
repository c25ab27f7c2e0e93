"""round_trip_stats and compute_stats over trades: win rate, average win and loss, expectancy."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tradewind.analysis import TradeRecord, compute_stats, round_trip_stats, round_trips
from tradewind.analysis.round_trips import closed_trades
from tradewind.analysis.trade_stats import total

from .builders import HOUR, T0, curve, fill


def trade(side: str, entry: str, exit_: str, *, start: int, hours: int) -> list[TradeRecord]:
    """One round trip of 1 unit: ``side`` is the opening fill's side."""
    other = "SELL" if side == "BUY" else "BUY"
    return [
        TradeRecord(
            T0 + start * HOUR, "BTCUSDT", side, Decimal(1), Decimal(entry), Decimal(0), Decimal(0)
        ),
        TradeRecord(
            T0 + (start + hours) * HOUR,
            "BTCUSDT",
            other,
            Decimal(1),
            Decimal(exit_),
            Decimal(0),
            Decimal(0),
        ),
    ]


# +10% long, -5% long, -4% short, a scratch, +20% short
FIVE = (
    trade("BUY", "100", "110", start=0, hours=2)
    + trade("BUY", "100", "95", start=10, hours=1)
    + trade("SELL", "100", "104", start=20, hours=3)
    + trade("BUY", "100", "100", start=30, hours=2)
    + trade("SELL", "100", "80", start=40, hours=4)
)


def test_trade_statistics_of_five_hand_made_trades() -> None:
    stats = round_trip_stats(round_trips(FIVE))
    assert stats["round_trips"] == 5
    assert stats["trade_win_rate"] == pytest.approx(0.4)
    assert stats["avg_win_return"] == pytest.approx(0.15)
    assert stats["avg_loss_return"] == pytest.approx(-0.045)
    assert stats["best_trade_return"] == pytest.approx(0.2)
    assert stats["worst_trade_return"] == pytest.approx(-0.05)
    assert stats["expectancy"] == Decimal("4.2")  # (10 - 5 - 4 + 0 + 20) / 5
    assert stats["expectancy_return"] == pytest.approx(0.042)
    assert stats["trade_profit_factor"] == pytest.approx(30 / 9)
    assert stats["avg_holding_s"] == pytest.approx(2.4 * 3600)
    assert stats["max_losing_streak"] == 2


def test_expectancy_is_rounded_to_eight_places_without_trailing_zeros() -> None:
    fills = (
        trade("BUY", "100", "101", start=0, hours=1)
        + trade("BUY", "100", "101", start=2, hours=1)
        + trade("BUY", "100", "99", start=4, hours=1)
    )
    assert round_trip_stats(round_trips(fills))["expectancy"] == Decimal("0.33333333")
    flat = trade("BUY", "100", "102", start=0, hours=1) + trade(
        "BUY", "100", "98", start=2, hours=1
    )
    assert str(round_trip_stats(round_trips(flat))["expectancy"]) == "0"


def test_split_fees_left_as_fractions_still_sum_exactly() -> None:
    # the flip's fee of 1 splits 1/3 : 2/3, so the PnLs are -1/3 and 4/3
    fills = [
        fill(side="BUY", quantity="1", price="100"),
        fill(ts=T0 + HOUR, side="SELL", quantity="3", price="100", fee="1"),
        fill(ts=T0 + 2 * HOUR, side="BUY", quantity="2", price="99"),
    ]
    stats = round_trip_stats(round_trips(fills))
    assert stats["expectancy"] == Decimal("0.5")  # (-1/3 + 4/3) / 2, exactly
    assert stats["trade_profit_factor"] == 4.0  # (4/3) / (1/3)


def test_statistics_read_the_trades_once_as_they_close() -> None:
    assert round_trip_stats(closed_trades(FIVE)) == round_trip_stats(round_trips(FIVE))


def test_a_total_of_decimals_is_a_decimal_and_fractions_join_exactly() -> None:
    amounts = [Decimal("0.1")] * 10 + [Decimal("1E+30"), Decimal("-1E+30")]
    assert total(amounts) == Decimal(1) and isinstance(total(amounts), Decimal)
    assert total([Decimal("0.5"), Fraction(1, 3), Fraction(2, 3)]) == Decimal("1.5")
    assert total([Decimal("0.5"), Fraction(1, 3)]) == Fraction(5, 6)
    assert total([]) == 0


def test_without_a_losing_trade_the_profit_factor_and_average_loss_are_undefined() -> None:
    stats = round_trip_stats(round_trips(trade("BUY", "100", "110", start=0, hours=1)))
    assert stats["trade_win_rate"] == 1.0
    assert stats["trade_profit_factor"] is None
    assert stats["avg_loss_return"] is None
    assert stats["max_losing_streak"] == 0


def test_no_trades_leave_every_trade_statistic_undefined() -> None:
    stats = round_trip_stats([])
    assert stats["round_trips"] == 0
    assert stats["max_losing_streak"] == 0
    others = set(stats) - {"round_trips", "max_losing_streak"}
    assert others and all(stats[key] is None for key in others)


def test_compute_stats_adds_the_trade_statistics_next_to_the_fill_statistics() -> None:
    stats = compute_stats(curve([100, 101, 102]), FIVE)
    assert stats["round_trips"] == 5
    assert stats["trade_win_rate"] == pytest.approx(0.4)
    assert stats["fills"] == 10  # the fill statistics are still there


def test_compute_stats_passes_the_contract_multipliers_to_the_trades() -> None:
    fills = trade("BUY", "100", "110", start=0, hours=1)
    plain = compute_stats(curve([100, 101]), fills)
    scaled = compute_stats(curve([100, 101]), fills, multipliers={"BTCUSDT": Decimal(10)})
    assert plain["expectancy"] == Decimal(10)
    assert scaled["expectancy"] == Decimal(100)
    assert plain["expectancy_return"] == scaled["expectancy_return"] == pytest.approx(0.1)
