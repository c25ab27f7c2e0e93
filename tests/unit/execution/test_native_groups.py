"""Venues that run contingent groups natively get them whole; tradewind then only tracks them."""

from __future__ import annotations

from decimal import Decimal

from tradewind.engine.protocols import VenueCapabilities
from tradewind.execution import install
from tradewind.model import Order, OrderAccepted, OrderCanceled, OrderDenied, OrderStatus
from tradewind.model.contingency import GroupKind, GroupState
from tradewind.model.events import OrderUpdated
from tradewind.testing import T0

from .scripted import REMOTE, fill_of, scripted_engine

D = Decimal
S = OrderStatus
R = REMOTE.id


def native(**capabilities: bool):  # type: ignore[no-untyped-def]
    engine, venue, strategy, _ = scripted_engine(VenueCapabilities(**capabilities))
    install(engine)
    return engine, venue, strategy


def ack(engine, order: Order) -> None:  # type: ignore[no-untyped-def]
    engine.process(OrderAccepted(order.client_order_id, f"V-{order.client_order_id}", T0, T0))


def test_a_venue_that_runs_brackets_gets_the_whole_bracket_and_tradewind_only_tracks_it() -> None:
    engine, venue, strategy = native(bracket=True, modify=True)
    g = strategy.submit_bracket(
        R, "BUY", "1.000", entry_price="100.00", stop_loss="95.00", take_profit="110.00"
    )
    assert g.native and venue.groups == [g] and venue.submitted == []
    entry, stop, target = (g.order(r) for r in ("entry", "stop_loss", "take_profit"))
    assert entry and stop and target
    assert [o.status for o in g.orders] == [S.SUBMITTED] * 3
    for order in g.orders:
        ack(engine, order)
    engine.process(fill_of(entry, "0.400", "T-1"))
    assert venue.submitted == [] and venue.modified == [] and venue.canceled == []
    engine.process(fill_of(entry, "0.600", "T-2"))
    engine.process(fill_of(target, "1.000", "T-3", price="110.00"))
    engine.process(OrderCanceled(stop.client_order_id, "oco", T0, T0))
    assert g.state is GroupState.COMPLETED
    assert venue.canceled == []


def test_capabilities_are_per_kind_an_oto_is_emulated_where_only_oco_is_native() -> None:
    engine, venue, strategy = native(oco=True, modify=True)
    parent = strategy.limit_order(R, "BUY", "1.000", "100.00")
    g = strategy.submit_oto(parent, strategy.limit_order(R, "SELL", "1.000", "110.00"))
    assert not g.native and venue.groups == [] and venue.submitted == [parent.client_order_id]
    ack(engine, parent)
    engine.process(fill_of(parent, "1.000", "T-1"))
    child = g.order("child")
    assert child is not None and venue.submitted[-1] == child.client_order_id
    oco = strategy.submit_oco(
        strategy.stop_order(R, "SELL", "1.000", "95.00"),
        strategy.limit_order(R, "SELL", "1.000", "120.00"),
    )
    assert oco.native and venue.groups == [oco] and oco.kind is GroupKind.OCO


def test_a_native_trailing_stop_carries_its_offset_and_follows_the_venues_moves() -> None:
    engine, venue, strategy = native(trailing_stop=True)
    g = strategy.submit_trailing_stop(R, "SELL", "1.000", offset_bps="50", activation_price="105")
    (sent,) = venue.groups
    assert (sent.offset_bps, sent.activation_price, sent.offset) == (D("50"), D("105"), None)
    stop = g.order("stop")
    assert stop is not None
    ack(engine, stop)
    moved = OrderUpdated(stop.client_order_id, "", D("1.000"), None, D("104.47"), T0, T0)
    engine.process(moved)  # the venue moved it on its own
    assert stop.trigger_price == D("104.47") and engine.illegal_reports == 0


def test_a_native_group_is_denied_whole_when_a_check_denies_one_order() -> None:
    engine, venue, strategy = native(bracket=True)

    def no_stops(order: Order, _: object) -> OrderDenied | None:
        if order.trigger_price is not None:
            return OrderDenied(order.client_order_id, "NO_STOPS", "off", T0, T0)
        return None

    engine.add_pre_trade_check(no_stops)
    g = strategy.submit_bracket(
        R, "BUY", "1.000", entry_price="100", stop_loss="95", take_profit="110"
    )
    ack_free = OrderCanceled(g.orders[0].client_order_id, "x", T0, T0)
    engine.process(ack_free)  # drains the queued denials (the cancel itself is illegal)
    assert venue.groups == []
    assert [o.status for o in g.orders] == [S.DENIED] * 3
    assert {o.reason for o in g.orders} == {"NO_STOPS", "GROUP_DENIED"}
    assert g.state is GroupState.FAILED and g.is_done
