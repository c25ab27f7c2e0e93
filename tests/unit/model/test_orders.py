"""The order state machine: legal transitions, pending requests, fills, overfills, duplicates."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tradewind.model import ClientOrderId, InstrumentId, Order, OrderSide, OrderStatus, OrderType
from tradewind.model.identifiers import StrategyId
from tradewind.model.orders import (
    answer,
    apply_fill,
    apply_update,
    can_transition,
    request,
    transition,
)

S = OrderStatus
CLOSED = {S.DENIED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
PENDING = {S.PENDING_CANCEL, S.PENDING_UPDATE}


def _to(names: str) -> set[OrderStatus]:
    return {S[name] for name in names.split()}


_CLOSES = "FILLED CANCELED EXPIRED"
# The life of an order, written out from the order lifecycle (not copied from the code). A
# pending request is answered: back to the working status (cancel rejected, modify answered),
# to the modify still pending beneath a refused cancel, or closed.
LEGAL: dict[OrderStatus, set[OrderStatus]] = {
    S.INITIALIZED: _to("SUBMITTED DENIED"),
    S.SUBMITTED: _to(f"ACCEPTED REJECTED PARTIALLY_FILLED PENDING_CANCEL {_CLOSES}"),
    S.ACCEPTED: _to(f"TRIGGERED PARTIALLY_FILLED PENDING_CANCEL PENDING_UPDATE {_CLOSES}"),
    S.TRIGGERED: _to(f"PARTIALLY_FILLED PENDING_CANCEL PENDING_UPDATE {_CLOSES}"),
    S.PARTIALLY_FILLED: _to(f"PARTIALLY_FILLED PENDING_CANCEL PENDING_UPDATE {_CLOSES}"),
    S.PENDING_CANCEL: _to(
        f"SUBMITTED ACCEPTED TRIGGERED PARTIALLY_FILLED PENDING_UPDATE REJECTED {_CLOSES}"
    ),
    S.PENDING_UPDATE: _to(f"ACCEPTED TRIGGERED PARTIALLY_FILLED PENDING_CANCEL {_CLOSES}"),
    S.DENIED: set(),
    S.FILLED: set(),
    S.CANCELED: set(),
    S.REJECTED: set(),
    S.EXPIRED: set(),
}

State = tuple[OrderStatus, OrderStatus, bool]
"""(status, working status beneath it, modify pending)."""


def make_order(
    quantity: str = "1.000",
    status: OrderStatus = S.INITIALIZED,
    working: OrderStatus | None = None,
    update_pending: bool = False,
    filled: str = "0",
) -> Order:
    order = Order(
        ClientOrderId("O-000001"),
        StrategyId("s"),
        InstrumentId("BTCUSDT.SIM"),
        OrderSide.BUY,
        OrderType.STOP_LIMIT,
        Decimal(quantity),
        price=Decimal("100.00"),
        trigger_price=Decimal("99.00"),
        ts_init=1,
    )
    order.status = status
    order.working_status = working or status
    order.update_pending = update_pending
    order.filled_quantity = Decimal(filled)
    order.filled_notional = Decimal(filled) * 100
    return order


def state(order: Order) -> State:
    return (order.status, order.working_status, order.update_pending)


# ------------------------------------------------------------- the table
@pytest.mark.parametrize(("current", "new"), list(product(S, S)), ids=lambda s: s.value)
def test_exactly_the_legal_transitions_are_allowed(current: OrderStatus, new: OrderStatus) -> None:
    assert can_transition(current, new) == (new in LEGAL[current])  # (a missing row: KeyError)


REPORTED = [S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.CANCELED, S.EXPIRED, S.REJECTED, S.DENIED]
PLAIN = [s for s in S if s not in PENDING]


@pytest.mark.parametrize(
    ("current", "new"), list(product(PLAIN, [*REPORTED, *sorted(PENDING)])), ids=str
)
def test_a_reported_status_moves_an_order_without_a_request_exactly_as_the_table_says(
    current: OrderStatus, new: OrderStatus
) -> None:
    order = make_order(status=current)
    error = transition(order, new, 42)
    if new in LEGAL[current] and new not in PENDING:  # only a request makes an order pending
        assert error is None
        assert state(order) == (new, new, False)
        assert order.ts_last == 42
    else:
        assert error == f"illegal transition {current.value} -> {new.value} for O-000001"
        assert state(order) == (current, current, False)
        assert order.ts_last == 1


def test_closed_statuses_are_exactly_the_terminal_ones() -> None:
    assert {s for s in S if s.is_closed} == CLOSED


# ------------------------------------------------------ pending requests
PC, PU = S.PENDING_CANCEL, S.PENDING_UPDATE
SUB, ACC, TRIG, PF = S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED
FILLED, CAN, EXP, REJ, DEN = S.FILLED, S.CANCELED, S.EXPIRED, S.REJECTED, S.DENIED

Event = Callable[[Order], "str | None"]
EVENTS: dict[str, Event] = {
    "accepted": lambda o: transition(o, ACC, 9),
    "triggered": lambda o: transition(o, TRIG, 9),
    "rejected": lambda o: transition(o, REJ, 9),
    "canceled": lambda o: transition(o, CAN, 9),
    "expired": lambda o: transition(o, EXP, 9),
    "denied": lambda o: transition(o, DEN, 9),
    "partial fill": lambda o: apply_fill(o, Decimal("0.100"), Decimal(100), 9, "T-9"),
    "final fill": lambda o: apply_fill(o, o.remaining, Decimal(100), 9, "T-9"),
    "cancel sent": lambda o: request(o, PC, 9),
    "modify sent": lambda o: request(o, PU, 9),
    "cancel rejected": lambda o: answer(o, PC, 9),
    "modify rejected": lambda o: answer(o, PU, 9),
    "updated": lambda o: apply_update(o, Decimal("2.000"), Decimal("101.00"), None, 9),
}
START: dict[str, State] = {
    "working": (ACC, ACC, False),
    "submitted": (SUB, SUB, False),
    "cancel pending (submitted)": (PC, SUB, False),
    "cancel pending (accepted)": (PC, ACC, False),
    "cancel pending (part filled)": (PC, PF, False),
    "cancel pending over a modify": (PC, ACC, True),
    "modify pending (accepted)": (PU, ACC, True),
    "modify pending (triggered)": (PU, TRIG, True),
    "filled": (FILLED, FILLED, False),
    "canceled": (CAN, CAN, False),
}
# What each event does from each start, written out from the lifecycle as
# "event: STATUS[/WORKING][+modify pending]"; anything missing is refused and leaves the order
# exactly as it was.
_CLOSED = "canceled: CAN, expired: EXP, final fill: FILLED"
MOVES: dict[str, str] = {
    "working": f"""triggered: TRIG, partial fill: PF, cancel sent: PC/ACC, modify sent: PU/ACC+,
        updated: ACC, {_CLOSED}""",  # updated: the venue amended it on its own
    "submitted": f"accepted: ACC, rejected: REJ, partial fill: PF, cancel sent: PC/SUB, {_CLOSED}",
    "cancel pending (submitted)": f"""accepted: PC/ACC, rejected: REJ, partial fill: PC/PF,
        cancel rejected: SUB, {_CLOSED}""",
    "cancel pending (accepted)": f"""triggered: PC/TRIG, partial fill: PC/PF,
        cancel rejected: ACC, updated: PC/ACC, {_CLOSED}""",
    "cancel pending (part filled)": f"""partial fill: PC/PF, cancel rejected: PF,
        updated: PC/PF, {_CLOSED}""",
    "cancel pending over a modify": f"""triggered: PC/TRIG+, partial fill: PC/PF+,
        cancel rejected: PU/ACC+, modify rejected: PC/ACC, updated: PC/ACC, {_CLOSED}""",
    "modify pending (accepted)": f"""triggered: PU/TRIG+, partial fill: PU/PF+,
        cancel sent: PC/ACC+, modify rejected: ACC, updated: ACC, {_CLOSED}""",
    "modify pending (triggered)": f"""partial fill: PU/PF+, cancel sent: PC/TRIG+,
        modify rejected: TRIG, updated: TRIG, {_CLOSED}""",
    "filled": "",
    "canceled": "",
}
_SHORT = {"PC": PC, "PU": PU, "SUB": SUB, "ACC": ACC, "TRIG": TRIG, "PF": PF, "FILLED": FILLED}
_SHORT |= {"CAN": CAN, "EXP": EXP, "REJ": REJ}


def _after(moves: str) -> dict[str, State]:
    after = {}
    for move in filter(None, (m.strip() for m in moves.split(","))):
        event, _, result = move.partition(": ")
        pending = result.endswith("+")
        status, _, working = result.rstrip("+").partition("/")
        after[event] = (_SHORT[status], _SHORT[working or status], pending)
    return after


AFTER = {start: _after(moves) for start, moves in MOVES.items()}
CASES = list(product(START, EVENTS))


def test_every_start_has_its_expectations_written_out() -> None:
    assert set(AFTER) == set(START)
    for start, moves in AFTER.items():
        assert set(moves) <= set(EVENTS), start


@pytest.mark.parametrize(("start", "event"), CASES, ids=lambda v: v.replace(" ", "-"))
def test_each_event_from_each_start_does_what_the_lifecycle_says_or_is_refused(
    start: str, event: str
) -> None:
    status, working, pending_update = START[start]
    order = make_order(status=status, working=working, update_pending=pending_update)
    if working is PF:
        order.filled_quantity = Decimal("0.300")
        order.filled_notional = Decimal("30.000")
    before = (state(order), order.filled_quantity, order.quantity, order.price, order.ts_last)
    error = EVENTS[event](order)
    expected = AFTER[start].get(event)
    if expected is None:
        assert error is not None
        after = (state(order), order.filled_quantity, order.quantity, order.price, order.ts_last)
        assert after == before
    else:
        assert error is None, error
        assert state(order) == expected
        assert order.ts_last == 9
        if state(order)[0] is not status:
            assert can_transition(status, state(order)[0])


def test_an_update_sets_the_new_terms_and_answers_the_modify() -> None:
    order = make_order(status=PU, working=ACC, update_pending=True)
    assert apply_update(order, Decimal("0.500"), Decimal("99.50"), Decimal("99.10"), 7) is None
    assert (order.quantity, order.price, order.trigger_price) == (
        Decimal("0.500"),
        Decimal("99.50"),
        Decimal("99.10"),
    )
    assert state(order) == (ACC, ACC, False)


@pytest.mark.parametrize("quantity", ["0.300", "0.200"])
def test_an_update_to_a_quantity_not_above_the_filled_is_refused(quantity: str) -> None:
    order = make_order(status=PF, filled="0.300")
    error = apply_update(order, Decimal(quantity), Decimal("100.00"), None, 7)
    assert error is not None and "not above" in error
    assert order.quantity == Decimal("1.000")


# ------------------------------------------------------------------ fills
def test_a_partial_then_final_fill_moves_through_partially_filled_to_filled() -> None:
    order = make_order("1.000", S.ACCEPTED)
    assert apply_fill(order, Decimal("0.400"), Decimal("100.00"), 5, "T-1") is None
    assert order.status is S.PARTIALLY_FILLED
    assert order.remaining == Decimal("0.600")
    assert apply_fill(order, Decimal("0.600"), Decimal("101.00"), 6, "T-2") is None
    assert order.status.value == "FILLED"
    assert order.filled_quantity == order.quantity
    assert order.avg_price == Decimal("100.6")
    assert order.trade_ids == {"T-1", "T-2"}
    assert not order.is_open


def test_an_overfill_is_refused_and_the_order_is_unchanged() -> None:
    order = make_order("1.000", S.ACCEPTED)
    apply_fill(order, Decimal("0.700"), Decimal("100"), 5, "T-1")
    error = apply_fill(order, Decimal("0.301"), Decimal("100"), 6, "T-2")
    assert error is not None and "overfill" in error and "0.300 left" in error
    assert order.filled_quantity == Decimal("0.700")
    assert order.status is S.PARTIALLY_FILLED
    assert order.trade_ids == {"T-1"}


def test_a_fill_whose_trade_id_was_counted_is_refused() -> None:
    order = make_order("1.000", S.ACCEPTED)
    assert apply_fill(order, Decimal("0.200"), Decimal("100"), 5, "T-7") is None
    error = apply_fill(order, Decimal("0.200"), Decimal("100"), 6, "T-7")
    assert error is not None and "duplicate" in error
    assert order.filled_quantity == Decimal("0.200")


def test_a_fill_while_a_cancel_is_pending_keeps_the_cancel_pending() -> None:
    order = make_order("1.000", PC, working=ACC)
    assert apply_fill(order, Decimal("0.400"), Decimal("100"), 5, "T-1") is None
    assert state(order) == (PC, PF, False)
    assert order.is_pending and order.is_open
    assert apply_fill(order, Decimal("0.600"), Decimal("100"), 6, "T-2") is None
    assert state(order) == (FILLED, FILLED, False)
    assert not order.is_pending


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


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=30))
def test_the_sum_of_partial_fills_is_the_filled_quantity_exactly(lots: list[int]) -> None:
    lot = Decimal("0.001")
    total = sum(lots) * lot
    order = make_order(str(total), S.ACCEPTED)
    notional = Decimal(0)
    for k, n in enumerate(lots):
        price = Decimal("100.00") + k * Decimal("0.01")
        assert apply_fill(order, n * lot, price, k, f"T-{k}") is None
        notional += n * lot * price
    assert order.filled_quantity == total
    assert order.filled_notional == notional
    assert order.status is S.FILLED


# ----------------------------------------------- random sequences, model only
class OrderLifecycle(RuleBasedStateMachine):
    """Random reports, requests, answers and fills against one order: never a wrong state."""

    order: Order

    @initialize(lots=st.integers(min_value=1, max_value=20))
    def new_order(self, lots: int) -> None:
        self.order = make_order(str(lots * Decimal("0.001")))
        self.filled = Decimal(0)
        self.trades: set[str] = set()
        self.closed: tuple[object, ...] | None = None

    def _snapshot(self) -> tuple[object, ...]:
        o = self.order
        return (*state(o), o.filled_quantity, o.filled_notional, o.quantity, o.ts_last)

    def _apply(self, error: str | None, before: tuple[object, ...]) -> None:
        if error is not None:
            assert self._snapshot() == before

    @rule(new=st.sampled_from(REPORTED))
    def report(self, new: OrderStatus) -> None:
        before = self._snapshot()
        self._apply(transition(self.order, new, 1), before)

    @rule(pending=st.sampled_from([PC, PU]), answered=st.booleans())
    def request_or_answer(self, pending: OrderStatus, answered: bool) -> None:
        before = self._snapshot()
        act = answer if answered else request
        self._apply(act(self.order, pending, 2), before)

    @rule(lots=st.integers(min_value=1, max_value=25))
    def update(self, lots: int) -> None:
        before = self._snapshot()
        quantity = lots * Decimal("0.001")
        error = apply_update(self.order, quantity, Decimal("100.00"), None, 3)
        self._apply(error, before)

    @rule(lots=st.integers(min_value=-2, max_value=25), trade=st.integers(0, 6))
    def fill(self, lots: int, trade: int) -> None:
        quantity = lots * Decimal("0.001")
        before = self._snapshot()
        error = apply_fill(self.order, quantity, Decimal("100.00"), 4, f"T-{trade}")
        if error is None:
            assert f"T-{trade}" not in self.trades
            self.trades.add(f"T-{trade}")
            self.filled += quantity
        self._apply(error, before)

    @invariant()
    def filled_never_exceeds_quantity_and_matches_the_fills_taken(self) -> None:
        assert Decimal(0) <= self.order.filled_quantity <= self.order.quantity
        assert self.order.filled_quantity == self.filled
        assert self.order.trade_ids == self.trades

    @invariant()
    def status_and_working_status_agree(self) -> None:
        o = self.order
        if o.status in PENDING:
            assert o.working_status in {SUB, ACC, TRIG, PF}
            assert (o.status is PU) <= o.update_pending
        else:
            assert o.working_status is o.status
            assert not o.update_pending
        if o.working_status is FILLED:
            assert o.filled_quantity == o.quantity
        if o.filled_quantity == o.quantity:
            assert o.status is FILLED

    @invariant()
    def a_closed_order_never_reopens(self) -> None:
        if self.closed is not None:
            assert self._snapshot()[:6] == self.closed[:6]
        elif self.order.status.is_closed:
            self.closed = self._snapshot()


OrderLifecycle.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_random_sequences_never_put_an_order_in_an_illegal_state = OrderLifecycle.TestCase
