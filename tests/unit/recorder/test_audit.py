"""AuditRecorder: the audit stream as JSON lines, from a real backtest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tradewind.engine.protocols import AuditSink
from tradewind.model.data import QuoteTick
from tradewind.recorder import AuditRecorder, MarketRecorder
from tradewind.runtime.backtest import run_backtest
from tradewind.strategy.base import Strategy
from tradewind.testing.factories import SECOND, T0, fill, instrument, quote

BTC = instrument("BTCUSDT", "SIM")


class BuyOnce(Strategy[Any]):
    """Buys 0.5 at market on the first quote."""

    name = "buy-once"

    def on_start(self) -> None:
        self.subscribe_quotes(BTC.id)

    def on_quote(self, quote: QuoteTick) -> None:
        if not self.open_orders() and self.position(BTC.id).quantity == 0:
            self.buy(BTC.id, "0.5")


def lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("audit-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_the_audit_recorder_writes_the_orders_and_fills_of_a_backtest(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MarketRecorder(data) as market:
        market.record_many([quote(BTC, 100 + k, 101 + k, T0 + k * SECOND) for k in range(5)])
    audit = AuditRecorder(tmp_path / "audit")
    sink: AuditSink = audit  # mypy checks the protocol

    result = run_backtest(BuyOnce(None), market.paths, instruments=[BTC], audit=sink)
    audit.close()

    rows = lines(tmp_path / "audit")
    types = [row["type"] for row in rows]
    assert "Fill" in types
    assert any(t.startswith("Order") for t in types)
    fills = [row for row in rows if row["type"] == "Fill"]
    assert len(fills) == len(result.fills) == 1
    assert fills[0]["quantity"] == "0.5"
    assert fills[0]["instrument_id"] == "BTCUSDT.SIM"
    assert audit.errors == 0


def test_audit_files_rotate_by_rows_and_lines_are_flushed_at_once(tmp_path: Path) -> None:
    audit = AuditRecorder(tmp_path, rotate_rows=2)
    for k in range(5):
        audit(fill(BTC, "BUY", "1", "100", ts=T0 + k, trade_id=f"T-{k}"))

    # flushed per event: readable before close
    assert [row["trade_id"] for row in lines(tmp_path)] == [f"T-{k}" for k in range(5)]
    assert [p.name for p in audit.paths] == [
        "audit-2024-01-01-0001.jsonl",
        "audit-2024-01-01-0002.jsonl",
        "audit-2024-01-01-0003.jsonl",
    ]
    audit.close()


class BrokenFile:
    def write(self, ts_ns: int, row: Any) -> None:
        raise OSError("disk full")


def test_a_failing_write_is_counted_never_raised_into_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = AuditRecorder(tmp_path)
    monkeypatch.setattr(audit, "_file", BrokenFile())

    audit(fill(BTC, "BUY", "1", "100", ts=T0))

    assert audit.errors == 1
    assert audit.last_error == "Fill: disk full"
    assert audit.wants_market_data is False


def test_objects_msgspec_cannot_convert_are_kept_as_their_repr(tmp_path: Path) -> None:
    class Odd:
        def __repr__(self) -> str:
            return "Odd()"

    with AuditRecorder(tmp_path) as audit:
        audit(Odd())

    assert lines(tmp_path) == [{"type": "Odd", "repr": "Odd()"}]
