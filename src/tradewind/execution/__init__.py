"""Execution: the order tracker and reaper, and contingent orders (brackets, OCO, OTO, trailing).

``install(engine)`` plugs it into an engine; the order state machine itself is the model's
(``tradewind.model.orders``) and the engine's order flow applies it.
"""

from __future__ import annotations

from tradewind.engine.engine import Engine
from tradewind.execution.contingent import ContingentOrderManager
from tradewind.execution.reaper import OrderReaper, in_contingent_group
from tradewind.execution.tracker import OrderTracker, TrackedOrder
from tradewind.execution.trailing import Trail, TrailingStops

__all__ = [
    "ContingentOrderManager",
    "OrderReaper",
    "OrderTracker",
    "TrackedOrder",
    "Trail",
    "TrailingStops",
    "in_contingent_group",
    "install",
]


def install(
    engine: Engine,
    *,
    ttl_ns: int | None = None,
    in_flight_timeout_ns: int | None = None,
    reap_interval_ns: int = 1_000_000_000,
    max_not_found: int = 3,
) -> OrderReaper | None:
    """Plug the execution layer into ``engine``; returns the reaper, if one was asked for.

    Contingent orders are always available (the manager is built on first use, so an engine
    that never sends one pays nothing). An ``OrderTracker`` and ``OrderReaper`` run when
    ``ttl_ns`` (cancel orders older than this) or ``in_flight_timeout_ns`` (query requests
    unanswered for this long) is given; they also take on the open orders a restart gives back
    (``Engine.restore_order``, called by recovery), whether restored before or after this.
    """
    engine.set_contingent(lambda: ContingentOrderManager(engine))
    if ttl_ns is None and in_flight_timeout_ns is None:
        return None
    return OrderReaper(
        engine,
        OrderTracker(engine),
        ttl_ns=ttl_ns,
        in_flight_timeout_ns=in_flight_timeout_ns,
        interval_ns=reap_interval_ns,
        max_not_found=max_not_found,
    )
