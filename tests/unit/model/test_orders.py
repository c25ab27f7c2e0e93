"""The order state machine: legal transitions, fills, overfills, and random report sequences."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tradewind.model import ClientOrderId, InstrumentId, Order, OrderSide, OrderStatus, OrderType
from tradewind.model.identifiers import StrategyId
from tradewind.model.orders import apply_fill, can_transition, transition

S = OrderStatus
CLOSED = {S.DENIED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
TRADING = {S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED}

# The life of an order, written out from the order lifecycle (not copied from the code).
LEGAL: dict[OrderStatus, set[OrderStatus]] = {
    S.INITIALIZED: {S.SUBMITTED, S.DENIED},
    S.SUBMITTED: {S.ACCEPTED, S.REJECTED, S.CANCELED, S.EXPIRED, S.PARTIALLY_FILLED, S.FILLED},
    S.ACCEPTED: {S.TRIGGERED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED},
    S.TRIGGERED: {S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED},
    S.PARTIALLY_FILLED: {S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED},
    S.DENIED: set(),
    S.FILLED: set(),
    S.CANCELED: set(),
    S.REJECTED: set(),
    S.EXPIRED: set(),
}
# The statuses a venue report (not a fill) moves an order to; fills go through apply_fill.
REPORT_STATUSES = [
    S.SUBMITTED,
    S.ACCEPTED,
    S.REJECTED,
    S.CANCELED,
    S.EXPIRED,
    S.TRIGGERED,
    S.DENIED,
]


def make_order(quantity: str = "1.000", status: OrderStatus = S.INITIALIZED) -> Order:
    order = Order(
        ClientOrderId("O-000001"),
        StrategyId("s"),
        InstrumentId("BTCUSDT.SIM"),
        OrderSide.BUY,
        OrderType.LIMIT,
        Decimal(quantity),
        price=Decimal("100.00"),
        ts_init=1,
    )
    order.status = status
    return order


LEGAL_PAIRS = [(a, b) for a, targets in LEGAL.items() for b in sorted(targets)]
ILLEGAL_PAIRS = [(a, b) for a, b in product(S, S) if b not in LEGAL[a]]


@pytest.mark.parametrize(("current", "new"), LEGAL_PAIRS, ids=lambda s: s.value)
def test_every_legal_transition_moves_the_order_and_stamps_the_time(
    current: OrderStatus, new: OrderStatus
) -> None:
    order = make_order(status=current)
    assert can_transition(current, new)
    assert transition(order, new, 42) is None
    assert order.status is new
    assert order.ts_last == 42


@pytest.mark.parametrize(("current", "new"), ILLEGAL_PAIRS, ids=lambda s: s.value)
def test_every_illegal_transition_is_refused_and_leaves_the_order_unchanged(
    current: OrderStatus, new: OrderStatus
) -> None:
    order = make_order(status=current)
    assert not can_transition(current, new)
    error = transition(order, new, 42)
    assert error == f"illegal transition {current.value} -> {new.value} for O-000001"
    assert order.status is current
    assert order.ts_last == 1


def test_closed_statuses_are_exactly_the_terminal_ones() -> None:
    assert {s for s in S if s.is_closed} == CLOSED


def test_a_partial_then_final_fill_moves_through_partially_filled_to_filled() -> None:
    order = make_order("1.000", S.ACCEPTED)
    assert apply_fill(order, Decimal("0.400"), Decimal("100.00"), 5) is None
    assert order.status is S.PARTIALLY_FILLED
    assert order.remaining == Decimal("0.600")
    assert apply_fill(order, Decimal("0.600"), Decimal("101.00"), 6) is None
    assert order.status.value == "FILLED"
    assert order.filled_quantity == order.quantity
    assert order.avg_price == Decimal("100.6")
    assert order.ts_last == 6
    assert not order.is_open


def test_an_overfill_is_refused_and_the_order_is_unchanged() -> None:
    order = make_order("1.000", S.ACCEPTED)
    apply_fill(order, Decimal("0.700"), Decimal("100"), 5)
    error = apply_fill(order, Decimal("0.301"), Decimal("100"), 6)
    assert error is not None and "overfill" in error and "0.300 left" in error
    assert order.filled_quantity == Decimal("0.700")
    assert order.status is S.PARTIALLY_FILLED


@pytest.mark.parametrize("quantity", ["0", "-0.001"])
def test_a_fill_of_nothing_is_refused(quantity: str) -> None:
    order = make_order("1.000", S.ACCEPTED)
    assert apply_fill(order, Decimal(quantity), Decimal("100"), 5) is not None
    assert order.filled_quantity == 0
    assert order.status is S.ACCEPTED


@pytest.mark.parametrize("status", sorted(CLOSED | {S.INITIALIZED}))
def test_a_fill_on_an_order_that_cannot_trade_is_refused(status: OrderStatus) -> None:
    order = make_order("1.000", status)
    assert apply_fill(order, Decimal("0.5"), Decimal("100"), 5) is not None
    assert order.status is status
    assert order.filled_quantity == 0
    assert order.filled_notional == 0


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=30))
def test_the_sum_of_partial_fills_is_the_filled_quantity_exactly(lots: list[int]) -> None:
    lot = Decimal("0.001")
    total = sum(lots) * lot
    order = make_order(str(total), S.ACCEPTED)
    notional = Decimal(0)
    for k, n in enumerate(lots):
        price = Decimal("100.00") + k * Decimal("0.01")
        assert apply_fill(order, n * lot, price, k) is None
        notional += n * lot * price
    assert order.filled_quantity == total
    assert order.filled_notional == notional
    assert order.status is S.FILLED


class OrderLifecycle(RuleBasedStateMachine):
    """Random venue reports and fills against one order; the model must never go wrong."""

    order: Order
    filled: Decimal
    notional: Decimal
    ts: int

    @initialize(lots=st.integers(min_value=1, max_value=20))
    def new_order(self, lots: int) -> None:
        self.order = make_order(str(lots * Decimal("0.001")))
        self.filled = Decimal(0)
        self.notional = Decimal(0)
        self.ts = 0

    def _snapshot(self) -> tuple[object, ...]:
        o = self.order
        return (o.status, o.filled_quantity, o.filled_notional, o.ts_last)

    @rule(new=st.sampled_from(REPORT_STATUSES))
    def report(self, new: OrderStatus) -> None:
        before = self._snapshot()
        current = before[0]
        self.ts += 1
        error = transition(self.order, new, self.ts)
        if new in LEGAL[current]:  # type: ignore[index]
            assert error is None
            assert self.order.status is new
        else:
            assert error is not None
            assert self._snapshot() == before

    @rule(
        lots=st.integers(min_value=-2, max_value=25),
        ticks=st.integers(min_value=1, max_value=20_000),
    )
    def fill(self, lots: int, ticks: int) -> None:
        quantity = lots * Decimal("0.001")
        price = ticks * Decimal("0.01")
        before = self._snapshot()
        can_trade = self.order.status in TRADING
        fits = 0 < quantity <= self.order.quantity - self.filled
        self.ts += 1
        error = apply_fill(self.order, quantity, price, self.ts)
        if fits and can_trade:
            assert error is None
            self.filled += quantity
            self.notional += quantity * price
        else:
            assert error is not None
            assert self._snapshot() == before

    @invariant()
    def filled_never_exceeds_quantity(self) -> None:
        assert Decimal(0) <= self.order.filled_quantity <= self.order.quantity

    @invariant()
    def fill_state_matches_the_fills_accepted(self) -> None:
        assert self.order.filled_quantity == self.filled
        assert self.order.filled_notional == self.notional

    @invariant()
    def status_agrees_with_the_filled_quantity(self) -> None:
        o = self.order
        if o.status is S.FILLED:
            assert o.filled_quantity == o.quantity
        if o.status is S.PARTIALLY_FILLED:
            assert 0 < o.filled_quantity < o.quantity
        if o.filled_quantity == o.quantity:
            assert o.status is S.FILLED
        if o.status in {S.INITIALIZED, S.SUBMITTED, S.DENIED, S.REJECTED}:
            assert o.filled_quantity == 0


OrderLifecycle.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_random_reports_never_put_an_order_in_an_illegal_state = OrderLifecycle.TestCase
