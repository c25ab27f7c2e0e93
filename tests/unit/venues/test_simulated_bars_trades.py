"""The simulated venue on trades and bars: prints through limits, next-open fills, gapped stops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from tradewind.model import Bar, LiquiditySide, OrderStatus, OrderTriggered, TradeTick
from tradewind.testing import (
    SECOND,
    T0,
    EngineHarness,
    ScriptedStrategy,
    at,
    bar,
    instrument,
    trade,
)

BTC = instrument("BTCUSDT")
B = BTC.id
D = Decimal
MINUTE = 60 * SECOND


def run(
    actions: Sequence[tuple[str, int, Callable[[ScriptedStrategy], object]]],
    events: Sequence[Bar | TradeTick],
    kind: str,
    **kw: object,
) -> tuple[EngineHarness, ScriptedStrategy]:
    h = EngineHarness(BTC, start_ns=T0, **kw)  # type: ignore[arg-type]
    s = ScriptedStrategy([at(k, n, act) for k, n, act in actions], [B], kinds=(kind,))
    h.add_strategy(s)
    h.start()
    h.feed(*events)
    return h, s


def t(price: float, k: int, size: float = 1.0) -> TradeTick:
    return trade(B, price, T0 + k * SECOND, size)


def b(o: float, hi: float, lo: float, c: float, k: int) -> Bar:
    return bar(B, o, hi, lo, c, T0 + k * MINUTE, interval_ns=MINUTE)


def fills(h: EngineHarness) -> list[tuple[str, Decimal, Decimal, LiquiditySide, int]]:
    return [(f.side.value, f.quantity, f.price, f.liquidity, f.ts_event) for f in h.fills]


# ------------------------------------------------------------------ trades
def test_with_trades_a_resting_limit_buy_fills_only_when_a_print_trades_through_it() -> None:
    h, _ = run(
        [("trade", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "100.00"))],
        [t(100.05, 1), t(100.01, 2), t(100.00, 3), t(99.99, 4, size=2.0)],
        "trades",
    )
    assert fills(h) == [("BUY", D("0.500"), D("100.00"), LiquiditySide.MAKER, T0 + 4 * SECOND)]


def test_with_trades_a_resting_limit_sell_fills_when_a_print_trades_above_it() -> None:
    h, _ = run(
        [("trade", 1, lambda s: s.submit_limit(B, "SELL", "0.500", "100.10"))],
        [t(100.05, 1), t(100.10, 2), t(100.11, 3)],
        "trades",
    )
    assert fills(h) == [("SELL", D("0.500"), D("100.10"), LiquiditySide.MAKER, T0 + 3 * SECOND)]


def test_with_trades_a_resting_limit_fills_no_more_than_the_print_size() -> None:
    h, _ = run(
        [("trade", 1, lambda s: s.submit_limit(B, "BUY", "2.000", "100.00"))],
        [t(100.05, 1), t(99.90, 2, size=0.75), t(99.80, 3, size=5.0)],
        "trades",
    )
    assert [f.quantity for f in h.fills] == [D("0.75"), D("1.250")]
    assert h.order("O-000001").status is OrderStatus.FILLED


def test_with_trades_a_market_order_fills_at_the_next_print() -> None:
    h, _ = run(
        [("trade", 1, lambda s: s.submit_market(B, "BUY", "0.500"))],
        [t(100.05, 1), t(100.20, 2)],
        "trades",
    )
    assert fills(h) == [("BUY", D("0.500"), D("100.20"), LiquiditySide.TAKER, T0 + 2 * SECOND)]


# -------------------------------------------------------------------- bars
def test_with_bars_a_market_order_from_on_bar_fills_at_the_next_bars_open() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_market(B, "BUY", "0.500"))],
        [b(100.0, 101.0, 99.0, 100.5, 1), b(100.7, 102.0, 100.1, 101.5, 2)],
        "bars",
    )
    assert fills(h) == [("BUY", D("0.500"), D("100.7"), LiquiditySide.TAKER, T0 + 2 * MINUTE)]


def test_with_bars_and_bar_fill_close_a_market_order_fills_at_the_current_close() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_market(B, "SELL", "0.500"))],
        [b(100.0, 101.0, 99.0, 100.5, 1), b(100.7, 102.0, 100.1, 101.5, 2)],
        "bars",
        bar_fill="close",
    )
    assert fills(h) == [("SELL", D("0.500"), D("100.5"), LiquiditySide.TAKER, T0 + MINUTE)]


def test_with_bars_a_resting_limit_fills_at_its_price_when_the_bar_trades_through_it() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.00"))],
        [
            b(100.0, 101.0, 99.5, 100.5, 1),
            b(100.5, 101.0, 99.0, 100.0, 2),  # touches 99.00 but does not trade through
            b(100.0, 100.5, 98.5, 99.5, 3),
        ],
        "bars",
    )
    assert fills(h) == [("BUY", D("0.500"), D("99.00"), LiquiditySide.MAKER, T0 + 3 * MINUTE)]


def test_with_bars_a_resting_limit_gapped_through_fills_at_the_open() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_limit(B, "BUY", "0.500", "99.00"))],
        [b(100.0, 101.0, 99.5, 100.5, 1), b(98.0, 98.5, 97.0, 98.2, 2)],
        "bars",
    )
    assert [(f.price, f.ts_event) for f in h.fills] == [(D("98.0"), T0 + 2 * MINUTE)]


def test_with_bars_a_sell_stop_with_a_gap_fills_at_the_open() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_stop(B, "SELL", "0.500", "95.00"))],
        [b(100.0, 101.0, 99.0, 100.5, 1), b(93.0, 94.0, 90.0, 92.0, 2)],
        "bars",
    )
    assert fills(h) == [("SELL", D("0.500"), D("93.0"), LiquiditySide.TAKER, T0 + 2 * MINUTE)]
    assert len(h.reports(OrderTriggered)) == 1


def test_with_bars_a_buy_stop_without_a_gap_fills_at_its_trigger() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_stop(B, "BUY", "0.500", "102.00"))],
        [
            b(100.0, 101.0, 99.0, 100.5, 1),
            b(100.5, 101.9, 100.0, 101.0, 2),  # high below the trigger: nothing
            b(101.0, 103.0, 100.5, 102.5, 3),
        ],
        "bars",
    )
    assert fills(h) == [("BUY", D("0.500"), D("102.00"), LiquiditySide.TAKER, T0 + 3 * MINUTE)]


def test_with_bars_a_stop_limit_never_fills_at_a_price_before_its_trigger_was_reached() -> None:
    h, _ = run(
        [("bar", 1, lambda s: s.submit_stop(B, "BUY", "0.500", "105.00", limit_price="106.00"))],
        [b(100.0, 101.0, 99.0, 100.5, 1), b(100.0, 110.0, 99.0, 108.0, 2)],
        "bars",
    )
    assert h.order("O-000001").status is OrderStatus.FILLED
    (fill,) = h.fills
    assert D("105.00") <= fill.price <= D("106.00")
