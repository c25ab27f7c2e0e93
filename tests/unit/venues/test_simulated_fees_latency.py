"""Fees in basis points, exactly, and latency: fixed delays and seeded jitter."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.errors import ConfigError
from tradewind.model import LiquiditySide, OrderAccepted, OrderCanceled, OrderStatus, QuoteTick
from tradewind.testing import (
    MILLISECOND,
    T0,
    EngineHarness,
    ScriptedStrategy,
    at,
    instrument,
    quote,
)
from tradewind.venues.simulated import FeeModel, LatencyModel

BTC = instrument("BTCUSDT")
PERP = instrument("BTCUSD", tick="0.5", lot="1", multiplier="10", venue="PERPS")
B = BTC.id
D = Decimal


# -------------------------------------------------------------------- fees
@given(
    lots=st.integers(min_value=1, max_value=10**7),
    ticks=st.integers(min_value=1, max_value=10**9),
    bps=st.decimals(min_value=Decimal("-5"), max_value=Decimal("50"), places=2),
    maker=st.booleans(),
)
def test_fees_are_exactly_notional_times_bps_over_ten_thousand(
    lots: int, ticks: int, bps: Decimal, maker: bool
) -> None:
    qty, price = lots * D("0.001"), ticks * D("0.01")
    model = FeeModel(maker_bps=bps, taker_bps=bps + 1)
    liquidity = LiquiditySide.MAKER if maker else LiquiditySide.TAKER
    fee = model.fee(qty * price, liquidity)
    rate = Fraction(bps) if maker else Fraction(bps + 1)
    assert type(fee) is Decimal
    assert Fraction(fee) == Fraction(qty) * Fraction(price) * rate / 10_000


def test_maker_and_taker_fills_pay_their_own_rates_in_the_quote_currency() -> None:
    h = EngineHarness(BTC, start_ns=T0, fees=FeeModel(maker_bps=D("-1.5"), taker_bps=D("7.5")))

    def orders(s: ScriptedStrategy) -> None:
        s.submit_market(B, "BUY", "0.123")
        s.submit_limit(B, "SELL", "0.123", "40100.01")

    h.add_strategy(ScriptedStrategy(at("quote", 1, orders), [B]))
    h.start()
    h.feed(quote(B, 40000.00, 40000.01, T0 + 1), quote(B, 40100.01, 40100.02, T0 + 2))
    taker, maker = h.fills
    assert (taker.liquidity, maker.liquidity) == (LiquiditySide.TAKER, LiquiditySide.MAKER)
    assert taker.fee == D("3.6900009225")  # 0.123 x 40000.01 x 7.5 / 10000
    assert maker.fee == D("-0.7398451845")  # rebate: 0.123 x 40100.01 x -1.5 / 10000
    assert taker.fee_currency == maker.fee_currency == "USDT"
    assert h.portfolio.total_fees() == {"USDT": taker.fee + maker.fee}
    expected_usdt = (
        D(100_000) - D("0.123") * D("40000.01") + D("0.123") * D("40100.01") - taker.fee - maker.fee
    )
    assert h.portfolio.balance("USDT") == expected_usdt
    assert h.portfolio.balance("BTC") == 0


def test_fees_on_a_contract_count_the_multiplier() -> None:
    h = EngineHarness(PERP, start_ns=T0, fees=FeeModel(taker_bps=D("5")))
    h.add_strategy(
        ScriptedStrategy(at("quote", 1, lambda s: s.submit_market(PERP.id, "BUY", "3")), [PERP.id])
    )
    h.start()
    h.feed(quote(PERP.id, 40000.0, 40000.5, T0 + 1))
    assert h.fills[0].fee == D("3") * D("40000.5") * 10 * 5 / 10_000


@pytest.mark.parametrize("bps", ["1001", "-1001", "NaN", "Infinity"])
def test_a_fee_out_of_range_is_refused(bps: str) -> None:
    with pytest.raises(ConfigError, match="taker_bps"):
        FeeModel(taker_bps=D(bps))


# ----------------------------------------------------------------- latency
def quotes(n: int, step_ns: int = MILLISECOND) -> list[QuoteTick]:
    return [
        quote(B, 100.00 + (k % 9) * 0.01, 100.02 + (k % 9) * 0.01, T0 + k * step_ns)
        for k in range(1, n + 1)
    ]


def test_with_fixed_latency_an_order_is_acknowledged_exactly_that_much_later() -> None:
    h = EngineHarness(BTC, start_ns=T0, latency=LatencyModel(fixed_ns=5 * MILLISECOND))
    s = ScriptedStrategy(at("quote", 1, lambda s: s.submit_market(B, "BUY", "1.000")), [B])
    h.add_strategy(s)
    h.start()
    h.feed(*quotes(10))
    submitted = h.order("O-000001").ts_init
    assert submitted == T0 + MILLISECOND
    (accepted,) = h.reports(OrderAccepted)
    assert accepted.ts_event == submitted + 5 * MILLISECOND  # type: ignore[attr-defined]
    # It meets the market as it is on arrival at +6 ms (the quote of +5 ms), not at +1 ms.
    assert h.fills[0].price == D("100.07")
    assert h.fills[0].ts_event == submitted + 5 * MILLISECOND
    acked = [c for c in s.of("order") if isinstance(c.event, OrderAccepted)]
    assert acked[0].now_ns == submitted + 5 * MILLISECOND


def test_with_latency_a_cancel_arrives_late_and_a_fill_can_beat_it() -> None:
    h = EngineHarness(BTC, start_ns=T0, latency=LatencyModel(fixed_ns=5 * MILLISECOND))

    def script(s: ScriptedStrategy, call: object) -> None:
        n = len(s.of("quote"))
        if getattr(call, "kind", "") != "quote":
            return
        if n == 1:
            s.submit_limit(B, "BUY", "1.000", "99.50")
        if n == 10:  # the order is acknowledged by now; cancel it
            s.cancel(s.open_orders()[0])

    h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(
        *quotes(10),
        quote(B, 99.40, 99.50, T0 + 12 * MILLISECOND),  # crosses while the cancel is in flight
        quote(B, 99.40, 99.50, T0 + 20 * MILLISECOND),
    )
    order = h.order("O-000001")
    assert order.status is OrderStatus.FILLED
    assert h.reports(OrderCanceled) == []


def test_with_latency_a_cancel_that_arrives_first_cancels() -> None:
    h = EngineHarness(BTC, start_ns=T0, latency=LatencyModel(fixed_ns=5 * MILLISECOND))

    def script(s: ScriptedStrategy, call: object) -> None:
        if getattr(call, "kind", "") == "quote" and len(s.of("quote")) == 1:
            s.submit_limit(B, "BUY", "1.000", "99.50")
        if getattr(call, "kind", "") == "quote" and len(s.of("quote")) == 10:
            s.cancel(s.open_orders()[0])

    h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(*quotes(10), quote(B, 99.40, 99.50, T0 + 16 * MILLISECOND))
    (canceled,) = h.reports(OrderCanceled)
    assert canceled.ts_event == T0 + 15 * MILLISECOND  # type: ignore[attr-defined]
    assert h.order("O-000001").status is OrderStatus.CANCELED
    assert h.fills == []


def jittered_fill_times(seed: int) -> list[int]:
    h = EngineHarness(
        BTC,
        start_ns=T0,
        latency=LatencyModel(fixed_ns=MILLISECOND, jitter_ns=20 * MILLISECOND, seed=seed),
    )

    def script(s: ScriptedStrategy, call: object) -> None:
        if getattr(call, "kind", "") == "quote" and len(s.of("quote")) % 5 == 1:
            s.submit_market(B, "BUY", "0.100")

    h.add_strategy(ScriptedStrategy(script, [B]))
    h.start()
    h.feed(*quotes(200, step_ns=MILLISECOND // 2))
    return [f.ts_event for f in h.fills]


def test_jitter_with_the_same_seed_gives_the_same_fill_times() -> None:
    first = jittered_fill_times(11)
    assert len(first) > 30
    assert jittered_fill_times(11) == first


def test_jitter_with_a_different_seed_gives_different_fill_times() -> None:
    assert jittered_fill_times(11) != jittered_fill_times(12)


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ConfigError, match="latency must be >= 0"):
        LatencyModel(fixed_ns=-1)


def test_latency_from_milliseconds() -> None:
    model = LatencyModel.from_ms(2.5)
    assert model.sample() == 2_500_000
