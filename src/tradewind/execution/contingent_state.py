"""Contingent groups across a restart: the manager's working groups saved and taken back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradewind.execution.group_state import Group, Leg, export_group, restore_group
from tradewind.execution.trailing import Trail, TrailingStops
from tradewind.model.contingency import GroupKind
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order

if TYPE_CHECKING:
    from tradewind.engine.engine import Engine


class SavedGroups:
    """The state half of ``ContingentOrderManager`` (mixed into it, which sets these)."""

    _engine: Engine
    _groups: dict[str, Group]
    _by_order: dict[ClientOrderId, tuple[Group, Leg | None]]
    _seq: int
    _listeners: list[Callable[[], object]]
    _trailing: TrailingStops

    def _sync(self, group: Group) -> None:
        raise NotImplementedError

    def add_state_listener(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` whenever a group changes, and before each order a group sends
        leaves (so that a saved state names every order that may have been sent)."""
        self._listeners.append(listener)

    def export_state(self) -> list[dict[str, Any]]:
        """The working groups, JSON-ready (exact Decimals as strings, orders by client order id;
        ``restore_state`` reads it back). Groups that are done are not in it."""
        return [export_group(group) for group in self._groups.values()]

    def restore_state(
        self, groups: Sequence[Mapping[str, Any]], orders_by_id: Mapping[str, Order]
    ) -> list[str]:
        """Take back groups ``export_state`` wrote before a restart, around the orders
        recovery restored (``orders_by_id``: client order id -> ``Order``; closed ones count
        for what they filled). They then run as before: what happened while we were down is
        caught up (an entry that filled gets its exits, an exit that filled cancels the other).
        A group whose parent never reached the journal is dropped (nothing of it was sent).
        Returns the ids of the groups restored (those found done are finished at once)."""
        restored: list[Group] = []
        for data in groups:
            group = restore_group(data, orders_by_id)
            if group is None or group.handle.group_id in self._groups:
                continue
            handle = group.handle
            self.continue_group_ids(_number_of(handle.group_id))
            self._groups[handle.group_id] = group
            for order in handle.orders:
                self._by_order[order.client_order_id] = (group, leg_of(group, order))
            if handle.kind is GroupKind.TRAILING_STOP and group.legs:
                self._restore_trail(group, data.get("trail") or {})
            restored.append(group)
        for group in restored:
            self._sync(group)
        return [group.handle.group_id for group in restored]

    def continue_group_ids(self, after: int) -> None:
        """Number new groups after ``after`` (a restart never reuses a group id)."""
        self._seq = max(self._seq, after)

    def _restore_trail(self, group: Group, saved: Mapping[str, Any]) -> None:
        leg = group.legs[0]
        trail = Trail(group, leg, self._engine.cache.instrument(leg.template.instrument_id))
        best = saved.get("best")
        trail.best = None if best is None else Decimal(best)
        group.trail = trail
        if not group.handle.native:
            self._trailing.add(trail)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()


def leg_of(group: Group, order: Order) -> Leg | None:
    return next((leg for leg in group.legs if order in leg.orders), None)


def _number_of(group_id: str) -> int:
    tail = group_id.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0
