"""Backtest outputs: the summary, and the files a run leaves behind (JSON, CSV, HTML report)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from tradewind.analysis import (
    EquityPoint,
    PricePoint,
    RoundTrip,
    TradeRecord,
    compute_stats,
    write_report,
)
from tradewind.analysis.round_trips import closed_trades, rounded_ratio
from tradewind.data.writers import write_table
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.exact import Exact

if TYPE_CHECKING:
    from tradewind.data.stream import EventBatches
    from tradewind.runtime.backtest import BacktestResult
    from tradewind.strategy.base import Strategy

OUTPUT_FILES = (
    "summary.json",
    "fills.csv",
    "trades.csv",
    "orders.csv",
    "equity.csv",
    "report.html",
)
"""The files ``write_outputs`` leaves in the output folder."""

SUMMARY_KEYS = (
    "events",
    "orders",
    "fills",
    "realized_pnl",
    "total_return",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "fees",
)


def trade_records(result: BacktestResult) -> list[TradeRecord]:
    """The fills as the report and statistics see them."""
    return [
        TradeRecord(
            ts=row["ts_event"],
            instrument_id=row["instrument_id"],
            side=row["side"],
            quantity=row["quantity"],
            price=row["price"],
            fee=row["fee"],
            realized_pnl=row["realized_pnl"],
        )
        for row in result.fills
    ]


def multipliers(result: BacktestResult) -> dict[str, Decimal]:
    """The contract multiplier of every instrument that was traded, by instrument id."""
    return {str(iid): p.multiplier for iid, p in result.portfolio.positions.items()}


def trade_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """The closed round-trip trades as trades.csv rows (see ``TRADE_COLUMNS``), as they closed.

    Amounts are text in plain digits: no exponent, no trailing zeros.
    """
    trips = closed_trades(trade_records(result), multipliers=multipliers(result))
    return [_trade_row(number, trip) for number, trip in enumerate(trips, start=1)]


TRADE_COLUMNS = (
    "trade",
    "instrument_id",
    "side",
    "entry_ts",
    "entry_time",
    "entry_price",
    "exit_ts",
    "exit_time",
    "exit_price",
    "quantity",
    "gross_pnl",
    "fees",
    "pnl",
    "return_pct",
    "holding_s",
    "fills",
)
"""The columns of trades.csv, in order; one row per closed trade (``RoundTrip``).

- ``trade``: 1, 2, ... in the order the trades closed; ``instrument_id``; ``side``: LONG or
  SHORT.
- ``entry_ts`` / ``exit_ts``: ns since the epoch of the fill that opened the trade and of
  the one that closed (or flipped) it; ``entry_time`` / ``exit_time``: the same in ISO 8601
  UTC, to the microsecond.
- ``entry_price`` / ``exit_price``: average price of the entries / exits: the price itself
  when they were all at one price, else rounded half-even to 12 places
  (``PRICE_DECIMALS``).
- ``quantity``: the largest size held during the trade.
- ``gross_pnl``: exit value minus entry value (signed for a short) times the contract
  multiplier, exact.
- ``fees``: fees of the trade's fills, exact; ``pnl``: ``gross_pnl - fees``, exact. A
  flipping fill's fee is split by quantity; where that split does not terminate, ``fees``
  and ``pnl`` are rounded half-even to 12 places.
- ``return_pct``: ``pnl`` over the entry notional, in percent, rounded half-even to 12
  places (``RETURN_DECIMALS`` places of the fraction); empty for a zero notional.
- ``holding_s``: seconds from entry to exit; ``fills``: fills that touched the trade (a
  flipping fill counts in both trades).
