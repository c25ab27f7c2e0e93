"""Order flow: requests out to venues (submit, cancel, modify, query) and the seams around them.

Each request moves the order through the state machine (``tradewind.model.orders``) before it
leaves, is audited, and is told to order listeners. The venues' answers come back through
``OrderReports``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

from tradewind.engine.clock import Clock
from tradewind.engine.order_reports import OrderReports
from tradewind.engine.protocols import (
    NO_CAPABILITIES,
    ContingentOrders,
    ExecutionClient,
    GroupExecutionClient,
    OrderListener,
    VenueCapabilities,
)
from tradewind.errors import ConfigError, OrderError
from tradewind.model.contingency import OrderGroup
from tradewind.model.enums import OrderStatus, OrderType
from tradewind.model.events import (
    OrderDenied,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderQueried,
    OrderRejected,
    OrderRestored,
    OrderSubmitted,
)
from tradewind.model.orders import Order, request, transition

_S = OrderStatus
_AMENDABLE = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})
_NO_PRICE = frozenset({OrderType.MARKET, OrderType.STOP_MARKET})
_NO_TRIGGER = frozenset({OrderType.MARKET, OrderType.LIMIT})


class OrderFlow(OrderReports):
    """The engine's order requests (mixed into ``Engine``, which sets these attributes)."""

    clock: Clock
    _venues: dict[str, ExecutionClient]
    _pre_trade: list[Callable[[Order, Any], OrderDenied | None]]
    _contingent: ContingentOrders | None
    _contingent_factory: Callable[[], ContingentOrders] | None

    # ----------------------------------------------------------------- set-up
    def add_order_listener(self, listener: OrderListener) -> None:
        """Call ``listener(order, event)`` on every change of an order, before the strategy.

        It hears what left (OrderSubmitted, OrderPendingCancel, OrderPendingUpdate,
        OrderQueried), every venue report applied, query answers (OrderStatusReport,
        OrderNotFound), and open orders taken back after a restart (OrderRestored). Fills go
        to fill listeners.
        """
        self._order_listeners.append(listener)

    def capabilities(self, venue: str) -> VenueCapabilities:
        """What ``venue`` does natively (a client that declares nothing: submit and cancel)."""
        client = self._venues.get(venue)
        if client is None:
            raise ConfigError(f"no venue {venue!r} is connected: add one with engine.add_venue")
        return getattr(client, "capabilities", NO_CAPABILITIES)

    def set_contingent(self, factory: Callable[[], ContingentOrders]) -> None:
        """Say how to build the contingent-order manager; it is built on first use."""
        self._contingent_factory = factory

    @property
    def contingent(self) -> ContingentOrders:
        """The contingent-order manager (brackets, OCO, OTO, trailing stops)."""
        if self._contingent is None:
            if self._contingent_factory is None:
                raise ConfigError(
                    "contingent orders need the execution layer: call "
                    "tradewind.execution.install(engine) when building the engine"
                )
            self._contingent = self._contingent_factory()
        return self._contingent

    # --------------------------------------------------------------- requests
    def submit_order(self, order: Order) -> None:
        """Run pre-trade checks, then send the order to its venue (or deny it)."""
        instrument = self.cache.instrument(order.instrument_id)
        now = self.clock.timestamp_ns()
        order.ts_init = order.ts_last = now
        self.cache.orders[order.client_order_id] = order
        for check in self._pre_trade:
            denial = check(order, self)
            if denial is not None:
                self._queue.append(denial)
                return
        client = self._venues.get(instrument.venue)
        if client is None:
            raise ConfigError(
                f"no venue {instrument.venue!r} is connected for {order.instrument_id}: add one "
                "with engine.add_venue(...)"
            )
        transition(order, _S.SUBMITTED, now)
        self.cache.open_orders[order.client_order_id] = order
        if self.audit is not None or self._order_listeners:
            self._sent(order, _submitted(order, now))
        client.submit(order)

    def submit_group(self, group: OrderGroup, orders: Sequence[Order]) -> None:
        """Send a group to a venue that runs it natively; if a check denies one order, none go."""
        client = self._client_for(orders[0])
        if not hasattr(client, "submit_group"):
            raise ConfigError(
                f"venue {client.venue!r} declares native {group.kind.value} orders but has no "
                "submit_group: implement it, or declare the capability False"
            )
        native = cast(GroupExecutionClient, client)
        now = self.clock.timestamp_ns()
        denials: list[OrderDenied] = []
        for order in orders:
            order.ts_init = order.ts_last = now
            self.cache.orders[order.client_order_id] = order
            for check in self._pre_trade:
                denial = check(order, self)
                if denial is not None:
                    denials.append(denial)
                    break
        if denials:
            first = denials[0]
            by_id = {d.client_order_id: d for d in denials}
            for order in orders:
                self._queue.append(
                    by_id.get(order.client_order_id)
                    or OrderDenied(
                        order.client_order_id,
                        "GROUP_DENIED",
                        f"{first.client_order_id} of group {group.group_id} was denied: "
                        f"{first.message}",
                        now,
                        now,
                    )
                )
            return
        for order in orders:
            transition(order, _S.SUBMITTED, now)
            self.cache.open_orders[order.client_order_id] = order
            self._sent(order, _submitted(order, now))
        native.submit_group(group)

    def cancel_order(self, order: Order) -> None:
        """Ask the order's venue to cancel it; it is PENDING_CANCEL until the venue answers.

        Does nothing for an order that is closed, was never sent, or already awaits a cancel.
        """
        status = order.status
        if status.is_closed or status is _S.INITIALIZED or status is _S.PENDING_CANCEL:
            return
        client = self._client_for(order)
        now = self.clock.timestamp_ns()
        request(order, _S.PENDING_CANCEL, now)
        if self.audit is not None or self._order_listeners:
            self._sent(order, OrderPendingCancel(order.client_order_id, now, now))
        client.cancel(order)

    def modify_order(
        self,
        order: Order,
        *,
        price: Decimal | None = None,
        quantity: Decimal | None = None,
        trigger_price: Decimal | None = None,
    ) -> bool:
        """Ask the venue to amend a working order (omitted terms stay); True if it was asked.

        The order is PENDING_UPDATE until the venue answers (OrderUpdated or
        OrderModifyRejected, both reach ``on_order``). False when nothing would change or the
        order cannot be amended now: closed, not yet acknowledged, or awaiting an answer.
        Pre-trade checks see the amended order (same client order id); a denial comes back as
        OrderModifyRejected. Raises OrderError for a term the order type does not have, a
        quantity not above what has filled, or a venue that cannot modify.
        """
        if price is not None and order.order_type in _NO_PRICE:
            raise OrderError(
                f"{order.client_order_id} is {order.order_type.value}: it has no limit price "
                "to modify"
            )
        if trigger_price is not None and order.order_type in _NO_TRIGGER:
            raise OrderError(
                f"{order.client_order_id} is {order.order_type.value}: it has no trigger_price "
                "to modify"
            )
        if order.status.is_closed or order.is_pending or order.working_status not in _AMENDABLE:
            return False
        qty = order.quantity if quantity is None else quantity
        px = order.price if price is None else price
        trig = order.trigger_price if trigger_price is None else trigger_price
        if qty <= order.filled_quantity:
            raise OrderError(
                f"modify quantity {qty} of {order.client_order_id} is not above the "
                f"{order.filled_quantity} already filled: cancel the order instead"
            )
        if (qty, px, trig) == (order.quantity, order.price, order.trigger_price):
            return False
        venue = self.cache.instrument(order.instrument_id).venue
        client = self._client_for(order)
        if not self.capabilities(venue).modify:
            raise OrderError(
                f"venue {venue!r} cannot modify orders: cancel {order.client_order_id} and "
                "submit a new one"
            )
        now = self.clock.timestamp_ns()
        request(order, _S.PENDING_UPDATE, now)
        self._sent(order, OrderPendingUpdate(order.client_order_id, qty, px, trig, now, now))
        if self._pre_trade:
            proposed = _amended(order, qty, px, trig)
            for check in self._pre_trade:
                denial = check(proposed, self)
                if denial is not None:
                    reason = f"{denial.reason}: {denial.message}"
                    self._queue.append(OrderModifyRejected(order.client_order_id, reason, now, now))
                    return True
        client.modify(order, quantity=qty, price=px, trigger_price=trig)
        return True

    def query_order(self, order: Order) -> None:
        """Ask the venue for an order's state (it is never re-sent): missed fills come again,
        then an OrderStatusReport, or OrderNotFound."""
        client = self._client_for(order)
        now = self.clock.timestamp_ns()
        self._sent(order, OrderQueried(order.client_order_id, now, now))
        client.query_order(order.client_order_id)

    def restore_order(self, order: Order) -> None:
        """Take back an open order journaled before a restart, as it is (recovery does this
        before any strategy runs): it joins the cache, order listeners hear OrderRestored (the
        execution layer tracks it again: time-to-live, unanswered requests) and nothing is
        sent. Raises OrderError for an order that is not open or that the engine already has.
        """
        coid = order.client_order_id
        if order.status.is_closed or order.status is _S.INITIALIZED:
            raise OrderError(
                f"order {coid} is {order.status.value}: only an open order that was sent can be "
                "restored"
            )
        if coid in self.cache.orders:
            raise OrderError(f"order {coid} is already in the engine: restore each order once")
        self.cache.orders[coid] = order
        self.cache.open_orders[coid] = order
        now = self.clock.timestamp_ns()
        self._sent(order, OrderRestored(coid, order.status, now, now))

    def reject_lost_order(self, order: Order, reason: str) -> bool:
        """Close as REJECTED a submit the venue never acknowledged and says it does not have.

        Only for an order still unacknowledged (working status SUBMITTED); the rejection is
        queued like a venue report. True if it was queued.
        """
        if order.status.is_closed or order.working_status is not _S.SUBMITTED:
            return False
        now = self.clock.timestamp_ns()
        self._queue.append(OrderRejected(order.client_order_id, reason, now, now))
        return True

    def _client_for(self, order: Order) -> ExecutionClient:
        venue = self.cache.instrument(order.instrument_id).venue
        client = self._venues.get(venue)
        if client is None:
            raise ConfigError(
                f"no venue {venue!r} is connected for {order.instrument_id}: add one with "
                "engine.add_venue(...)"
            )
        return client

    def _sent(self, order: Order, record: object) -> None:
        if self.audit is not None:
            self.audit(record)
        for listener in self._order_listeners:
            listener(order, record)


def _submitted(order: Order, now: int) -> OrderSubmitted:
    return OrderSubmitted(
        order.client_order_id,
        order.strategy_id,
        order.instrument_id,
        order.side,
        order.order_type.value,
        order.quantity,
        order.price,
        order.trigger_price,
        order.time_in_force.value,
        now,
        now,
    )


def _amended(
    order: Order, quantity: Decimal, price: Decimal | None, trigger: Decimal | None
) -> Order:
    """A copy of ``order`` with new terms, for pre-trade checks to judge a modify."""
    copy = Order(
        order.client_order_id,
        order.strategy_id,
        order.instrument_id,
        order.side,
        order.order_type,
        quantity,
        price=price,
        trigger_price=trigger,
        time_in_force=order.time_in_force,
        expire_time_ns=order.expire_time_ns,
        post_only=order.post_only,
        reduce_only=order.reduce_only,
        ts_init=order.ts_init,
        tags=order.tags,
    )
    copy.status = copy.working_status = order.working_status
    copy.filled_quantity = order.filled_quantity
    copy.filled_notional = order.filled_notional
    copy.venue_order_id = order.venue_order_id
    return copy
