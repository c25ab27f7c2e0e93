"""trade_log / round_trips: fills grouped into trades flat to flat, exact PnL, rounded returns."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.analysis import RoundTrip, TradeRecord, round_trips, trade_log
from tradewind.analysis.round_trips import (
    ADDS,
    CLOSES,
    FLIPS,
    OPENS,
    PRICE_DECIMALS,
    REDUCES,
    RETURN_DECIMALS,
    closed_trades,
    rounded_ratio,
)
from tradewind.errors import DataError
from tradewind.model import exact
from tradewind.model.identifiers import InstrumentId
from tradewind.model.position import Position

from .builders import HOUR, T0


def f(
    side: str,
    quantity: str,
    price: str,
    fee: str = "0",
    *,
    hour: int = 0,
    instrument: str = "BTCUSDT",
) -> TradeRecord:
    """A fill ``hour`` hours after T0."""
    return TradeRecord(
        ts=T0 + hour * HOUR,
        instrument_id=instrument,
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        fee=Decimal(fee),
        realized_pnl=Decimal(0),
    )


def only(trips: list[RoundTrip]) -> RoundTrip:
    assert len(trips) == 1
    return trips[0]


def test_a_buy_then_a_sell_is_one_long_trade_net_of_both_fees() -> None:
    trip = only(round_trips([f("BUY", "1", "100", "0.1"), f("SELL", "1", "110", "0.11", hour=3)]))
    assert trip == RoundTrip(
        instrument_id="BTCUSDT",
        side="LONG",
        entry_ts=T0,
        entry_price=Decimal(100),
        exit_ts=T0 + 3 * HOUR,
        exit_price=Decimal(110),
        quantity=Decimal(1),
        entry_notional=Decimal(100),
        gross_pnl=Decimal(10),
        fees=Decimal("0.21"),
        pnl=Decimal("9.79"),
        trade_return=Decimal("0.0979"),
        fills=2,
    )
    assert trip.holding_ns == 3 * HOUR


def test_partial_entries_average_the_entry_price_by_quantity() -> None:
    fills = [f("BUY", "1", "100"), f("BUY", "3", "104", hour=1), f("SELL", "4", "105", hour=2)]
    trip = only(round_trips(fills))
    assert trip.entry_price == Decimal(103)  # (100 + 3 x 104) / 4
    assert trip.quantity == Decimal(4)
    assert trip.gross_pnl == Decimal(8)  # 4 x 105 - 412
    # 8 / 412 repeats: the return is rounded half-even to RETURN_DECIMALS places
    assert trip.trade_return == Decimal("0.01941747572816")
    assert trip.fills == 3
    assert trip.entry_ts == T0 and trip.exit_ts == T0 + 2 * HOUR


def test_partial_exits_average_the_exit_price_and_the_trade_ends_only_when_flat() -> None:
    fills = [f("BUY", "4", "100"), f("SELL", "1", "110", hour=1), f("SELL", "3", "90", hour=5)]
    log = trade_log(fills)
    trip = only(list(log.closed))
    assert log.actions == (OPENS, REDUCES, CLOSES)
    assert trip.exit_price == Decimal(95)  # (110 + 3 x 90) / 4
    assert trip.gross_pnl == Decimal(-20)
    assert trip.pnl == Decimal(-20)
    assert trip.trade_return == Decimal("-0.05")  # -20 / 400
    assert trip.exit_ts == T0 + 5 * HOUR
    assert log.open == ()


def test_an_average_that_does_not_terminate_is_rounded_but_the_pnl_stays_exact() -> None:
    fills = [f("BUY", "1", "100"), f("BUY", "2", "101"), f("SELL", "3", "102")]
    trip = only(round_trips(fills))
    assert PRICE_DECIMALS == 12 and RETURN_DECIMALS == 14
    assert trip.entry_price == Decimal("100.666666666667")  # 302 / 3
    assert trip.exit_price == Decimal(102)
    assert trip.gross_pnl == Decimal(4)
    assert trip.entry_notional == Decimal(302)
    assert trip.trade_return == Decimal("0.01324503311258")  # 4 / 302


def test_scaling_in_and_out_without_reaching_flat_is_one_trade_sized_by_its_peak() -> None:
    fills = [
        f("BUY", "2", "100"),
        f("SELL", "1", "110", hour=1),
        f("BUY", "1", "105", hour=2),
        f("SELL", "2", "120", hour=3),
    ]
    log = trade_log(fills)
    trip = only(list(log.closed))
    assert log.actions == (OPENS, REDUCES, ADDS, CLOSES)
    assert trip.quantity == Decimal(2)
    assert trip.entry_price == Decimal("101.666666666667")  # 305 / 3
    assert trip.exit_price == Decimal("116.666666666667")  # 350 / 3
    assert trip.gross_pnl == Decimal(45)
    assert trip.entry_notional == Decimal(305)
    assert trip.fills == 4


def test_a_short_earns_when_the_price_falls() -> None:
    fills = [f("SELL", "2", "50", "0.05"), f("BUY", "2", "45", "0.045", hour=1)]
    trip = only(round_trips(fills))
    assert trip.side == "SHORT"
    assert trip.entry_price == Decimal(50) and trip.exit_price == Decimal(45)
    assert trip.gross_pnl == Decimal(10)
    assert trip.fees == Decimal("0.095")
    assert trip.pnl == Decimal("9.905")
    assert trip.trade_return == Decimal("0.09905")


def test_a_losing_short_has_a_negative_return() -> None:
    trip = only(round_trips([f("SELL", "1", "200", "1"), f("BUY", "1", "210", "1", hour=1)]))
    assert trip.gross_pnl == Decimal(-10)
    assert trip.pnl == Decimal(-12)
    assert trip.trade_return == Decimal("-0.06")


def test_a_flip_closes_one_trade_and_opens_the_next_splitting_its_fee_by_quantity() -> None:
    fills = [
        f("BUY", "1", "100", "0.3"),
        f("SELL", "3", "110", "0.9", hour=2),  # closes 1 long, opens 2 short
        f("BUY", "2", "100", "0.2", hour=5),
    ]
    log = trade_log(fills)
    assert log.actions == (OPENS, FLIPS, CLOSES)
    first, second = log.closed
    assert (first.side, first.quantity, first.fills) == ("LONG", Decimal(1), 2)
    assert first.gross_pnl == Decimal(10)
    assert first.fees == Decimal("0.6")  # 0.3 + 1/3 of 0.9
    assert first.pnl == Decimal("9.4")
    assert first.exit_ts == T0 + 2 * HOUR
    assert (second.side, second.quantity, second.fills) == ("SHORT", Decimal(2), 2)
    assert second.entry_ts == T0 + 2 * HOUR and second.entry_price == Decimal(110)
    assert second.gross_pnl == Decimal(20)
    assert second.fees == Decimal("0.8")  # 2/3 of 0.9 + 0.2
    assert second.pnl == Decimal("19.2")
    assert second.trade_return == Decimal("0.08727272727273")  # 19.2 / 220


def test_a_flip_fee_that_does_not_split_evenly_is_kept_exact() -> None:
    fills = [f("BUY", "1", "100"), f("SELL", "3", "100", "1", hour=1), f("BUY", "2", "99", hour=2)]
    first, second = round_trips(fills)
    assert first.fees == Fraction(1, 3)
    assert second.fees == Fraction(2, 3)
    assert exact.add(first.fees, second.fees) == 1
    assert first.pnl == Fraction(-1, 3)
    assert second.pnl == Fraction(4, 3)  # 2 x (100 - 99) - 2/3


def test_a_return_on_a_split_fee_is_rounded_from_the_exact_fraction() -> None:
    fills = [f("BUY", "1", "100"), f("SELL", "3", "100", "1", hour=1), f("BUY", "2", "99", hour=2)]
    first, second = round_trips(fills)
    assert first.trade_return == Decimal("-0.00333333333333")  # -1/3 over 100
    assert second.trade_return == Decimal("0.00666666666667")  # 4/3 over 200


def test_entries_all_at_one_price_average_to_that_price_exactly() -> None:
    price = "100.123456789012345"  # more places than an average is rounded to
    fills = [f("BUY", "1", price), f("BUY", "2", price, hour=1), f("SELL", "3", price, hour=2)]
    trip = only(round_trips(fills))
    assert trip.entry_price == trip.exit_price == Decimal(price)
    mixed = [f("BUY", "1", price), f("BUY", "2", "100", hour=1), f("SELL", "3", "100", hour=2)]
    assert only(round_trips(mixed)).entry_price == Decimal("100.041152263004")


def test_a_contract_multiplier_scales_pnl_and_notional() -> None:
    fills = [
        f("BUY", "2", "30000", "0.5", instrument="BTC-PERP"),
        f("SELL", "2", "31000", "0.5", instrument="BTC-PERP"),
    ]
    trip = only(round_trips(fills, multipliers={"BTC-PERP": Decimal("0.001")}))
    assert trip.entry_notional == Decimal("60.000")
    assert trip.gross_pnl == Decimal("2.000")
    assert trip.pnl == Decimal("1.000")
    assert trip.trade_return == Decimal("0.01666666666667")  # 1 / 60


def test_instruments_are_traded_independently_and_trades_are_listed_as_they_close() -> None:
    fills = [
        f("BUY", "1", "100", instrument="BTC", hour=0),
        f("SELL", "5", "10", instrument="ETH", hour=1),
        f("BUY", "5", "9", instrument="ETH", hour=2),
        f("SELL", "1", "120", instrument="BTC", hour=3),
    ]
    eth, btc = round_trips(fills)
    assert (eth.instrument_id, eth.side, eth.gross_pnl) == ("ETH", "SHORT", Decimal(5))
    assert (btc.instrument_id, btc.side, btc.gross_pnl) == ("BTC", "LONG", Decimal(20))


def test_a_position_left_open_is_reported_but_not_counted_as_a_trade() -> None:
    fills = [
        f("BUY", "1", "100"),
        f("SELL", "1", "101", hour=1),
        f("SELL", "2", "102", "0.1", hour=2),
        f("SELL", "1", "99", hour=3),
    ]
    log = trade_log(fills)
    assert len(log.closed) == 1
    (still,) = log.open
    assert (still.instrument_id, still.side, still.quantity) == ("BTCUSDT", "SHORT", Decimal(3))
    assert still.entry_ts == T0 + 2 * HOUR
    assert still.entry_price == Decimal(101)  # (2 x 102 + 99) / 3
    assert still.fills == 2


def test_fills_are_walked_in_time_order_and_same_time_fills_keep_their_order() -> None:
    fills = [
        f("SELL", "1", "110", hour=4),
        f("BUY", "1", "100", hour=1),
        f("BUY", "1", "100", hour=4),  # same time as the sell, after it: opens the next trade
    ]
    log = trade_log(fills)
    assert log.actions == (CLOSES, OPENS, OPENS)
    assert only(list(log.closed)).gross_pnl == Decimal(10)
    assert log.open[0].entry_ts == T0 + 4 * HOUR


def test_closed_trades_yields_the_trades_one_by_one_as_they_close() -> None:
    fills = [
        f("BUY", "1", "100", hour=0),
        f("SELL", "2", "110", hour=1),
        f("BUY", "1", "105", hour=2),
        f("BUY", "1", "104", hour=3),  # opens a long left open
    ]
    trades = closed_trades(fills)
    assert next(trades) == round_trips(fills)[0]
    assert list(trades) == round_trips(fills)[1:]
    assert len(round_trips(fills)) == 2


@pytest.mark.parametrize(
    ("numerator", "denominator", "places", "expected"),
    [
        ("1", "8", 2, "0.12"),  # a tie goes to the even digit
        ("3", "8", 2, "0.38"),
        ("-1", "8", 2, "-0.12"),
        ("-3", "8", 2, "-0.38"),
        ("3", "-8", 2, "-0.38"),
        ("1", "3", 4, "0.3333"),
        ("2", "3", 4, "0.6667"),
        ("-2", "3", 4, "-0.6667"),
        ("2.50", "1", 4, "2.5"),  # exact: fewest places
        ("300", "3", 4, "100"),  # and no exponent
        ("-1", "3000000", 4, "0"),  # rounds to zero: not -0
        ("1E+250", "3E-10", 2, "3" * 260 + "." + "3" * 2),  # past the context's 200 digits
    ],
)
def test_rounded_ratio_rounds_half_even_once(
    numerator: str, denominator: str, places: int, expected: str
) -> None:
    ratio = rounded_ratio(Decimal(numerator), Decimal(denominator), places)
    assert str(ratio) == expected


def test_rounded_ratio_of_fractions_rounds_the_exact_value() -> None:
    assert rounded_ratio(Fraction(1, 3), Decimal(2), 6) == Decimal("0.166667")
    assert rounded_ratio(Fraction(1, 8), Fraction(1), 2) == Decimal("0.12")


def test_no_fills_make_no_trades() -> None:
    assert trade_log([]) == trade_log([], multipliers={})
    assert round_trips([]) == []


def test_a_fill_without_quantity_is_refused_with_the_fix() -> None:
    with pytest.raises(DataError, match="quantity must be positive"):
        f("BUY", "0", "100")


_SIDES = st.sampled_from(["BUY", "SELL"])
_FILLS = st.lists(
    st.tuples(
        _SIDES,
        st.integers(1, 40).map(lambda q: Decimal(q).scaleb(-1)),
        st.integers(9_000, 11_000).map(lambda p: Decimal(p).scaleb(-2)),
        st.integers(0, 30).map(lambda c: Decimal(c).scaleb(-3)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(_FILLS)
def test_trades_hold_exactly_the_pnl_the_portfolio_realizes_and_every_fee(
    rows: list[tuple[str, Decimal, Decimal, Decimal]],
) -> None:
    fills = [f(side, str(q), str(p), str(c), hour=i) for i, (side, q, p, c) in enumerate(rows)]
    position = Position(InstrumentId("BTCUSDT"), Decimal(3))
    for fill in fills:
        signed = fill.quantity if fill.side == "BUY" else -fill.quantity
        position.apply(signed, fill.price, fill.ts)
    if position.quantity:  # close what is left, so every fill belongs to a closed trade
        side = "SELL" if position.quantity > 0 else "BUY"
        fills.append(f(side, str(abs(position.quantity)), "100", "0.01", hour=len(fills)))
        position.apply(-position.quantity, Decimal(100), fills[-1].ts)
    log = trade_log(fills, multipliers={"BTCUSDT": Decimal(3)})
    assert log.open == ()
    gross = sum((Fraction(t.gross_pnl) for t in log.closed), Fraction(0))
    assert gross == Fraction(position.realized_pnl)
    assert sum((Fraction(t.fees) for t in log.closed), Fraction(0)) == sum(
        Fraction(x.fee) for x in fills
    )
    for trip in log.closed:
        assert trip.pnl == exact.sub(trip.gross_pnl, trip.fees)
        exact_return = Fraction(trip.pnl) / Fraction(trip.entry_notional)
        assert trip.trade_return == rounded_ratio(trip.pnl, trip.entry_notional, 14)
        assert abs(Fraction(trip.trade_return or 0) - exact_return) <= Fraction(1, 2 * 10**14)
        assert trip.entry_ts <= trip.exit_ts
    flips = log.actions.count(FLIPS)
    assert len(log.closed) == log.actions.count(CLOSES) + flips
    assert sum(t.fills for t in log.closed) == len(fills) + flips