"""

_HUNDRED = Decimal(100)
_SHOWN_DECIMALS = 12


def _trade_row(number: int, trip: RoundTrip) -> dict[str, Any]:
    ret = None if trip.trade_return is None else exact.mul(trip.trade_return, _HUNDRED)
    values = (
        number,
        trip.instrument_id,
        trip.side,
        trip.entry_ts,
        _iso(trip.entry_ts),
        _cell(trip.entry_price),
        trip.exit_ts,
        _iso(trip.exit_ts),
        _cell(trip.exit_price),
        _cell(trip.quantity),
        _cell(trip.gross_pnl),
        _cell(trip.fees),
        _cell(trip.pnl),
        None if ret is None else _cell(ret),
        _cell(Decimal(trip.holding_ns).scaleb(-9, context=exact.CONTEXT)),
        trip.fills,
    )
    return dict(zip(TRADE_COLUMNS, values, strict=True))


def _cell(value: Exact) -> str:
    """An amount as CSV text: a Decimal exactly, a Fraction rounded half-even to 12 places;
    plain digits, no exponent, no trailing zeros (``100``, ``0.0000001``)."""
    shown = value if type(value) is Decimal else rounded_ratio(value, Decimal(1), _SHOWN_DECIMALS)
    return f"{exact.CONTEXT.normalize(shown):f}" if shown else "0"


def build_summary(
    result: BacktestResult,
    *,
    events: int,
    streams: Sequence[EventBatches],
    strategies: Sequence[Strategy[Any]],
) -> dict[str, Any]:
    """Counts, PnL, fees and the performance statistics of one run."""
    portfolio = result.portfolio
    equity = [EquityPoint(ts, value) for ts, value in result.equity]
    stats = compute_stats(equity, trade_records(result), multipliers=multipliers(result))
    currency = portfolio.base_currency
    fees = converted_amount(portfolio.fees_in, currency)
    realized = converted_amount(portfolio.realized_pnl_in, currency)
    unrealized = converted_amount(portfolio.unrealized_pnl_in, currency)
    summary: dict[str, Any] = {
        "events": events,
        "orders": len(result.orders),
        "fills": len(result.fills),
        "realized_pnl": realized,
        "unrealized_pnl": unrealized,
        "total_return": stats.get("total_return"),
        "sharpe": stats.get("sharpe"),
        "sortino": stats.get("sortino"),
        "calmar": stats.get("calmar"),
        "max_drawdown": stats.get("max_drawdown"),
        "win_rate": stats.get("win_rate"),
        "profit_factor": stats.get("profit_factor"),
        "fees": fees,
        "fees_by_currency": {ccy: amount for ccy, amount in sorted(portfolio.fees.items())},
        "open_orders_at_end": sum(1 for o in result.orders if o.is_open),
        "currency": currency,
        "start_equity": stats.get("start_equity"),
        "end_equity": stats.get("end_equity"),
        "start": _iso(result.equity[0][0]) if result.equity else None,
        "end": _iso(result.equity[-1][0]) if result.equity else None,
        "strategies": [s.id for s in strategies],
        "instruments": sorted({str(i) for s in strategies for i in s.instruments}),
        "data": [
            {
                "path": str(s.spec.path),
                "kind": s.kind,
                "rows": s.rows_done,
                "symbols": sorted(s.symbols),
            }
            for s in streams
        ],
        "positions": {str(iid): str(p.quantity) for iid, p in sorted(portfolio.positions.items())},
        "denied_orders": sum(1 for o in result.orders if o.status.value == "DENIED"),
        "rejected_orders": sum(1 for o in result.orders if o.status.value == "REJECTED"),
        "denials": _denials(result),
        "halts": [] if result.risk is None else [h.to_dict() for h in result.risk.halts],
        "statistics": stats,
    }
    return summary


def _denials(result: BacktestResult) -> dict[str, int]:
    """Denied orders counted per reason code."""
    counts: dict[str, int] = {}
    for order in result.orders:
        if order.status.value == "DENIED":
            counts[order.reason] = counts.get(order.reason, 0) + 1
    return dict(sorted(counts.items()))


def converted_amount(amount_in: Any, currency: str) -> Decimal | None:
    """An amount converted to ``currency`` (8 places at most); None when a rate is missing."""
    try:
        value = amount_in(currency)
    except ConfigError:
        return None
    if not value:
        return Decimal(0)
    return exact.plain(exact.to_decimal(value, 8))


def to_json(value: Any) -> bytes:
    """JSON with Decimals written as exact numbers and keys in a stable order."""
    return msgspec.json.format(_ENCODER.encode(value), indent=2)


_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")


def write_outputs(result: BacktestResult, out_dir: Path, *, title: str) -> Path:
    """Write the ``OUTPUT_FILES`` (summary, fills, trades, orders, equity, report) to out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_bytes(to_json(result.summary) + b"\n")
    fill_rows = [{**row, "ts": _iso(row["ts_event"])} for row in result.fills]
    write_table(fill_rows or _empty_fills(), out_dir / "fills.csv")
    write_table(trade_rows(result) or {c: [] for c in TRADE_COLUMNS}, out_dir / "trades.csv")
    write_table(
        [o.to_row() for o in result.orders] or {"client_order_id": []}, out_dir / "orders.csv"
    )
    write_table(
        {
            "ts": [ts for ts, _ in result.equity],
            "time": [_iso(ts) for ts, _ in result.equity],
            "equity": [value for _, value in result.equity],
        },
        out_dir / "equity.csv",
    )
    write_report(
        out_dir / "report.html",
        title=title,
        stats=result.summary["statistics"],
        equity=[EquityPoint(ts, value) for ts, value in result.equity],
        trades=trade_records(result),
        prices=[PricePoint(ts, iid, price) for ts, iid, price in result.prices],
        params=result.params,
        multipliers=multipliers(result),
        meta={
            "strategies": ", ".join(result.summary["strategies"]),
            "instruments": ", ".join(result.summary["instruments"]),
            "period": f"{result.summary['start']} to {result.summary['end']}",
            "events": f"{result.summary['events']:,}",
            "orders": result.summary["orders"],
            "fills": result.summary["fills"],
            "realized PnL": f"{result.summary['realized_pnl']} {result.summary['currency']}",
            "fees": f"{result.summary['fees']} {result.summary['currency']}",
        },
    )
    return out_dir


def _empty_fills() -> dict[str, list[Any]]:
    cols = (
        "ts_event",
        "strategy_id",
        "client_order_id",
        "venue_order_id",
        "trade_id",
        "instrument_id",
        "side",
        "quantity",
        "price",
        "fee",
        "fee_currency",
        "liquidity",
        "realized_pnl",
        "ts",
    )
    return {c: [] for c in cols}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
