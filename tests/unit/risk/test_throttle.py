"""The order-rate throttle: a token bucket on the engine clock, per strategy and per venue."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.model import OrderStatus
from tradewind.risk import RiskConfig, TokenBucket
from tradewind.testing import MILLISECOND, SECOND, T0

from .kit import BTC, ETH, Desk


def _sent(bucket: TokenBucket, times: list[int]) -> list[int]:
    sent = []
    for t in times:
        if bucket.ready(t):
            bucket.take()
            sent.append(t)
    return sent


def test_burst_goes_at_once_then_the_rate_refills_it() -> None:
    bucket = TokenBucket(Decimal(2), burst=5)
    every_100ms = [T0 + i * 100 * MILLISECOND for i in range(31)]  # 3 s
    sent = _sent(bucket, every_100ms)
    offsets = [(t - T0) // MILLISECOND for t in sent]
    assert offsets[:6] == [0, 100, 200, 300, 400, 500]  # 5 at once, plus 0.5 s of refill
    assert offsets[6:] == [1000, 1500, 2000, 2500, 3000]  # then one every 1/rate
    assert len(sent) == 5 + 2 * 3


def test_a_fractional_rate_is_exact() -> None:
    bucket = TokenBucket(Decimal("0.3"), burst=1)
    sent = _sent(bucket, [T0 + i * 100 * MILLISECOND for i in range(101)])  # 10 s
    gaps = {b - a for a, b in itertools.pairwise(sent)}
    assert gaps == {3_400 * MILLISECOND}  # 1 / 0.3 s = 3.33 s, on a 100 ms grid
    assert len(sent) == 3


@settings(max_examples=60, deadline=None)
@given(
    rate=st.decimals(min_value="0.1", max_value="50", places=1),
    burst=st.integers(1, 10),
    gaps=st.lists(st.integers(0, 2 * SECOND), min_size=1, max_size=200),
)
def test_never_more_than_burst_plus_rate_times_elapsed(
    rate: Decimal, burst: int, gaps: list[int]
) -> None:
    times = [T0]
    for gap in gaps:
        times.append(times[-1] + gap)
    sent = _sent(TokenBucket(rate, burst), times)
    for i, start in enumerate(sent):
        for j in range(i, len(sent)):
            span = Decimal(sent[j] - start) / SECOND
            assert j - i + 1 <= burst + rate * span


def test_each_strategy_has_its_own_bucket_and_the_venue_one_shared() -> None:
    config = RiskConfig(
        max_orders_per_second=1, order_burst=2, venue_max_orders_per_second=10, venue_order_burst=3
    )
    d = Desk(config, strategies=["a", "b"], instruments=[BTC, ETH])
    d.quote(10.0, 10.01, iid=ETH.id)
    orders = [d.traders[sid].buy(BTC.id, "0.01") for sid in ("a", "a", "a", "b", "b")]
    d.quote(100.0, 100.1)
    codes = [o.reason or o.status.value for o in orders]
    assert codes == ["FILLED", "FILLED", "THROTTLED", "FILLED", "VENUE_THROTTLED"]
    d.quote(100.0, 100.1, at=d.now + SECOND)  # one second: 1 token each, 10 for the venue
    again = [d.traders[sid].buy(BTC.id, "0.01") for sid in ("a", "a", "b")]
    d.quote(100.0, 100.1)
    assert [o.reason or o.status.value for o in again] == ["FILLED", "THROTTLED", "FILLED"]


def test_an_order_refused_by_another_check_spends_no_token() -> None:
    d = Desk(RiskConfig(max_orders_per_second=1, order_burst=1, max_order_notional=50))
    big = d.s.buy(BTC.id, "1")
    small = d.s.buy(BTC.id, "0.1")
    d.quote(100.0, 100.1)
    assert big.reason == "MAX_ORDER_NOTIONAL"
    assert small.status is OrderStatus.FILLED
