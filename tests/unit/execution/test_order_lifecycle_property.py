"""Random order flows through the real engine and a scripted venue never break an order.

Submits, acknowledgements, partial fills, repeated fills, overfills, cancels, modifies,
rejections, expiries and answers arrive in any order; after every step: every order's status
is legal, filled never exceeds the quantity, a closed order never reopens or changes, each
trade id is counted once, a refused report changes nothing, and no submit is ever re-sent.
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tradewind.errors import OrderError
from tradewind.model import (
    Fill,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderStatus,
    OrderTriggered,
)
from tradewind.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderStatusReport,
    OrderUpdated,
)
from tradewind.testing import T0

from .scripted import REMOTE, fill_of, scripted_engine

S = OrderStatus
LOT = Decimal("0.100")
WORKING = {S.SUBMITTED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED}
PICK = st.integers(min_value=0, max_value=10_000)


class EngineOrderFlow(RuleBasedStateMachine):
    """The strategy acts and the venue reports at random; the engine must keep orders sound."""

    @initialize()
    def start(self) -> None:
        self.engine, self.venue, self.strategy, self.audit = scripted_engine()
        self.orders: list[Order] = []
        self.applied: dict[tuple[str, str], Decimal] = {}
        self.sent_fills: list[Fill] = []
        self.closed: dict[str, tuple[object, ...]] = {}
        self.engine.add_fill_listener(self._applied)
        self.submit(3, 0)

    def _applied(self, fill: Fill, order: Order) -> None:
        key = (fill.client_order_id, fill.trade_id)
        assert key not in self.applied, f"trade {key} counted twice"
        self.applied[key] = fill.quantity

    def _order(self, pick: int) -> Order:
        """Mostly an open order (where the interesting moves are), sometimes any order."""
        live = [o for o in self.orders if o.is_open]
        pool = live if live and pick % 4 else self.orders
        return pool[pick // 4 % len(pool)]

    @staticmethod
    def _snapshot(order: Order) -> tuple[object, ...]:
        return (
            order.status,
            order.working_status,
            order.update_pending,
            order.filled_quantity,
            order.quantity,
            order.price,
            order.venue_order_id,
        )

    def _report(self, order: Order, event: object) -> None:
        """Process a venue report; a refused one must leave the order exactly as it was."""
        before = self._snapshot(order)
        refused = self.engine.illegal_reports + self.engine.duplicate_reports
        self.engine.process(event)
        if self.engine.illegal_reports + self.engine.duplicate_reports > refused:
            assert self._snapshot(order) == before

    # ---------------------------------------------------------- the strategy
    @rule(lots=st.integers(min_value=1, max_value=6), stop=st.booleans())
    def submit(self, lots: int, stop: int) -> None:
        quantity = lots * LOT
        if stop:
            order = self.strategy.submit_stop(REMOTE.id, "SELL", quantity, "95.00", limit_price=94)
        else:
            order = self.strategy.submit_limit(REMOTE.id, "BUY", quantity, "100.00")
        self.orders.append(order)

    @rule(pick=PICK)
    def cancel(self, pick: int) -> None:
        self.strategy.cancel(self._order(pick))

    @rule(pick=PICK, lots=st.integers(min_value=1, max_value=8), ticks=st.integers(1, 50))
    def modify(self, pick: int, lots: int, ticks: int) -> None:
        with suppress(OrderError):  # a quantity not above what has filled
            self.strategy.modify(self._order(pick), quantity=lots * LOT, price=90 + ticks / 10)

    # ------------------------------------------------------------- the venue
    @rule(pick=PICK, kind=st.sampled_from(["accept", "reject", "cancel", "expire", "trigger"]))
    def status(self, pick: int, kind: str) -> None:
        order = self._order(pick)
        coid = order.client_order_id
        event = {
            "accept": OrderAccepted(coid, f"V-{coid}", T0, T0),
            "reject": OrderRejected(coid, "no", T0, T0),
            "cancel": OrderCanceled(coid, "canceled", T0, T0),
            "expire": OrderExpired(coid, T0, T0),
            "trigger": OrderTriggered(coid, T0, T0),
        }[kind]
        self._report(order, event)

    @rule(pick=PICK, lots=st.integers(min_value=1, max_value=7), trade=st.integers(0, 9))
    def fill(self, pick: int, lots: int, trade: int) -> None:
        order = self._order(pick)
        event = fill_of(order, str(lots * LOT), f"T-{trade}")
        self.sent_fills.append(event)
        self._report(order, event)

    @rule(pick=PICK)
    def repeat_a_fill(self, pick: int) -> None:
        if self.sent_fills:
            event = self.sent_fills[pick % len(self.sent_fills)]
            order = self.engine.cache.orders[event.client_order_id]
            self._report(order, event)

    @rule(pick=PICK, kind=st.sampled_from(["cancel", "modify"]))
    def refuse_a_request(self, pick: int, kind: str) -> None:
        order = self._order(pick)
        cls = OrderCancelRejected if kind == "cancel" else OrderModifyRejected
        self._report(order, cls(order.client_order_id, "refused", T0, T0))

    @rule(pick=PICK, lots=st.integers(min_value=1, max_value=8))
    def update(self, pick: int, lots: int) -> None:
        order = self._order(pick)
        event = OrderUpdated(order.client_order_id, "", lots * LOT, order.price, None, T0, T0)
        self._report(order, event)

    @rule(pick=PICK, status=st.sampled_from([S.ACCEPTED, S.CANCELED, S.FILLED, S.REJECTED]))
    def answer_a_query(self, pick: int, status: OrderStatus) -> None:
        order = self._order(pick)
        report = OrderStatusReport(
            order.client_order_id, "V", status, False, order.quantity, Decimal(0), T0, T0
        )
        self._report(order, report)

    # ------------------------------------------------------------ invariants
    @invariant()
    def every_status_is_legal(self) -> None:
        for order in self.orders:
            if order.is_pending:
                assert order.working_status in WORKING
                assert order.status is not S.PENDING_UPDATE or order.update_pending
            else:
                assert order.working_status is order.status
                assert not order.update_pending

    @invariant()
    def filled_never_exceeds_quantity_and_is_the_sum_of_counted_fills(self) -> None:
        for order in self.orders:
            assert Decimal(0) <= order.filled_quantity <= order.quantity
            counted = sum(
                (q for (coid, _), q in self.applied.items() if coid == order.client_order_id),
                Decimal(0),
            )
            assert order.filled_quantity == counted
            if order.status is S.FILLED:
                assert order.filled_quantity == order.quantity

    @invariant()
    def a_closed_order_never_reopens_or_changes(self) -> None:
        for order in self.orders:
            coid = order.client_order_id
            if coid in self.closed:
                assert self._snapshot(order) == self.closed[coid]
            elif order.status.is_closed:
                self.closed[coid] = self._snapshot(order)
                assert coid not in self.engine.cache.open_orders

    @invariant()
    def no_submit_is_ever_sent_twice(self) -> None:
        assert len(self.venue.submitted) == len(set(self.venue.submitted)) == len(self.orders)


EngineOrderFlow.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None
)
test_random_order_flows_never_break_an_order = EngineOrderFlow.TestCase
