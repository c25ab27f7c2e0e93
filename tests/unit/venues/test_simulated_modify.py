"""The simulated venue amends orders after its latency, re-checks them, and answers queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from tradewind.model import (
    ClientOrderId,
    LiquiditySide,
    Order,
    OrderAccepted,
    OrderStatus,
    OrderTriggered,
    QuoteTick,
)
from tradewind.model.events import (
    OrderModifyRejected,
    OrderNotFound,
    OrderStatusReport,
    OrderUpdated,
    ReportRefused,
)
from tradewind.testing import (
    MILLISECOND,
    T0,
    EngineHarness,
    ScriptedStrategy,
    at,
    instrument,
    quote,
)
from tradewind.venues.simulated import LatencyModel

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal
S = OrderStatus
LATENCY = LatencyModel(fixed_ns=5 * MILLISECOND)


def q(bid: float, ask: float, ms: int, bid_size: float = 10.0, ask_size: float = 10.0) -> QuoteTick:
    return quote(B, bid, ask, T0 + ms * MILLISECOND, bid_size, ask_size)


def run(
    actions: Sequence[tuple[str, int, Callable[[ScriptedStrategy], object]]],
    quotes: Sequence[QuoteTick],
    latency: LatencyModel | None = LATENCY,
) -> tuple[EngineHarness, ScriptedStrategy]:
    h = EngineHarness(BTC, start_ns=T0, latency=latency)
    s = ScriptedStrategy([at(kind, n, act) for kind, n, act in actions], [B])
    h.add_strategy(s)
    h.start()
    h.feed(*quotes)
    return h, s


def first(s: ScriptedStrategy) -> Order:
    return s.engine.cache.orders[ClientOrderId("O-000001")]


def quiet(ms: Sequence[int]) -> list[QuoteTick]:
    return [q(99.00, 101.00, m) for m in ms]


# ----------------------------------------------------------------- amends
def test_a_price_amend_arrives_after_the_latency_and_the_order_rests_at_the_new_price() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "98.00")),
            ("quote", 3, lambda s: s.modify(first(s), price="99.50")),
        ],
        [*quiet([0, 10, 20, 22]), q(99.40, 99.50, 30), q(99.40, 99.60, 40)],
    )
    (updated,) = h.reports(OrderUpdated)
    assert isinstance(updated, OrderUpdated)
    assert updated.ts_event == T0 + 25 * MILLISECOND
    assert h.order("O-000001").price == D("99.50")
    assert [(f.quantity, f.price, f.liquidity) for f in h.fills] == [
        (D("1.000"), D("99.50"), LiquiditySide.MAKER)
    ]


def test_the_order_is_pending_update_until_the_amend_arrives() -> None:
    seen: list[OrderStatus] = []
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "98.00")),
            ("quote", 2, lambda s: s.modify(first(s), quantity="2.000")),
            ("quote", 3, lambda s: seen.append(first(s).status)),
            ("quote", 4, lambda s: seen.append(first(s).status)),
        ],
        quiet([0, 10, 12, 20]),
    )
    assert seen == [S.PENDING_UPDATE, S.ACCEPTED]
    assert h.order("O-000001").quantity == D("2.000")


def test_a_limit_moved_through_the_touch_takes_it_at_once() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "98.00")),
            ("quote", 2, lambda s: s.modify(first(s), price="101.50")),
        ],
        [*quiet([0, 10]), q(99.00, 101.00, 12, ask_size=0.4), q(99.00, 101.20, 30)],
    )
    assert [(f.quantity, f.price, f.liquidity) for f in h.fills] == [
        (D("0.400"), D("101.00"), LiquiditySide.TAKER),  # on arrival, at the touch
        (D("0.600"), D("101.50"), LiquiditySide.MAKER),  # the rest rested at its new price
    ]
    assert h.fills[0].ts_event == T0 + 15 * MILLISECOND


def test_a_stop_moved_through_the_market_triggers() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_stop(B, "SELL", "1.000", "95.00")),
            ("quote", 2, lambda s: s.modify(first(s), trigger_price="99.50")),
        ],
        [*quiet([0, 10]), q(99.00, 101.00, 20)],
    )
    (triggered,) = h.reports(OrderTriggered)
    assert triggered.ts_event == T0 + 15 * MILLISECOND  # type: ignore[attr-defined]
    assert h.order("O-000001").status is S.FILLED
    assert (h.fills[0].price, h.fills[0].ts_event) == (D("99.00"), T0 + 15 * MILLISECOND)


def test_a_quantity_amend_below_what_filled_is_refused_and_the_order_keeps_working() -> None:
    h, s = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "99.00")),
            ("quote", 2, lambda s: s.modify(first(s), quantity="0.500")),
        ],
        [*quiet([0, 10]), q(98.90, 99.00, 12, ask_size=0.7), q(98.00, 101.00, 30)],
    )
    (refused,) = h.reports(OrderModifyRejected)
    assert isinstance(refused, OrderModifyRejected)
    assert "not above the 0.7 already filled" in refused.reason
    order = h.order("O-000001")
    assert (order.status, order.quantity, order.filled_quantity) == (
        S.PARTIALLY_FILLED,
        D("1.000"),
        D("0.700"),
    )
    assert isinstance(s.of("order")[-1].event, OrderModifyRejected)


def test_an_amend_that_arrives_after_the_order_filled_is_refused_quietly() -> None:
    h, s = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "99.00")),
            ("quote", 2, lambda s: s.modify(first(s), price="98.00")),
        ],
        [*quiet([0, 10]), q(98.90, 99.00, 12), q(98.00, 101.00, 30)],
    )
    (refused,) = h.reports(OrderModifyRejected)
    assert "closed or unknown" in refused.reason  # type: ignore[attr-defined]
    assert h.order("O-000001").status is S.FILLED
    assert h.engine.illegal_reports == 0
    assert not any(isinstance(c.event, OrderModifyRejected) for c in s.of("order"))


def test_a_triggered_stops_trigger_can_no_longer_change() -> None:
    h, _ = run(
        [
            ("quote", 1, lambda s: s.submit_stop(B, "SELL", "1.000", "99.50", limit_price="99.40")),
            ("quote", 3, lambda s: s.modify(first(s), trigger_price="99.00")),
        ],
        [*quiet([0]), q(99.20, 99.30, 10), q(99.20, 99.30, 20), q(99.20, 99.30, 30)],
    )
    assert h.reports(OrderTriggered)
    (refused,) = h.reports(OrderModifyRejected)
    assert "triggered" in refused.reason  # type: ignore[attr-defined]
    assert h.order("O-000001").trigger_price == D("99.50")


def test_a_post_only_limit_moved_through_the_touch_is_refused() -> None:
    def post(s: ScriptedStrategy) -> None:
        s.submit_limit(B, "BUY", "1.000", "98.00", post_only=True)

    h, _ = run(
        [("quote", 1, post), ("quote", 2, lambda s: s.modify(first(s), price="101.00"))],
        quiet([0, 10, 20]),
    )
    (refused,) = h.reports(OrderModifyRejected)
    assert "post-only" in refused.reason  # type: ignore[attr-defined]
    assert h.order("O-000001").price == D("98.00") and h.fills == []


def test_without_latency_an_amend_is_answered_before_the_strategy_sees_the_next_event() -> None:
    h, s = run(
        [
            ("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "98.00")),
            ("quote", 2, lambda s: s.modify(first(s), price="98.50")),
        ],
        quiet([0, 10, 20]),
        latency=None,
    )
    assert [type(c.event).__name__ for c in s.of("order")] == ["OrderAccepted", "OrderUpdated"]
    assert h.order("O-000001").status is S.ACCEPTED


# ---------------------------------------------------------------- queries
def test_a_query_resends_the_fills_then_the_status_and_the_engine_counts_nothing_twice() -> None:
    h, _ = run(
        [("quote", 1, lambda s: s.submit_limit(B, "BUY", "1.000", "99.00"))],
        [*quiet([0]), q(98.90, 99.00, 10, ask_size=0.4)],
        latency=None,
    )
    order = h.order("O-000001")
    h.engine.query_order(order)
    h.feed(q(98.00, 101.00, 20))
    names = [type(e).__name__ for e in h.reports()]
    assert names[names.index("OrderQueried") :] == [
        "OrderQueried",
        "Fill",
        "ReportRefused",
        "OrderStatusReport",
    ]
    report = h.reports(OrderStatusReport)[0]
    assert isinstance(report, OrderStatusReport)
    assert (report.status, report.filled_quantity) == (S.PARTIALLY_FILLED, D("0.400"))
    assert order.filled_quantity == D("0.400") and h.portfolio.fills == 1
    assert (h.engine.duplicate_reports, h.engine.illegal_reports) == (1, 0)
    refused = h.reports(ReportRefused)[0]
    assert isinstance(refused, ReportRefused) and refused.duplicate


def test_a_query_for_an_order_the_venue_never_saw_is_answered_not_found() -> None:
    h = EngineHarness(BTC, start_ns=T0)
    h.venue.query_order(ClientOrderId("O-999999"))
    h.feed(q(99.00, 101.00, 1))
    assert h.reports(OrderNotFound) and h.engine.illegal_reports == 1  # unknown to us too


def test_the_venue_keeps_only_the_latest_closed_orders_to_answer_queries() -> None:
    h = EngineHarness(BTC, start_ns=T0)
    venue = h.venue
    venue._history_size = 2
    s = h.add_strategy(ScriptedStrategy([], [B]))
    h.start()
    h.feed(q(99.00, 99.01, 0))
    for _ in range(3):
        s.submit_market(B, "BUY", "0.100")
    h.feed(q(99.00, 99.01, 1))
    h.engine.query_order(h.order("O-000001"))
    h.engine.query_order(h.order("O-000003"))
    h.feed(q(99.00, 99.01, 2))
    answers = [
        type(e).__name__ for e in h.reports() if isinstance(e, OrderNotFound | OrderStatusReport)
    ]
    assert answers == ["OrderNotFound", "OrderStatusReport"]
    assert isinstance(h.reports(OrderAccepted)[0], OrderAccepted)
