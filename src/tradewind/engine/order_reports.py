"""Order reports: how venue reports change orders, and which ones are refused.

Every report goes through the order state machine (``tradewind.model.orders``): an illegal
one is counted in ``illegal_reports``, logged, audited as a ReportRefused and never applied; a
repeat (a fill whose trade id was counted, an acknowledgement or close already applied) is
counted in ``duplicate_reports`` and refused the same way. A cancel or modify answer that
crosses the order's close (it filled meanwhile) is audited and otherwise ignored. A cancel,
rejection or denial leaves its reason on the order (``Order.reason``).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from tradewind.engine.cache import Cache
from tradewind.engine.protocols import AuditSink, OrderListener, PortfolioView
from tradewind.model.enums import OrderStatus
from tradewind.model.events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderModifyRejected,
    OrderNotFound,
    OrderRejected,
    OrderStatusReport,
    OrderTriggered,
    OrderUpdated,
    ReportRefused,
)
from tradewind.model.identifiers import ClientOrderId
from tradewind.model.orders import Order, answer, apply_fill, apply_update, transition

_log = logging.getLogger("tradewind.engine")
_S = OrderStatus
STATUS_OF: dict[type, OrderStatus] = {
    OrderAccepted: _S.ACCEPTED,
    OrderRejected: _S.REJECTED,
    OrderCanceled: _S.CANCELED,
    OrderExpired: _S.EXPIRED,
    OrderTriggered: _S.TRIGGERED,
    OrderDenied: _S.DENIED,
}
"""The status each plain status report moves an order to."""
_WITH_REASON = frozenset({OrderCanceled, OrderRejected, OrderDenied})
"""Reports whose ``reason`` (the venue's, or a check's) is kept on the order."""
_WORKING_REPORTS = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})
_CLOSING_REPORTS = frozenset({_S.CANCELED, _S.EXPIRED, _S.REJECTED})


class OrderReports:
    """The engine's handlers of venue reports (mixed into ``Engine``, which sets these)."""

    cache: Cache
    audit: AuditSink | None
    portfolio: PortfolioView | None
    illegal_reports: int
    duplicate_reports: int
    _fill_listeners: list[Callable[[Fill, Order], None]]
    _order_listeners: list[OrderListener]
    _strategies: dict[str, Any]
    _queue: deque[object]
    keep_closed: int | None
    _closed: deque[ClientOrderId]

    def _close(self, order: Order) -> None:
        """An order closed: no longer open. Past ``keep_closed`` closed orders the oldest is
        forgotten by the cache, so a long-running bot's memory stays flat (its store keeps
        every order); None (the default, and the backtest's) keeps them all."""
        coid = order.client_order_id
        self.cache.open_orders.pop(coid, None)
        if self.keep_closed is not None:
            closed = self._closed
            closed.append(coid)
            if len(closed) > self.keep_closed:
                self.cache.orders.pop(closed.popleft(), None)

    def _target(self, event: Any) -> Order | None:
        if self.audit is not None:
            self.audit(event)
        order = self.cache.orders.get(event.client_order_id)
        if order is None:
            self._refuse(event, f"unknown order {event.client_order_id}")
        return order

    def _refuse(self, event: Any, reason: str, *, duplicate: bool = False) -> None:
        kind = event.__class__.__name__
        if duplicate:
            self.duplicate_reports += 1
        else:
            self.illegal_reports += 1
            _log.warning("refused %s: %s", kind, reason)
        if self.audit is not None:
            self.audit(
                ReportRefused(
                    event.client_order_id, kind, reason, duplicate, event.ts_event, event.ts_init
                )
            )

    def _changed(self, order: Order, event: object) -> None:
        if order.status.is_closed:
            self._close(order)
        for listener in self._order_listeners:
            listener(order, event)
        strategy = self._strategies.get(order.strategy_id)
        if strategy is not None:
            strategy.on_order(order, event)

    def _on_order_event(self, event: Any) -> None:
        if self.audit is not None:
            self.audit(event)
        order = self.cache.orders.get(event.client_order_id)
        if order is None:
            self._refuse(event, f"unknown order {event.client_order_id}")
            return
        new = STATUS_OF[event.__class__]
        error = transition(order, new, event.ts_event)
        if error is not None:
            if _repeats(order, event, new):  # every repeat is an illegal move: tell them apart
                error = f"{order.client_order_id} is already {new.value}"
                self._refuse(event, error, duplicate=True)
            else:
                self._refuse(event, error)
            return
        kind = event.__class__
        if kind is OrderAccepted:
            order.venue_order_id = event.venue_order_id
        elif kind in _WITH_REASON:
            order.reason = event.reason
        self._changed(order, event)

    def _on_fill(self, fill: Fill) -> None:
        if self.audit is not None:
            self.audit(fill)
        order = self.cache.orders.get(fill.client_order_id)
        if order is None:
            self._refuse(fill, f"unknown order {fill.client_order_id}")
            return
        error = apply_fill(order, fill.quantity, fill.price, fill.ts_event, fill.trade_id)
        if error is not None:
            duplicate = bool(fill.trade_id) and order.has_trade(fill.trade_id)
            self._refuse(fill, error, duplicate=duplicate)
            return
        if not order.venue_order_id:
            order.venue_order_id = fill.venue_order_id
        if order.status is _S.FILLED:
            self._close(order)
        if self.portfolio is not None:
            self.portfolio.on_fill(fill, order.strategy_id)
        for listener in self._fill_listeners:
            listener(fill, order)
        strategy = self._strategies.get(order.strategy_id)
        if strategy is not None:
            strategy.on_fill(fill)

    def _on_updated(self, event: OrderUpdated) -> None:
        order = self._target(event)
        if order is None:
            return
        error = apply_update(
            order, event.quantity, event.price, event.trigger_price, event.ts_event
        )
        if error is not None:
            self._refuse(event, error)
            return
        if event.venue_order_id and not order.venue_order_id:
            order.venue_order_id = event.venue_order_id
        self._changed(order, event)

    def _on_request_answer(self, event: Any) -> None:
        order = self._target(event)
        if order is None or order.status.is_closed:
            return  # crossed a close: the venue answered about an order already done
        pending = _S.PENDING_UPDATE if event.__class__ is OrderModifyRejected else _S.PENDING_CANCEL
        error = answer(order, pending, event.ts_event)
        if error is not None:
            self._refuse(event, error)
            return
        self._changed(order, event)

    def _on_status_report(self, report: OrderStatusReport) -> None:
        order = self._target(report)
        if order is None:
            return
        venue_status = report.status
        ts = report.ts_event
        if order.status.is_closed or venue_status is _S.FILLED:
            if venue_status is not order.status:
                self._refuse(report, f"venue has {venue_status.value}, we have {order.status}")
            for listener in self._order_listeners:
                listener(order, report)
            return
        before = order.working_status
        if venue_status in _CLOSING_REPORTS:
            error = transition(order, venue_status, ts)
        elif venue_status in _WORKING_REPORTS:
            error = None  # only moves forward: what we already know stays
            if before is _S.SUBMITTED:
                order.venue_order_id = report.venue_order_id
                transition(order, _S.ACCEPTED, ts)
            if report.triggered and order.working_status is _S.ACCEPTED:
                transition(order, _S.TRIGGERED, ts)
        elif venue_status is _S.SUBMITTED and before is _S.SUBMITTED:
            error = None  # received, still in flight at the venue: its answer follows
        else:
            error = f"status report {venue_status.value} for {order.client_order_id}"
        if error is not None:
            self._refuse(report, error)
        elif order.working_status is not before:
            self._changed(order, report)
        else:
            for listener in self._order_listeners:
                listener(order, report)

    def _on_not_found(self, event: OrderNotFound) -> None:
        order = self._target(event)
        if order is not None:
            for listener in self._order_listeners:
                listener(order, event)


def _repeats(order: Order, event: Any, new: OrderStatus) -> bool:
    """True for a report of what the order already is (sent again, e.g. after a reconnect)."""
    if new is _S.ACCEPTED:
        return (
            order.working_status not in (_S.INITIALIZED, _S.SUBMITTED)
            and order.venue_order_id == event.venue_order_id
        )
    return order.working_status is new and new is not _S.PARTIALLY_FILLED
