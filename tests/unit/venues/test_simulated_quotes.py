"""The simulated venue on quotes: market, limit, time in force, stops, cancels and reduce-only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from tradewind.model import (
    Fill,
    LiquiditySide,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderStatus,
    OrderTriggered,
    QuoteTick,
)
from tradewind.testing import SECOND, T0, EngineHarness, ScriptedStrategy, at, instrument, quote
from tradewind.venues.simulated import FeeModel

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal


def run(
    actions: Sequence[tuple[str, int, Callable[[ScriptedStrategy], object]]],
    quotes: Sequence[QuoteTick],
    **kw: object,
) -> tuple[EngineHarness, ScriptedStrategy]:
    """Feed ``quotes`` to a strategy that performs ``actions`` at the given callbacks."""
    h = EngineHarness(BTC, start_ns=T0, **kw)  # type: ignore[arg-type]
    s = ScriptedStrategy([at(kind, n, act) for kind, n, act in actions], [B])
    h.add_strategy(s)
    h.start()
    h.feed(*quotes)
    return h, s


def q(bid: float, ask: float, k: int, bid_size: float = 10.0, ask_size: float = 10.0) -> QuoteTick:
    return quote(B, bid, ask, T0 + k * SECOND, bid_size, ask_size)


def fills(h: EngineHarness) -> list[tuple[str, Decimal, Decimal, LiquiditySide]]:
    return [(f.side.value, f.quantity, f.price, f.liquidity) for f in h.fills]


def order(h: EngineHarness) -> Order:
    return h.order("O-000001")


# ------------------------------------------------------------------ market
def test_a_market_buy_fills_at_the_best_ask() -> None:
    h, _ = run([("quote", 1, lambda s: s.submit_market(B, "BUY", "0.500"))], [q(100.00, 100.02, 1)])
    assert fills(h) == [("BUY", D("0.500"), D("100.02"), LiquiditySide.TAKER)]
    assert order(h).status is OrderStatus.FILLED


def test_a_market_sell_fills_at_the_best_bid() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_market(B, "SELL", "0.500"))], [q(100.00, 100.02, 1)]
    )
    assert fills(h) == [("SELL", D("0.500"), D("100.00"), LiquiditySide.TAKER)]
    assert h.portfolio.position(B).quantity == D("-0.500")


def test_a_market_order_larger_than_the_touch_fills_the_touch_then_walks_later_quotes() -> None:
    h, s = run(
        [("quote", 1, lambda s: s.submit_market(B, "BUY", "2.500"))],
        [
            q(100.00, 100.02, 1, ask_size=1.0),
            q(100.01, 100.03, 2, ask_size=1.0),
            q(100.02, 100.05, 3, ask_size=5.0),
            q(100.02, 100.04, 4, ask_size=5.0),
        ],
    )
    assert fills(h) == [
        ("BUY", D("1.0"), D("100.02"), LiquiditySide.TAKER),
        ("BUY", D("1.0"), D("100.03"), LiquiditySide.TAKER),
        ("BUY", D("0.500"), D("100.05"), LiquiditySide.TAKER),
    ]
    assert [f.ts_event for f in h.fills] == [T0 + SECOND, T0 + 2 * SECOND, T0 + 3 * SECOND]
    assert order(h).status is OrderStatus.FILLED
    assert [c.status for c in s.of("order")] == [OrderStatus.ACCEPTED]


def test_two_market_orders_on_one_quote_share_its_size() -> None:
    def two(s: ScriptedStrategy) -> None:
        s.submit_market(B, "BUY", "0.600")
        s.submit_market(B, "BUY", "0.600")

    h, _ = run([("quote", 1, two)], [q(100.00, 100.02, 1, ask_size=1.0)])
    assert sum(f.quantity for f in h.fills) == D("1.0")
    assert h.order("O-000002").status is OrderStatus.PARTIALLY_FILLED


# ------------------------------------------------------------------ limits
def test_a_limit_buy_below_the_ask_rests_then_fills_at_its_price_when_the_ask_reaches_it() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.50"))],
        [q(99.90, 100.00, 1), q(99.60, 99.51, 2), q(99.40, 99.50, 3)],
        fees=FeeModel(maker_bps=D("2"), taker_bps=D("5")),
    )
    assert fills(h) == [("BUY", D("0.500"), D("99.50"), LiquiditySide.MAKER)]
    assert h.fills[0].ts_event == T0 + 3 * SECOND
    assert h.fills[0].fee == D("0.500") * D("99.50") * 2 / 10_000


def test_a_resting_limit_fills_at_its_price_when_the_ask_falls_through_it() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.50"))],
        [q(99.90, 100.00, 1), q(98.00, 98.10, 2)],
    )
    assert fills(h) == [("BUY", D("0.500"), D("99.50"), LiquiditySide.MAKER)]


def test_a_resting_limit_does_not_fill_while_the_ask_stays_above_it() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.50"))],
        [q(99.90, 100.00, 1), q(99.49, 99.51, 2), q(99.00, 99.52, 3)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.ACCEPTED
    assert h.venue.open_orders() == ["O-000001"]


def test_a_resting_limit_sell_fills_when_the_bid_reaches_it() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "SELL", "0.500", "100.50"))],
        [q(99.90, 100.00, 1), q(100.49, 100.60, 2), q(100.50, 100.60, 3)],
    )
    assert fills(h) == [("SELL", D("0.500"), D("100.50"), LiquiditySide.MAKER)]
    assert h.fills[0].ts_event == T0 + 3 * SECOND


def test_a_resting_limit_fills_partially_up_to_the_quoted_size() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "3.000", "99.50"))],
        [q(99.90, 100.00, 1), q(99.40, 99.50, 2, ask_size=1.0), q(99.40, 99.50, 3, ask_size=5.0)],
    )
    assert [f.quantity for f in h.fills] == [D("1.0"), D("2.000")]
    assert order(h).status is OrderStatus.FILLED


def test_a_marketable_limit_takes_at_the_ask_as_a_taker() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "101.00"))],
        [q(100.00, 100.02, 1)],
        fees=FeeModel(maker_bps=D("2"), taker_bps=D("5")),
    )
    assert fills(h) == [("BUY", D("0.500"), D("100.02"), LiquiditySide.TAKER)]
    assert h.fills[0].fee == D("0.500") * D("100.02") * 5 / 10_000


def test_a_post_only_limit_that_would_take_is_rejected() -> None:
    h, s = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "100.02", post_only=True))],
        [q(100.00, 100.02, 1), q(99.00, 99.01, 2)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.REJECTED
    assert "post-only" in order(h).reason
    assert [type(c.event) for c in s.of("order")] == [OrderRejected]


def test_a_post_only_limit_that_would_not_take_rests() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "100.01", post_only=True))],
        [q(100.00, 100.02, 1)],
    )
    assert order(h).status is OrderStatus.ACCEPTED


# ---------------------------------------------------------- time in force
def test_an_ioc_market_order_cancels_the_remainder_after_taking_the_touch() -> None:
    h, s = run(
        [("quote", 1, lambda s: s.submit_market(B, "BUY", "2.500", time_in_force="IOC"))],
        [q(100.00, 100.02, 1, ask_size=1.0), q(100.00, 100.02, 2)],
    )
    assert fills(h) == [("BUY", D("1.0"), D("100.02"), LiquiditySide.TAKER)]
    assert order(h).status is OrderStatus.CANCELED
    assert order(h).filled_quantity == D("1.0")
    assert type(s.of("order")[-1].event) is OrderCanceled


def test_an_ioc_limit_that_is_not_marketable_is_canceled_without_a_fill() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "99.00", time_in_force="IOC"))],
        [q(100.00, 100.02, 1), q(98.00, 98.02, 2)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.CANCELED


def test_a_fok_order_without_enough_size_is_canceled_with_no_fill() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_market(B, "BUY", "2.500", time_in_force="FOK"))],
        [q(100.00, 100.02, 1, ask_size=2.0), q(100.00, 100.02, 2)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.CANCELED
    assert "FOK" in h.reports(OrderCanceled)[0].reason  # type: ignore[attr-defined]


def test_a_fok_order_with_enough_size_fills_completely() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_market(B, "BUY", "2.500", time_in_force="FOK"))],
        [q(100.00, 100.02, 1, ask_size=3.0)],
    )
    assert fills(h) == [("BUY", D("2.500"), D("100.02"), LiquiditySide.TAKER)]


def test_a_gtd_order_expires_at_its_expiry_time() -> None:
    expiry = T0 + 5 * SECOND
    h, s = run(
        [
            (
                "quote",
                1,
                lambda s: s.submit_limit(
                    B, "BUY", "0.500", "99.00", time_in_force="GTD", expire_time_ns=expiry
                ),
            )
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 4), q(98.00, 98.50, 10)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.EXPIRED
    (expired,) = h.reports(OrderExpired)
    assert expired.ts_event == expiry  # type: ignore[attr-defined]
    last = s.of("order")[-1]
    assert type(last.event) is OrderExpired and last.now_ns == expiry
    assert h.venue.open_orders() == []


# ------------------------------------------------------------------- stops
def test_a_stop_market_buy_triggers_when_the_ask_reaches_the_trigger_and_fills_at_the_ask() -> None:
    h, s = run(
        [("quote", 1, lambda s: s.submit_stop(B, "BUY", "0.500", "101.00"))],
        [q(100.00, 100.02, 1), q(100.90, 100.99, 2), q(101.20, 101.30, 3)],
    )
    assert fills(h) == [("BUY", D("0.500"), D("101.30"), LiquiditySide.TAKER)]
    assert h.fills[0].ts_event == T0 + 3 * SECOND
    assert [type(c.event) for c in s.of("order")] == [OrderAccepted, OrderTriggered]


def test_a_stop_market_buy_triggers_at_exactly_the_trigger_price() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_stop(B, "BUY", "0.500", "101.00"))],
        [q(100.00, 100.02, 1), q(100.98, 101.00, 2)],
    )
    assert fills(h) == [("BUY", D("0.500"), D("101.00"), LiquiditySide.TAKER)]


def test_a_stop_market_sell_triggers_when_the_bid_falls_to_the_trigger_and_fills_at_the_bid() -> (
    None
):
    h, _ = run(
        [("quote", 1, lambda s: s.submit_stop(B, "SELL", "0.500", "99.00"))],
        [q(100.00, 100.02, 1), q(99.01, 99.03, 2), q(98.90, 98.95, 3)],
    )
    assert fills(h) == [("SELL", D("0.500"), D("98.90"), LiquiditySide.TAKER)]


def test_a_stop_limit_becomes_a_resting_limit_after_it_triggers() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_stop(B, "BUY", "0.500", "101.00", limit_price="101.20"))],
        [q(100.00, 100.02, 1), q(101.40, 101.50, 2), q(101.30, 101.25, 3), q(101.10, 101.15, 4)],
    )
    assert order(h).status is OrderStatus.FILLED
    assert fills(h) == [("BUY", D("0.500"), D("101.20"), LiquiditySide.MAKER)]
    assert h.fills[0].ts_event == T0 + 4 * SECOND
    assert len(h.reports(OrderTriggered)) == 1
    assert h.reports(OrderTriggered)[0].ts_event == T0 + 2 * SECOND  # type: ignore[attr-defined]


# ---------------------------------------------------------------- cancels
def test_canceling_a_resting_order_produces_order_canceled() -> None:
    h, s = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.00")),
            ("quote", 2, lambda s: s.cancel_all(B)),
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 2), q(98.00, 98.50, 3)],
    )
    assert h.fills == []
    assert order(h).status is OrderStatus.CANCELED
    assert [type(c.event) for c in s.of("order")] == [OrderAccepted, OrderCanceled]
    assert s.open_orders() == []
    assert h.venue.open_orders() == []


def test_canceling_a_filled_order_does_nothing() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_market(B, "BUY", "0.500")),
            ("quote", 2, lambda s: s.cancel(s.engine.cache.orders["O-000001"])),  # type: ignore[index]
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 2)],
    )
    assert order(h).status is OrderStatus.FILLED
    assert h.reports(OrderCanceled) == []
    assert h.engine.illegal_reports == 0


# ------------------------------------------------------------- reduce-only
def test_a_reduce_only_order_that_would_increase_the_position_is_rejected() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_market(B, "BUY", "1.000")),
            ("quote", 2, lambda s: s.submit_market(B, "BUY", "0.500", reduce_only=True)),
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 2)],
    )
    assert h.order("O-000002").status is OrderStatus.REJECTED
    assert "reduce-only" in h.order("O-000002").reason
    assert h.portfolio.position(B).quantity == D("1.000")


def test_a_reduce_only_order_with_no_position_is_rejected() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_market(B, "SELL", "0.500", reduce_only=True))],
        [q(99.90, 100.00, 1)],
    )
    assert order(h).status is OrderStatus.REJECTED
    assert h.fills == []


def test_a_reduce_only_order_larger_than_the_position_is_clamped_to_it() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_market(B, "BUY", "1.000")),
            ("quote", 2, lambda s: s.submit_market(B, "SELL", "3.000", reduce_only=True)),
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 2), q(99.90, 100.00, 3)],
    )
    closing = h.order("O-000002")
    assert [(f.side.value, f.quantity) for f in h.fills] == [
        ("BUY", D("1.000")),
        ("SELL", D("1.000")),
    ]
    assert closing.filled_quantity == D("1.000")
    assert closing.status is OrderStatus.CANCELED
    assert h.portfolio.position(B).is_flat
    assert h.venue.position(B) == 0


# ------------------------------------------------------------ bookkeeping
def test_venue_position_matches_the_portfolio_after_a_round_trip() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_market(B, "BUY", "1.500")),
            ("quote", 2, lambda s: s.submit_market(B, "SELL", "2.000")),
        ],
        [q(99.90, 100.00, 1), q(99.90, 100.00, 2)],
    )
    assert h.venue.position(B) == h.portfolio.position(B).quantity == D("-0.500")


def test_fills_are_reported_as_fill_events_with_unique_trade_ids() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_market(B, "BUY", "2.500"))],
        [q(99.90, 100.00, k, ask_size=1.0) for k in range(1, 5)],
    )
    assert all(isinstance(f, Fill) for f in h.fills)
    assert len({f.trade_id for f in h.fills}) == len(h.fills) == 3


def test_resting_limits_together_never_take_more_than_the_quoted_size() -> None:
    def two(s: ScriptedStrategy) -> None:
        s.submit_limit(B, "BUY", "1.000", "99.50")
        s.submit_limit(B, "BUY", "1.000", "99.50")

    h, _ = run([("quote", 1, two)], [q(99.90, 100.00, 1), q(99.40, 99.50, 2, ask_size=1.0)])
    assert sum(f.quantity for f in h.fills) == D("1.0")
