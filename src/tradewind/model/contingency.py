"""Contingent order groups as a strategy holds them: kinds, states, failure policies, the handle."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from tradewind.model.orders import Order

GROUP_TAG_PREFIX = "group:"
"""Every order of a contingent group carries the tag ``group:<group id>:<role>``."""


class GroupKind(StrEnum):
    """What links the orders of a group. Values are the ``VenueCapabilities`` field names."""

    OCO = "oco"
    """One cancels the other: when one leg fills, the other is reduced or canceled."""
    OTO = "oto"
    """One triggers the other: the child is sent, sized to the fill, once the parent fills."""
    BRACKET = "bracket"
    """An entry that triggers a stop-loss and a take-profit, which are one-cancels-the-other."""
    TRAILING_STOP = "trailing_stop"
    """A stop that follows the best price since activation at a fixed offset."""


class GroupState(StrEnum):
    """Where a group is in its life."""

    WORKING = "WORKING"
    """Some of its orders are working (or waiting to be released)."""
    COMPLETED = "COMPLETED"
    """Done: a leg, child or exit traded and nothing is left working."""
    CANCELED = "CANCELED"
    """Done without any leg, child or exit trading (or canceled by the strategy)."""
    FAILED = "FAILED"
    """An order of the group was rejected; its failure policy ran (see ``reason``)."""


class FailurePolicy(StrEnum):
    """What a bracket (or OTO) does when one of its child orders is rejected."""

    FLATTEN = "flatten"
    """Cancel the group's other orders and close what the entry filled at the market."""
    KEEP = "keep"
    """Leave the other orders working; the position keeps whatever protection is left."""
    CANCEL_ALL = "cancel_all"
    """Cancel the group's other orders and keep the position."""


class OrderGroup:
    """A contingent group: its orders by role, and its state. Only the execution layer writes it.

    ``orders`` lists every order sent for the group, in order (replacements and the flatten
    order included); ``order(role)`` gives the latest order of a role. Bracket roles are
    ``entry``, ``stop_loss``, ``take_profit`` (and ``flatten``); OTO roles ``parent`` and
    ``child``; OCO roles ``first`` and ``second``; a trailing stop's role is ``stop``.
    ``native`` is True when the venue runs the group itself rather than tradewind emulating it.
    """

    __slots__ = (
        "activation_price",
        "failure_policy",
        "group_id",
        "kind",
        "native",
        "offset",
        "offset_bps",
        "orders",
        "reason",
        "roles",
        "state",
        "strategy_id",
    )

    def __init__(
        self,
        group_id: str,
        kind: GroupKind,
        strategy_id: str,
        *,
        failure_policy: FailurePolicy = FailurePolicy.KEEP,
        native: bool = False,
        offset: Decimal | None = None,
        offset_bps: Decimal | None = None,
        activation_price: Decimal | None = None,
    ) -> None:
        self.group_id = group_id
        self.kind = kind
        self.strategy_id = strategy_id
        self.failure_policy = failure_policy
        self.native = native
        self.offset = offset
        self.offset_bps = offset_bps
        self.activation_price = activation_price
        self.state = GroupState.WORKING
        self.reason = ""
        self.orders: list[Order] = []
        self.roles: dict[Order, str] = {}

    def add(self, order: Order, role: str) -> None:
        """Record an order sent for ``role``."""
        self.orders.append(order)
        self.roles[order] = role

    def order(self, role: str) -> Order | None:
        """The latest order of ``role``, or None if none was sent yet."""
        for order in reversed(self.orders):
            if self.roles[order] == role:
                return order
        return None

    def role_of(self, order: Order) -> str:
        """The role an order plays in this group."""
        return self.roles[order]

    @property
    def is_open(self) -> bool:
        """True while any of its orders is open (a failed group may still have some working)."""
        return any(o.is_open for o in self.orders)

    @property
    def is_done(self) -> bool:
        """True once the group will send and change nothing more."""
        return self.state is not GroupState.WORKING and not self.is_open

    def tag(self, role: str) -> str:
        """The tag carried by this group's orders of ``role``."""
        return f"{GROUP_TAG_PREFIX}{self.group_id}:{role}"

    def __repr__(self) -> str:
        legs = ", ".join(f"{self.roles[o]}={o.client_order_id}" for o in self.orders)
        return f"OrderGroup({self.group_id} {self.kind.value} {self.state.value} [{legs}])"
