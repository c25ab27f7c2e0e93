"""The state-store contract, run against InMemoryStore, SqliteStore and PostgresStore alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from tradewind.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType
from tradewind.model.events import Fill
from tradewind.model.identifiers import ClientOrderId, InstrumentId, StrategyId
from tradewind.model.orders import Order
from tradewind.store import CLOSED_STATUSES, StateStore, StoreError

from .conftest import Backend

D = Decimal


def order_row(coid: str = "O-1", status: str = "SUBMITTED", **over: Any) -> dict[str, Any]:
    order = Order(
        ClientOrderId(coid),
        StrategyId("S-1"),
        InstrumentId("BTCUSDT.BINANCE"),
        OrderSide.BUY,
        OrderType.LIMIT,
        D("0.00100000"),
        price=D("65000.10"),
        ts_init=1_700_000_000_000_000_000,
    )
    row = order.to_row()
    row["status"] = status
    row.update(over)
    return row


def fill_row(
    trade_id: str = "T-1", venue: str = "BINANCE", ts: int = 10, **over: Any
) -> dict[str, Any]:
    fill = Fill(
        client_order_id=ClientOrderId("O-1"),
        venue_order_id="V-1",
        trade_id=trade_id,
        instrument_id=InstrumentId("BTCUSDT.BINANCE"),
        side=OrderSide.SELL,
        quantity=D("0.00050000"),
        price=D("65000.10"),
        fee=D("0.0000000100"),
        fee_currency="BNB",
        liquidity=LiquiditySide.MAKER,
        ts_event=ts,
        ts_init=ts + 1,
    )
    return {**msgspec.structs.asdict(fill), "venue": venue, **over}


def test_both_implementations_satisfy_the_protocol(store: StateStore) -> None:
    assert isinstance(store, StateStore)


def test_an_order_row_round_trips_with_exact_decimals(store: StateStore) -> None:
    store.save_order(order_row())
    (got,) = store.orders()
    assert got["client_order_id"] == "O-1"
    assert got["quantity"] == D("0.00100000") and str(got["quantity"]) == "0.00100000"
    assert str(got["price"]) == "65000.10"
    assert got["trigger_price"] is None and got["avg_price"] is None
    assert got["post_only"] is False and got["side"] == "BUY"
    assert got["ts_init"] == 1_700_000_000_000_000_000


@pytest.mark.parametrize(
    "value", ["0.1", "1E-8", "0.000000000000000001", "123456789012345678901234567890.12", "-0.00"]
)
def test_decimals_come_back_exactly_with_their_exponent(store: StateStore, value: str) -> None:
    store.save_order(order_row(quantity=D(value)))
    got = store.orders()[0]["quantity"]
    assert got == D(value) and str(got) == str(D(value))


def test_floats_unknown_fields_and_missing_ids_are_refused(store: StateStore) -> None:
    with pytest.raises(StoreError, match="never float"):
        store.save_order(order_row(quantity=0.1))
    with pytest.raises(StoreError, match="unknown field"):
        store.save_order(order_row(colour="red"))
    with pytest.raises(StoreError, match="client_order_id"):
        store.save_order(order_row(client_order_id=""))
    with pytest.raises(StoreError, match="finite"):
        store.save_order(order_row(price=D("NaN")))
    assert store.orders() == []
    store.save_order(order_row(quantity=2))  # an int is exact
    assert store.orders()[0]["quantity"] == D(2)


def test_a_client_order_id_is_journaled_once(store: StateStore) -> None:
    store.save_order(order_row("O-1"))
    with pytest.raises(StoreError, match="already journaled"):
        store.save_order(order_row("O-1"))
    assert len(store.orders()) == 1


def test_update_order_changes_only_the_given_fields(store: StateStore) -> None:
    store.save_order(order_row("O-1"))
    store.update_order(
        "O-1", status=OrderStatus.PARTIALLY_FILLED, filled_quantity=D("0.0005"), venue_order_id="V9"
    )
    got = store.orders()[0]
    assert got["status"] == "PARTIALLY_FILLED" and got["venue_order_id"] == "V9"
    assert str(got["filled_quantity"]) == "0.0005" and str(got["price"]) == "65000.10"
    with pytest.raises(StoreError, match="no order"):
        store.update_order("O-404", status="CANCELED")
    with pytest.raises(StoreError, match="unknown field"):
        store.update_order("O-1", colour="red")
    with pytest.raises(StoreError, match="cannot be changed"):
        store.update_order("O-1", client_order_id="O-2")
    store.update_order("O-1", status="FILLED")  # the store still writes after refusals
    assert store.orders()[0]["status"] == "FILLED"


def test_open_only_leaves_out_every_closed_status(store: StateStore) -> None:
    for status in OrderStatus:
        store.save_order(order_row(f"O-{status.value}", status=status.value))
    open_ids = [r["client_order_id"] for r in store.orders(open_only=True)]
    assert open_ids == [f"O-{s.value}" for s in OrderStatus if not s.is_closed]
    assert len(store.orders()) == len(OrderStatus)
    assert {"FILLED", "CANCELED", "REJECTED", "EXPIRED", "DENIED"} == CLOSED_STATUSES
    store.update_order("O-ACCEPTED", status="CANCELED")
    assert "O-ACCEPTED" not in [r["client_order_id"] for r in store.orders(open_only=True)]


def test_a_duplicate_fill_is_refused_by_venue_and_trade_id(store: StateStore) -> None:
    assert store.record_fill(fill_row("T-1")) is True
    assert store.record_fill(fill_row("T-1", fee=D("99"))) is False
    assert store.record_fill(fill_row("T-1", venue="BYBIT")) is True
    fills = store.fills()
    assert len(fills) == 2 and str(fills[0]["fee"]) == "1.00E-8"
    assert fills[0]["side"] == "SELL" and fills[0]["liquidity"] == "MAKER"
    assert str(fills[0]["quantity"]) == "0.00050000"


def test_fills_since_a_timestamp_oldest_first(store: StateStore) -> None:
    for trade_id, ts in [("T-3", 30), ("T-1", 10), ("T-2", 20), ("T-2b", 20)]:
        store.record_fill(fill_row(trade_id, ts=ts))
    assert [f["trade_id"] for f in store.fills()] == ["T-1", "T-2", "T-2b", "T-3"]
    assert [f["trade_id"] for f in store.fills(since_ts=20)] == ["T-2", "T-2b", "T-3"]
    assert store.fills(since_ts=31) == []


def test_positions_are_replaced_as_a_snapshot(store: StateStore) -> None:
    assert store.positions() == []
    first = [{"instrument_id": "A", "quantity": D("1.50"), "avg_px": D("10.0")}]
    store.save_positions(first)
    store.save_positions([{"instrument_id": "B", "quantity": D("-2")}, {"instrument_id": "C"}])
    got = store.positions()
    assert [p["instrument_id"] for p in got] == ["B", "C"]
    assert str(got[0]["quantity"]) == "-2"
    store.save_positions([])
    assert store.positions() == []


def test_risk_state_round_trips_exactly(store: StateStore) -> None:
    assert store.risk_state() == {}
    state = {"session_pnl": D("-123.4500"), "halted": True, "reason": "max loss", "n": 3}
    store.save_risk_state(state)
    got = store.risk_state()
    assert got == state and str(got["session_pnl"]) == "-123.4500"
    with pytest.raises(StoreError, match="cannot store"):
        store.save_risk_state({"bad": object()})
    assert store.risk_state() == state


def test_strategy_state_bytes_or_dict(store: StateStore) -> None:
    assert store.strategy_state("S-1") is None
    store.save_strategy_state("S-1", b"\x00\xffpickle")
    store.save_strategy_state("S-2", {"ema": D("1.2300"), "seen": [1, 2]})
    assert store.strategy_state("S-1") == b"\x00\xffpickle"
    assert store.strategy_state("S-2") == {"ema": D("1.2300"), "seen": [1, 2]}
    store.save_strategy_state("S-1", {"v": 2})
    assert store.strategy_state("S-1") == {"v": 2}


def test_sequences_are_monotonic_per_name(store: StateStore) -> None:
    assert [store.next_sequence("coid") for _ in range(5)] == [1, 2, 3, 4, 5]
    assert store.next_sequence("other") == 1
    assert store.next_sequence("coid") == 6


def test_sequences_continue_after_a_restart(backend: Backend) -> None:
    store = backend.open()
    seen = [store.next_sequence("coid") for _ in range(3)]
    store = backend.reopen(store)
    seen += [store.next_sequence("coid") for _ in range(3)]
    assert seen == [1, 2, 3, 4, 5, 6]


def test_a_halt_survives_a_restart(backend: Backend) -> None:
    store = backend.open()
    store.save_risk_state({"halted": True, "reason": "kill switch", "session_pnl": D("-50.00")})
    store = backend.reopen(store)
    state = store.risk_state()
    assert state["halted"] is True and state["reason"] == "kill switch"
    assert str(state["session_pnl"]) == "-50.00"


def test_everything_survives_a_restart(backend: Backend) -> None:
    store = backend.open()
    store.save_order(order_row("O-1"))
    store.save_order(order_row("O-2", status="FILLED"))
    store.record_fill(fill_row("T-1"))
    store.save_positions([{"instrument_id": "A", "quantity": D("0.10")}])
    store.save_strategy_state("S-1", b"blob")
    store = backend.reopen(store)
    assert [o["client_order_id"] for o in store.orders(open_only=True)] == ["O-1"]
    assert store.record_fill(fill_row("T-1")) is False
    assert store.positions() == [{"instrument_id": "A", "quantity": D("0.10")}]
    assert store.strategy_state("S-1") == b"blob"


def test_a_closed_store_refuses_calls(store: StateStore) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.orders()
    with pytest.raises(StoreError, match="closed"):
        store.next_sequence("coid")
    store.close()  # closing twice is harmless
