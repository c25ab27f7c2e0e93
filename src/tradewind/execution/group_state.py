"""The bookkeeping of an emulated group: its legs, the orders each leg has sent, what is left."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.model.contingency import OrderGroup
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

if TYPE_CHECKING:
    from tradewind.execution.trailing import Trail

_ZERO = Decimal(0)


class Leg:
    """One leg of a group: the orders it has sent and what it may still do."""

    __slots__ = (
        "canceling",
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

    @property
    def order(self) -> Order | None:
        """The latest order of this leg."""
        return self.orders[-1] if self.orders else None

    @property
    def filled(self) -> Decimal:
        """What all of this leg's orders have filled."""
        return sum((o.filled_quantity for o in self.orders), _ZERO)


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
