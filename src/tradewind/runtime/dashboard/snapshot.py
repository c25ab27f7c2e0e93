"""JSON views of a strategy for the dashboard: the list row, the full snapshot, the schema.

Amounts (quantities, prices of orders and fills, PnL, fees) are exact decimal strings.
Chart points are ``[ts_ms, number]`` pairs: market prices and the numbers a strategy plots
are drawn, not booked. Times are milliseconds since the epoch (a JavaScript ``Date``).

The snapshot's growing parts — the price series, trade markers, and the strategy's series,
tables and logs — come whole, or, given a ``cursor`` (one per WebSocket connection), only
what was added since that cursor last looked.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tradewind.errors import ConfigError
from tradewind.model.events import Fill
from tradewind.model.identifiers import InstrumentId
from tradewind.model.orders import Order
from tradewind.portfolio.snapshot import amount
from tradewind.runtime.dashboard.source import DashboardSource
from tradewind.runtime.dashboard.tape import MarketTape, Ring
from tradewind.strategy.base import Strategy
from tradewind.strategy.panel import Bounded, KeyValue, Series

RECENT_FILLS = 50
"""How many of a strategy's latest fills the snapshot lists."""
DEFAULT_WIDGETS = (
    {"kind": "position", "name": "position", "label": "Position"},
    {"kind": "pnl", "name": "pnl", "label": "PnL"},
    {"kind": "risk", "name": "risk", "label": "Risk state"},
    {"kind": "price_chart", "name": "prices", "label": "Price"},
    {"kind": "open_orders", "name": "open_orders", "label": "Open orders"},
    {"kind": "fills", "name": "fills", "label": "Recent fills"},
)
"""The widgets every strategy gets, before the ones it declares."""

Cursor = dict[tuple[str, ...], int]
"""How much of each growing part one reader has seen (``Ring.total`` / ``Bounded.total``)."""


def strategy_ids(source: DashboardSource) -> list[str]:
    """The ids of the source's strategies, in order."""
    return [str(s.id) for s in list(source.strategies)]


def find_strategy(source: DashboardSource, name: str) -> Strategy[Any] | None:
    """The strategy with id ``name``, if there is one."""
    for strategy in list(source.strategies):
        if str(strategy.id) == name:
            return strategy
    return None


def strategy_row(source: DashboardSource, strategy: Strategy[Any]) -> dict[str, Any]:
    """One line of ``GET /api/strategies``: id, class, instruments, trading state,
    position per instrument and PnL."""
    sid = str(strategy.id)
    positions = _positions(source, strategy)
    return {
        "id": sid,
        "class": type(strategy).__name__,
        "instruments": _instruments(source, strategy),
        "trading": _trading(source, sid)["state"],
        "position": {row["instrument_id"]: row["quantity"] for row in positions},
        "pnl": _pnl(source, sid),
        "open_orders": len(_open_orders(source, sid)),
    }


