"""The bookkeeping of an emulated group: its legs, the orders each leg has sent, what is left.

``export_group`` / ``restore_group`` write a group as a JSON-ready dict (exact Decimals as
strings, orders by client order id) and rebuild it around the orders a restarted engine holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradewind.model.contingency import FailurePolicy, GroupKind, GroupState, OrderGroup
from tradewind.model.enums import OrderStatus
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

if TYPE_CHECKING:
    from tradewind.execution.trailing import Trail

_ZERO = Decimal(0)


class Leg:
    """One leg of a group: the orders it has sent and what it may still do."""

    __slots__ = (
        "canceling",
        "filled_before",
        "held",
        "orders",
        "price",
        "replace",
        "role",
        "size",
        "tags",
        "template",
        "trigger",
    )

    def __init__(self, role: str, template: Order, size: Decimal | None, tag: str) -> None:
        self.role = role
        self.template = template
        self.size = size  # fixed size; None: sized to the parent's fills
        self.tags = (*template.tags, tag)
        self.price = template.price  # the terms its next order gets (followed when amended)
        self.trigger = template.trigger_price  # (for a trailing stop: where the trail says)
        self.orders: list[Order] = []
        self.held = False  # not released yet (a trailing stop awaiting activation)
        self.canceling = False  # we canceled its live order (to replace it, or nothing is left)
        self.replace = False  # change sizes by cancel and replace (no modify, or one refused)
        self.filled_before = _ZERO  # filled by orders no longer at hand (before a restart)

    @property
    def order(self) -> Order | None:
        """The latest order of this leg."""
        return self.orders[-1] if self.orders else None

    @property
    def filled(self) -> Decimal:
        """What all of this leg's orders have filled."""
        return sum((o.filled_quantity for o in self.orders), self.filled_before)


class Group:
    """A group being run: its handle, its parent (OTO, bracket) and its legs."""

    __slots__ = ("canceled", "flattened", "handle", "legs", "oco", "parent", "stopped", "trail")

    def __init__(
        self, handle: OrderGroup, parent: Order | None, legs: list[Leg], *, oco: bool
    ) -> None:
        self.handle = handle
        self.parent = parent
        self.legs = legs
        self.oco = oco
        self.canceled = False  # canceled by the strategy
        self.flattened = False
        self.stopped: set[Leg] = set()  # legs that send nothing more
        self.trail: Trail | None = None


def copy_order(template: Order, client_order_id: ClientOrderId, quantity: Decimal) -> Order:
    """A new order on the template's terms for ``quantity`` (``_place`` sets its trigger)."""
    return Order(
        client_order_id,
        template.strategy_id,
        template.instrument_id,
        template.side,
        template.order_type,
        quantity,
        price=template.price,
        trigger_price=template.trigger_price,
        time_in_force=template.time_in_force,
        expire_time_ns=template.expire_time_ns,
        post_only=template.post_only,
        reduce_only=template.reduce_only,
        tags=template.tags,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def export_group(group: Group) -> dict[str, Any]:
    """A JSON-ready copy of ``group``: its handle, parent, legs and trail, orders by id."""
    handle = group.handle
    trail = group.trail
    return {
        "group_id": handle.group_id,
        "kind": handle.kind.value,
        "strategy_id": handle.strategy_id,
        "failure_policy": handle.failure_policy.value,
        "native": handle.native,
        "offset": _text(handle.offset),
        "offset_bps": _text(handle.offset_bps),
        "activation_price": _text(handle.activation_price),
        "state": handle.state.value,
        "reason": handle.reason,
        "orders": [[o.client_order_id, handle.roles[o]] for o in handle.orders],
        "parent": None if group.parent is None else group.parent.client_order_id,
        "oco": group.oco,
        "canceled": group.canceled,
        "flattened": group.flattened,
        "trail": None if trail is None else {"best": _text(trail.best)},
        "legs": [_export_leg(leg, leg in group.stopped) for leg in group.legs],
    }


def _working(order: Order | None) -> bool:
    """True for an order that was sent and is still open."""
    return order is not None and order.status is not OrderStatus.INITIALIZED and order.is_open


def _export_leg(leg: Leg, stopped: bool) -> dict[str, Any]:
    return {
        "role": leg.role,
        "size": _text(leg.size),
        "filled": str(leg.filled),
        "orders": [o.client_order_id for o in leg.orders],
        "template": leg.template.to_row(),
        "tags": list(leg.tags),
        "price": _text(leg.price),
        "trigger": _text(leg.trigger),
        "held": leg.held,
        "canceling": leg.canceling,
        "replace": leg.replace,
        "stopped": stopped,
        "working": _working(leg.order),
    }


def restore_group(data: Mapping[str, Any], orders: Mapping[str, Order]) -> Group | None:
    """The group ``export_group`` wrote, around ``orders`` (by client order id); None when its
    parent never reached the journal (nothing of it was sent). Orders it names that ``orders``
    lacks are left out; what they filled stays counted in their leg."""
    parent = None
    if data["parent"] is not None:
        parent = orders.get(data["parent"])
        if parent is None:
            return None
    handle = OrderGroup(
        data["group_id"],
        GroupKind(data["kind"]),
        data["strategy_id"],
        failure_policy=FailurePolicy(data["failure_policy"]),
        native=bool(data["native"]),
        offset=_number(data["offset"]),
        offset_bps=_number(data["offset_bps"]),
        activation_price=_number(data["activation_price"]),
    )
    handle.state = GroupState(data["state"])
    handle.reason = data["reason"]
    for coid, role in data["orders"]:
        order = orders.get(coid)
        if order is not None:
            handle.add(order, role)
    group = Group(handle, parent, [], oco=bool(data["oco"]))
    group.canceled, group.flattened = bool(data["canceled"]), bool(data["flattened"])
    for saved in data["legs"]:
        leg = _restore_leg(saved, orders, group.stopped)
        group.legs.append(leg)
        if saved["stopped"]:
            group.stopped.add(leg)
    return group


def _restore_leg(saved: Mapping[str, Any], orders: Mapping[str, Order], stopped: set[Leg]) -> Leg:
    row = saved["template"]
    template = orders.get(row["client_order_id"]) or Order.from_row(row)
    leg = Leg(saved["role"], template, _number(saved["size"]), "")
    leg.tags = tuple(saved["tags"])
    leg.price, leg.trigger = _number(saved["price"]), _number(saved["trigger"])
    leg.orders = [orders[c] for c in saved["orders"] if c in orders]
    leg.held, leg.canceling = bool(saved["held"]), bool(saved["canceling"])
    leg.replace = bool(saved["replace"])
    found = sum((o.filled_quantity for o in leg.orders), _ZERO)
    leg.filled_before = max(Decimal(saved["filled"]) - found, _ZERO)
    order = leg.order
    if saved["working"] and order is not None and order.status.is_closed:
        # closed while we were down: as if we had heard it (see ContingentOrderManager)
        if order.status is not OrderStatus.FILLED and not leg.canceling:
            stopped.add(leg)
        leg.canceling = False
    return leg
