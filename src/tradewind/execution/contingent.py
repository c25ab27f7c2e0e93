"""Contingent orders: brackets, OCO, OTO and trailing stops, native where the venue runs them.

Where the venue lacks a kind (its ``VenueCapabilities``), the group is emulated here from the
engine's order and fill events, with this behaviour:

- **OTO**: the child goes out on the parent's first fill, sized to what has filled, and grows
  with each later fill. A child that filled completely is followed by a new one for fills
  that come after it.
- **OCO**: a fill on one leg reduces the other leg by the same quantity; when nothing is left
  for the other leg (a full fill), it is canceled.
- **Bracket**: entry OTO (stop-loss OCO take-profit). Both exits are sized to the entry's
  filled quantity less what the other exit has filled; the first exit fill cancels what is
  left of the entry. A rejected exit runs the group's failure policy.
- **Trailing stop**: see ``tradewind.execution.trailing``.

Sizes change by modify where the venue can amend (or until it refuses a modify), otherwise by
cancel and replace: the replacement goes out when the cancel is confirmed, so for that moment
the leg is not at the venue. Exits are reduce-only by default, so a fill racing an emulated
cancel cannot reverse the position. An order canceled or expired by anyone but this manager
(the strategy, a kill switch, the venue) ends its leg: nothing replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradewind.engine.engine import Engine
from tradewind.errors import StrategyError
from tradewind.execution.contingent_state import SavedGroups, leg_of
from tradewind.execution.group_state import Group, Leg, copy_order
from tradewind.execution.trailing import Trail, TrailingStops
from tradewind.model.contingency import FailurePolicy, GroupKind, GroupState, OrderGroup
from tradewind.model.enums import OrderStatus, OrderType
from tradewind.model.events import (
    Fill,
    OrderDenied,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderQueried,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

_ZERO = Decimal(0)
_S = OrderStatus
_OUR_REQUESTS = frozenset({OrderSubmitted, OrderPendingCancel, OrderPendingUpdate, OrderQueried})
_STOPS = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})


class ContingentOrderManager(SavedGroups):
    """Runs an engine's contingent groups: hands them to venues that run them, emulates the rest."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._groups: dict[str, Group] = {}
        self._by_order: dict[ClientOrderId, tuple[Group, Leg | None]] = {}
        self._seq = 0
        self._listeners: list[Callable[[], object]] = []
        self._trailing = TrailingStops(engine, self._sync)
        engine.add_order_listener(self._on_order)
        engine.add_fill_listener(self._on_fill)

    # ------------------------------------------------------------- submitting
    def submit_oco(self, first: Order, second: Order) -> OrderGroup:
        """Send two orders where a fill on one reduces (or cancels) the other."""
        _same_book(first, second)
        group = self._new(GroupKind.OCO, first, FailurePolicy.KEEP, None)
        group.legs = [self._leg(group, "first", first, first.quantity)]
        group.legs.append(self._leg(group, "second", second, second.quantity))
        group.oco = True
        return self._start(group)

    def submit_oto(self, parent: Order, child: Order, failure_policy: str) -> OrderGroup:
        """Send ``parent``; ``child`` follows its fills, sized to what has filled."""
        if child.quantity != parent.quantity or child.strategy_id != parent.strategy_id:
            raise StrategyError(
                f"OTO child {child.client_order_id} must have the parent's quantity "
                f"{parent.quantity} and strategy: it is sized to the parent's fills"
            )
        group = self._new(GroupKind.OTO, parent, FailurePolicy(failure_policy), "parent")
        group.legs = [self._leg(group, "child", child, None)]
        return self._start(group)

    def submit_bracket(
        self, entry: Order, stop_loss: Order, take_profit: Order, failure_policy: str
    ) -> OrderGroup:
        """Send ``entry``; exits sized to its fills, one cancelling the other."""
        _same_book(entry, stop_loss)
        _same_book(entry, take_profit)
        group = self._new(GroupKind.BRACKET, entry, FailurePolicy(failure_policy), "entry")
        group.legs = [self._leg(group, "stop_loss", stop_loss, None)]
        group.legs.append(self._leg(group, "take_profit", take_profit, None))
        group.oco = True
        return self._start(group)

    def submit_trailing_stop(
        self,
        stop: Order,
        offset: Decimal | None,
        offset_bps: Decimal | None,
        activation_price: Decimal | None,
    ) -> OrderGroup:
        """Send a stop-market whose trigger trails the best price since activation."""
        group = self._new(GroupKind.TRAILING_STOP, stop, FailurePolicy.KEEP, None)
        handle = group.handle
        handle.offset, handle.offset_bps = offset, offset_bps
        handle.activation_price = activation_price
        leg = self._leg(group, "stop", stop, stop.quantity)
        group.legs = [leg]
        trail = Trail(group, leg, self._engine.cache.instrument(stop.instrument_id))
        group.trail = trail
        if activation_price is None:
            price = self._trailing.reference_price(trail)
            if price is None:
                raise StrategyError(
                    f"no price of {stop.instrument_id} yet to trail from: pass "
                    "activation_price, or submit after the first quote, trade or bar"
                )
            trail.start(price)
        else:
            leg.held = True
        if not self._native(group):
            self._trailing.add(trail)
        return self._start(group)

    def cancel_group(self, group: OrderGroup) -> None:
        """Cancel every open order of ``group``; it sends nothing more."""
        running = self._groups.get(group.group_id)
        if running is None:
            return
        running.canceled = True
        self._stop_all(running)
        self._finish_if_done(running)

    # ---------------------------------------------------------------- events
    def _on_order(self, order: Order, event: object) -> None:
        found = self._by_order.get(order.client_order_id)
        if found is None or event.__class__ in _OUR_REQUESTS:
            return
        group, leg = found
        kind = event.__class__
        if kind is OrderRejected or kind is OrderDenied:
            self._failed(group, leg, order, getattr(event, "reason", ""))
        elif kind is OrderModifyRejected and leg is not None:
            leg.replace = True  # the venue will not amend this: cancel and replace instead
        elif kind is OrderUpdated and leg is not None and group.trail is None:
            leg.price, leg.trigger = order.price, order.trigger_price  # e.g. a stop to break-even
        elif order.status.is_closed and leg is not None and order is leg.order:
            if order.status is not _S.FILLED and not leg.canceling:
                group.stopped.add(leg)  # closed by someone else: nothing replaces it
            leg.canceling = False
        self._sync(group)

    def _on_fill(self, fill: Fill, order: Order) -> None:
        found = self._by_order.get(fill.client_order_id)
        if found is not None:
            self._sync(found[0])

    # ------------------------------------------------------------ emulation
    def _sync(self, group: Group) -> None:
        """Bring the group's orders to what its fills say they should be (idempotent)."""
        if group.handle.native:
            self._finish_if_done(group)
            return
        parent = group.parent
        exits_filled = sum((leg.filled for leg in group.legs), _ZERO)
        if parent is not None and group.oco and exits_filled and parent.is_open:
            self._engine.cancel_order(parent)  # an exit traded: the entry is over
        base = None if parent is None else parent.filled_quantity
        for leg in group.legs:
            if leg in group.stopped or leg.held:
                continue
            size = leg.size if base is None else base
            assert size is not None
            others = exits_filled - leg.filled if group.oco else _ZERO
            need = size - others - leg.filled
            order = leg.order
            if order is not None and order.is_open:
                self._steer(leg, order, need)
            elif need > 0:
                self._place(group, leg, need)
        self._finish_if_done(group)

    def _steer(self, leg: Leg, order: Order, need: Decimal) -> None:
        """Resize (or re-trigger) a live leg order; wait while it awaits an answer."""
        if order.working_status is _S.SUBMITTED or order.is_pending:
            return
        if need <= 0:
            leg.canceling = True
            self._engine.cancel_order(order)
            return
        quantity = order.filled_quantity + need
        trigger = leg.trigger
        retrigger = (
            order.order_type in _STOPS
            and order.working_status is _S.ACCEPTED
            and trigger is not None
            and trigger != order.trigger_price
        )
        if quantity == order.quantity and not retrigger:
            return
        venue = self._engine.cache.instrument(order.instrument_id).venue
        if leg.replace or not self._engine.capabilities(venue).modify:
            leg.canceling = True
            self._engine.cancel_order(order)  # the replacement goes out once it is canceled
            return
        self._engine.modify_order(
            order,
            quantity=quantity if quantity != order.quantity else None,
            trigger_price=trigger if retrigger else None,
        )

    def _place(self, group: Group, leg: Leg, quantity: Decimal) -> None:
        template = leg.template
        if leg.orders or template.status is not _S.INITIALIZED:
            order = copy_order(template, self._engine.next_order_id(), quantity)
        else:
            order = template
            order.quantity = quantity
        order.price = leg.price
        order.trigger_price = leg.trigger
        order.tags = leg.tags
        leg.orders.append(order)
        self._send(group, order, leg.role, leg)

    def _send(self, group: Group, order: Order, role: str, leg: Leg | None) -> None:
        group.handle.add(order, role)
        self._by_order[order.client_order_id] = (group, leg)
        self._changed()  # saved before it can leave
        self._engine.submit_order(order)

    # --------------------------------------------------------------- failure
    def _failed(self, group: Group, leg: Leg | None, order: Order, reason: str) -> None:
        handle = group.handle
        if handle.state is GroupState.WORKING:
            handle.state = GroupState.FAILED
            handle.reason = f"{handle.role_of(order)} {order.client_order_id} rejected: {reason}"
        if leg is None or leg not in group.legs:
            return  # the entry/parent (nothing traded) or the flatten order itself
        group.stopped.add(leg)
        policy = handle.failure_policy
        if policy is FailurePolicy.KEEP:
            return
        self._stop_all(group)
        parent = group.parent
        if policy is FailurePolicy.FLATTEN and parent is not None and not group.flattened:
            group.flattened = True
            exposure = parent.filled_quantity - sum((g.filled for g in group.legs), _ZERO)
            if exposure > 0:
                flatten = Order(
                    self._engine.next_order_id(),
                    parent.strategy_id,
                    parent.instrument_id,
                    parent.side.opposite,
                    OrderType.MARKET,
                    exposure,
                    reduce_only=True,
                    tags=(*parent.tags, handle.tag("flatten")),
                )
                self._send(group, flatten, "flatten", Leg("flatten", flatten, exposure, ""))

    def _stop_all(self, group: Group) -> None:
        engine = self._engine
        for leg in group.legs:
            group.stopped.add(leg)
            leg.held = False
            if leg.order is not None and leg.order.is_open:
                engine.cancel_order(leg.order)
        if group.parent is not None and group.parent.is_open:
            engine.cancel_order(group.parent)

    # ------------------------------------------------------------- plumbing
    def _new(
        self, kind: GroupKind, first: Order, policy: FailurePolicy, parent_role: str | None
    ) -> Group:
        self._seq += 1
        handle = OrderGroup(f"G-{self._seq:06d}", kind, first.strategy_id, failure_policy=policy)
        group = Group(handle, None, [], oco=False)
        if parent_role is not None:
            group.parent = first
            first.tags = (*first.tags, handle.tag(parent_role))
            handle.add(first, parent_role)
        return group

    def _leg(self, group: Group, role: str, template: Order, size: Decimal | None) -> Leg:
        return Leg(role, template, size, group.handle.tag(role))

    def _native(self, group: Group) -> bool:
        first = group.parent or group.legs[0].template
        venue = self._engine.cache.instrument(first.instrument_id).venue
        return self._engine.capabilities(venue).runs(group.handle.kind)

    def _start(self, group: Group) -> OrderGroup:
        handle = group.handle
        self._groups[handle.group_id] = group
        if self._native(group):
            handle.native = True
            orders = [] if group.parent is None else [group.parent]
            for leg in group.legs:
                leg.held = False  # the venue activates it
                leg.template.tags = leg.tags
                leg.template.trigger_price = leg.trigger
                leg.orders.append(leg.template)
                handle.add(leg.template, leg.role)
                orders.append(leg.template)
            for order in orders:
                self._by_order[order.client_order_id] = (group, leg_of(group, order))
            self._changed()
            self._engine.submit_group(handle, orders)
            return handle
        if group.parent is not None:
            self._by_order[group.parent.client_order_id] = (group, None)
            self._changed()
            self._engine.submit_order(group.parent)
        self._sync(group)
        return handle

    def _finish_if_done(self, group: Group) -> None:
        handle = group.handle
        if not handle.is_open and not any(leg.held for leg in group.legs):
            self._finish(group)
        if self._listeners:
            self._changed()

    def _finish(self, group: Group) -> None:
        handle = group.handle
        if handle.state is GroupState.WORKING:
            traded = any(leg.filled for leg in group.legs)
            done = traded and not group.canceled
            handle.state = GroupState.COMPLETED if done else GroupState.CANCELED
        self._groups.pop(handle.group_id, None)
        for order in handle.orders:
            self._by_order.pop(order.client_order_id, None)
        if group.trail is not None:
            self._trailing.remove(group.trail)


def _same_book(a: Order, b: Order) -> None:
    if a.instrument_id != b.instrument_id or a.strategy_id != b.strategy_id:
        raise StrategyError(
            f"orders {a.client_order_id} and {b.client_order_id} of one group must share the "
            "instrument and the strategy"
        )
