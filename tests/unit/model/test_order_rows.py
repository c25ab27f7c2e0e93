"""Order rows: ``Order.from_row`` reads back exactly what ``to_row`` wrote, as is or via a store."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.model import ClientOrderId, InstrumentId, Order, OrderSide, OrderStatus, OrderType
from tradewind.model.enums import TimeInForce
from tradewind.model.identifiers import StrategyId
from tradewind.store import InMemoryStore, SqliteStore

_DECIMALS = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("1000000"), places=8, allow_nan=False
)
_TAGS = st.lists(st.text(min_size=1, max_size=12), max_size=3).map(tuple)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    """Any order, in any state: pending requests, partial fills, tags, expiry."""
    order = Order(
        ClientOrderId(draw(st.from_regex(r"[A-Z0-9]{1,6}-[0-9]{1,8}", fullmatch=True))),
        StrategyId(draw(st.text(min_size=1, max_size=10))),
        InstrumentId("BTCUSDT.SIM"),
        draw(st.sampled_from(OrderSide)),
        draw(st.sampled_from(OrderType)),
        draw(_DECIMALS),
        price=draw(st.none() | _DECIMALS),
        trigger_price=draw(st.none() | _DECIMALS),
        time_in_force=draw(st.sampled_from(TimeInForce)),
        expire_time_ns=draw(st.none() | st.integers(min_value=0, max_value=2**62)),
        post_only=draw(st.booleans()),
        reduce_only=draw(st.booleans()),
        ts_init=draw(st.integers(min_value=0, max_value=2**62)),
        tags=draw(_TAGS),
    )
    order.status = draw(st.sampled_from(OrderStatus))
    order.working_status = draw(st.sampled_from(OrderStatus))
    order.update_pending = draw(st.booleans())
    order.filled_quantity = draw(st.just(Decimal(0)) | _DECIMALS)
    order.filled_notional = draw(st.just(Decimal(0)) | _DECIMALS)
    order.venue_order_id = draw(st.text(max_size=10))
    order.reason = draw(st.text(max_size=40))
    order.ts_last = draw(st.integers(min_value=0, max_value=2**62))
    return order


_FIELDS = [
    "client_order_id",
    "strategy_id",
    "instrument_id",
    "side",
    "order_type",
    "quantity",
    "price",
    "trigger_price",
    "time_in_force",
    "expire_time_ns",
    "post_only",
    "reduce_only",
    "status",
    "working_status",
    "update_pending",
    "filled_quantity",
    "filled_notional",
    "venue_order_id",
    "reason",
    "ts_init",
    "ts_last",
    "tags",
]


def state(order: Order) -> tuple[object, ...]:
    """Everything an order holds but its trade ids (which the journaled fills hold)."""
    values = tuple(getattr(order, f) for f in _FIELDS)
    # exact: same value *and* same exponent (Decimal("1.10") stays "1.10")
    return values + tuple(str(v) for v in values if isinstance(v, Decimal))


@given(orders())
def test_an_order_comes_back_exactly_from_its_row(order: Order) -> None:
    again = Order.from_row(order.to_row())
    assert state(again) == state(order)
    assert again.avg_price == order.avg_price
    assert again.to_row() == order.to_row()


@settings(max_examples=40, deadline=None)
@given(st.lists(orders(), min_size=1, max_size=4, unique_by=lambda o: o.client_order_id))
def test_an_order_comes_back_exactly_from_either_store(batch: list[Order]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStore(Path(folder) / "state.db")
        try:
            for store in (InMemoryStore(), sqlite):
                for order in batch:
                    store.save_order(order.to_row())
                back = [Order.from_row(row) for row in store.orders()]
                assert [state(o) for o in back] == [state(o) for o in batch]
        finally:
            sqlite.close()


def test_a_later_change_written_with_update_order_reads_back_into_the_order() -> None:
    order = Order(
        ClientOrderId("R1-000001"),
        StrategyId("s"),
        InstrumentId("BTCUSDT.SIM"),
        OrderSide.BUY,
        OrderType.LIMIT,
        Decimal("0.300"),
        price=Decimal("100.00"),
    )
    store = InMemoryStore()
    store.save_order(order.to_row())
    order.status = OrderStatus.PENDING_CANCEL
    order.working_status = OrderStatus.PARTIALLY_FILLED
    order.filled_quantity = Decimal("0.100")
    order.filled_notional = Decimal("10.00100")
    order.venue_order_id = "V-7"
    row = order.to_row()
    del row["client_order_id"]
    store.update_order(order.client_order_id, **row)
    (back,) = [Order.from_row(r) for r in store.orders()]
    assert back.status is OrderStatus.PENDING_CANCEL
    assert back.working_status is OrderStatus.PARTIALLY_FILLED
    assert str(back.filled_notional) == "10.00100"
    assert back.avg_price == Decimal("100.01")
    assert back.venue_order_id == "V-7"


def test_a_row_from_before_the_exact_columns_reads_with_the_avg_price() -> None:
    row = {
        "client_order_id": "O-1",
        "strategy_id": "s",
        "instrument_id": "BTCUSDT.SIM",
        "side": "SELL",
        "type": "MARKET",
        "quantity": "2",
        "price": "",
        "trigger_price": "",
        "time_in_force": "IOC",
        "post_only": False,
        "reduce_only": True,
        "status": "FILLED",
        "filled_quantity": "2",
        "avg_price": "101.5",
        "venue_order_id": "V-1",
        "reason": "",
        "ts_init": 5,
        "ts_last": 9,
    }
    order = Order.from_row(row)
    assert order.working_status is OrderStatus.FILLED
    assert order.filled_notional == Decimal("203.0")
    assert order.price is None and order.reduce_only and order.tags == ()
    assert order.time_in_force is TimeInForce.IOC and order.ts_last == 9