def strategy_snapshot(
    source: DashboardSource,
    tape: MarketTape,
    strategy: Strategy[Any],
    cursor: Cursor | None = None,
) -> dict[str, Any]:
    """Everything the strategy's tab shows (see the module doc for ``cursor``)."""
    sid = str(strategy.id)
    instruments = _instruments(source, strategy)
    fills = tape.fills.get(sid)
    recent: list[Fill] = [] if fills is None else list(fills.items)[-RECENT_FILLS:]
    new_fills = [] if fills is None else _since(fills, cursor, ("fills", sid))
    risk = _trading(source, sid)
    risk["denials"] = dict(sorted(tape.denials.get(sid, {}).items()))
    return {
        "id": sid,
        "class": type(strategy).__name__,
        "instruments": instruments,
        "positions": _positions(source, strategy),
        "pnl": _pnl(source, sid),
        "risk": risk,
        "open_orders": [_order_row(o) for o in _open_orders(source, sid)],
        "fills": [_fill_row(f) for f in reversed(recent)],
        "prices": {
            iid: {
                "points": _price_points(tape, iid, cursor, sid),
                "markers": [
                    [f.ts_event // 1_000_000, float(f.price), f.side.value, amount(f.quantity)]
                    for f in new_fills
                    if f.instrument_id == iid
                ],
            }
            for iid in instruments
        },
        "widgets": _widget_values(strategy, cursor),
    }


def strategy_schema(strategy: Strategy[Any]) -> dict[str, Any]:
    """The default widgets and the strategy's declared ones, in order."""
    return {
        "id": str(strategy.id),
        "defaults": [dict(w) for w in DEFAULT_WIDGETS],
        "widgets": strategy.panel.schema(),
    }


def plain(value: Any) -> Any:
    """A widget value as JSON: Decimal and Fraction as exact text, non-finite floats as None,
    anything unknown as its ``str``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal | Fraction):
        return amount(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


# ---------------------------------------------------------------- the parts
def _instruments(source: DashboardSource, strategy: Strategy[Any]) -> list[str]:
    ids = [str(i) for i in strategy.instruments]
    portfolio = source.portfolio
    if portfolio is not None:
        for sid, iid in list(portfolio.strategy_positions):
            if sid == strategy.id and str(iid) not in ids:
                ids.append(str(iid))
    return ids


def _positions(source: DashboardSource, strategy: Strategy[Any]) -> list[dict[str, Any]]:
    portfolio = source.portfolio
    if portfolio is None:
        return []
    rows = []
    for text in _instruments(source, strategy):
        iid = InstrumentId(text)
        position = portfolio.position(iid, str(strategy.id))
        mark = portfolio.mark(iid)
        avg = position.avg_price
        rows.append(
            {
                "instrument_id": text,
                "quantity": amount(position.quantity),
                "avg_price": None if avg is None else amount(avg),
                "mark": None if mark is None else amount(mark),
                "realized_pnl": amount(position.realized_pnl),
                "unrealized_pnl": None if mark is None else amount(position.unrealized_pnl(mark)),
                "fees": {k: amount(v) for k, v in sorted(position.fees.items())},
            }
        )
    return rows


def _pnl(source: DashboardSource, sid: str) -> dict[str, Any]:
    portfolio = source.portfolio
    if portfolio is None:
        return {"currency": None, "realized": None, "unrealized": None, "total": None}
    ccy = portfolio.base_currency
    out: dict[str, Any] = {"currency": ccy}
    try:
        realized = portfolio.realized_pnl_in(ccy, strategy_id=sid)
        unrealized = portfolio.unrealized_pnl_in(ccy, strategy_id=sid)
    except ConfigError as exc:  # a rate is missing (no quote of a currency seen yet)
        out.update(realized=None, unrealized=None, total=None, error=str(exc))
    else:
        out.update(
            realized=amount(realized),
            unrealized=amount(unrealized),
            total=amount(realized + unrealized),
        )
    out["by_currency"] = {
        "realized": {
            k: amount(v) for k, v in sorted(portfolio.realized_pnl_by_currency(None, sid).items())
        },
        "unrealized": {
            k: amount(v) for k, v in sorted(portfolio.unrealized_pnl_by_currency(None, sid).items())
        },
    }
    return out


def _trading(source: DashboardSource, sid: str) -> dict[str, Any]:
    risk = source.risk
    if risk is None:
        return {"state": "enabled", "reason": None, "cause": None, "account": "enabled"}
    worst = risk.states.effective(sid)
    return {
        "state": risk.state(sid).value,
        "reason": None if worst is None else worst.message,
        "cause": None if worst is None else worst.cause,
        "account": risk.state().value,
    }


def _open_orders(source: DashboardSource, sid: str) -> list[Order]:
    engine = source.engine
    if engine is None:
        return []
    return [o for o in list(engine.cache.open_orders.values()) if o.strategy_id == sid]


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": str(order.client_order_id),
        "instrument_id": str(order.instrument_id),
        "side": order.side.value,
        "type": order.order_type.value,
        "quantity": amount(order.quantity),
        "filled": amount(order.filled_quantity),
        "price": None if order.price is None else amount(order.price),
        "trigger_price": None if order.trigger_price is None else amount(order.trigger_price),
        "status": order.status.value,
        "ts_ms": order.ts_init // 1_000_000,
    }


def _fill_row(fill: Fill) -> dict[str, Any]:
    return {
        "ts_ms": fill.ts_event // 1_000_000,
        "client_order_id": str(fill.client_order_id),
        "trade_id": fill.trade_id,
        "instrument_id": str(fill.instrument_id),
        "side": fill.side.value,
        "quantity": amount(fill.quantity),
        "price": amount(fill.price),
        "fee": amount(fill.fee),
        "fee_currency": fill.fee_currency,
        "liquidity": fill.liquidity.value,
    }


def _price_points(tape: MarketTape, iid: str, cursor: Cursor | None, sid: str) -> list[list[float]]:
    ring = tape.prices.get(InstrumentId(iid))
    if ring is None:
        return []
    return [
        [ts // 1_000_000, price]
        for ts, price in _since(ring, cursor, ("price", sid, iid))
        if math.isfinite(price)
    ]


def _since(ring: Ring | Bounded, cursor: Cursor | None, key: tuple[str, ...]) -> list[Any]:
    if cursor is None:
        return list(ring.items)
    total = ring.total
    items = ring.since(cursor.get(key, 0))
    cursor[key] = total
    return items


def _widget_values(strategy: Strategy[Any], cursor: Cursor | None) -> dict[str, Any]:
    """name -> {kind, value} for a key/value; {kind, limit, items} for the growing kinds:
    series items ``[ts_ms, number]``, table items rows, log items ``[ts_ms, text]``."""
    sid = str(strategy.id)
    out: dict[str, Any] = {}
    for name, widget in list(strategy.panel.widgets.items()):
        if isinstance(widget, KeyValue):
            out[name] = {"kind": "kv", "value": plain(widget.value)}
            continue
        if not isinstance(widget, Bounded):
            continue
        items = _since(widget, cursor, ("widget", sid, name))
        if isinstance(widget, Series):
            shown = [[ts // 1_000_000, plain(float(v))] for ts, v in items]
        elif widget.kind == "log":
            shown = [[ts // 1_000_000, text] for ts, text in items]
        else:
            shown = [plain(row) for row in items]
        out[name] = {"kind": widget.kind, "limit": widget.limit, "items": shown}
    return out
