"""The report's trade sections: prices with entries and exits, trade returns, trades, fills."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal
from html import escape

import numpy as np

from tradewind.analysis.charts import (
    Line,
    Marker,
    Segment,
    format_percent,
    format_utc,
    histogram_chart,
    time_chart,
)
from tradewind.analysis.formatting import format_duration, format_exact, plain_decimal
from tradewind.analysis.records import PricePoint, TradeRecord
from tradewind.analysis.round_trips import (
    ADDS,
    CLOSES,
    FLIPS,
    OPENS,
    REDUCES,
    RoundTrip,
    TradeLog,
    rounded_ratio,
)
from tradewind.model import exact

MAX_TRADE_ROWS = 500
"""Most rows the trade list and the fill list show; the rest are counted in a note."""

_NS_PER_S = 1_000_000_000
_HUNDRED = Decimal(100)
_WON, _LOST, _EVEN = "#16a34a", "#dc2626", "#6b7280"
_LEGEND = (
    '<span class="legend"><span class="buy">▲ buy</span> <span class="sell">▼ sell</span>'
    " · solid: opens, adds or flips · hollow: reduces or closes · dashed: a trade from its"
    ' average entry to its average exit, <span class="gain">won</span> or'
    ' <span class="loss">lost</span></span>'
)


def prices_section(
    prices: Sequence[PricePoint], fills: Sequence[TradeRecord], log: TradeLog
) -> str:
    """A price chart per instrument with every fill marked and every closed trade drawn."""
    instruments = sorted({p.instrument_id for p in prices} | {f.instrument_id for f in fills})
    title = "<h2>Prices, entries and exits"
    if not instruments:
        return f'<section>{title}</h2><p class="note">No prices.</p></section>'
    own_prices: dict[str, list[PricePoint]] = {i: [] for i in instruments}
    own_markers: dict[str, list[Marker]] = {i: [] for i in instruments}
    own_trips: dict[str, list[tuple[int, RoundTrip]]] = {i: [] for i in instruments}
    for point in prices:
        own_prices[point.instrument_id].append(point)
    for fill, action in sorted(zip(fills, log.actions, strict=True), key=lambda pair: pair[0].ts):
        own_markers[fill.instrument_id].append(_marker(fill, action))
    for number, trip in enumerate(log.closed, start=1):
        own_trips[trip.instrument_id].append((number, trip))
    parts = [f"<section>{title}{_LEGEND}</h2>"]
    for instrument in instruments:
        points = sorted(own_prices[instrument], key=lambda p: p.ts)
        ts = np.fromiter((p.ts for p in points), dtype=np.int64, count=len(points))
        values = np.fromiter((p.price for p in points), dtype=np.float64, count=len(points))
        markers, trips = own_markers[instrument], own_trips[instrument]
        chart = time_chart(
            [Line(ts, values, "#475569")],
            label=f"{instrument} price with entries and exits",
            markers=markers,
            segments=[_segment(number, trip) for number, trip in trips],
        )
        counts = f"{len(markers):,} fills, {len(trips):,} closed trades"
        parts.append(f'<h3>{escape(instrument)} <span class="legend">{counts}</span></h3>{chart}')
    parts.append("</section>")
    return "".join(parts)


def _marker(fill: TradeRecord, action: str) -> Marker:
    buy = fill.side == "BUY"
    if action in (OPENS, ADDS):
        effect = f"{action} {'long' if buy else 'short'}"
    elif action in (REDUCES, CLOSES):
        effect = f"{action} {'short' if buy else 'long'}"
    else:
        effect = f"{FLIPS} {'short to long' if buy else 'long to short'}"
    label = (
        f"{fill.side} {plain_decimal(fill.quantity)} @ {plain_decimal(fill.price)} "
        f"at {format_utc(fill.ts)} UTC: {effect}"
    )
    if fill.realized_pnl:
        label += f", realized {plain_decimal(fill.realized_pnl)}"
    return Marker(fill.ts, float(fill.price), buy, label, hollow=action in (REDUCES, CLOSES))


def _segment(number: int, trip: RoundTrip) -> Segment:
    color = _WON if trip.pnl > 0 else _LOST if trip.pnl < 0 else _EVEN
    label = (
        f"trade {number}: {trip.side.lower()} {plain_decimal(trip.quantity)} "
        f"{format_exact(trip.entry_price)} → {format_exact(trip.exit_price)}, "
        f"PnL {format_exact(trip.pnl)} ({_return_text(trip)}), "
        f"held {format_duration(trip.holding_ns / _NS_PER_S)}"
    )
    return Segment(
        trip.entry_ts,
        float(trip.entry_price),
        trip.exit_ts,
        float(trip.exit_price),
        color,
        label,
    )


def trade_returns_section(log: TradeLog) -> str:
    """A histogram of the closed trades' returns, net of fees, in % of entry notional."""
    returns = [float(t.trade_return) for t in log.closed if t.trade_return is not None]
    chart = histogram_chart(
        returns,
        label="Trade returns net of fees, in % of entry notional",
        unit="return per trade, net of fees",
        x_format=format_percent,
    )
    if returns:
        won = sum(1 for t in log.closed if t.pnl > 0)
        lost = sum(1 for t in log.closed if t.pnl < 0)
        note = (
            f"{len(log.closed):,} closed trades: {won:,} won, {lost:,} lost; "
            f"median {statistics.median(returns) * 100:+.2f}%, "
            f"mean {statistics.fmean(returns) * 100:+.2f}%."
        )
    else:
        note = "No closed trades."
    return f'<section><h2>Trade returns</h2>{chart}<p class="note">{escape(note)}</p></section>'


def trades_section(log: TradeLog) -> str:
    """The closed trades, the latest ``MAX_TRADE_ROWS`` of them, and the ones still open."""
    parts = ["<section><h2>Trades</h2>"]
    trips = log.closed
    if trips:
        first = max(0, len(trips) - MAX_TRADE_ROWS)
        rows = [_trade_row(n, trip) for n, trip in enumerate(trips[first:], start=first + 1)]
        parts.append(f'<table class="list trades"><tr>{_TRADE_HEAD}</tr>{"".join(rows)}</table>')
        if first:
            parts.append(
                f'<p class="note">Showing the last {MAX_TRADE_ROWS:,} of {len(trips):,} '
                f"trades; the first {first:,} are not listed.</p>"
            )
        else:
            parts.append(f'<p class="note">{len(trips):,} closed trades.</p>')
    else:
        parts.append('<p class="note">No closed trades.</p>')
    for trade in log.open:
        parts.append(
            f'<p class="note">Still open at the end, not in the statistics: '
            f"{escape(trade.instrument_id)} {trade.side.lower()} {plain_decimal(trade.quantity)} "
            f"since {format_utc(trade.entry_ts)} UTC at {format_exact(trade.entry_price)} "
            f"({trade.fills:,} {'fill' if trade.fills == 1 else 'fills'}).</p>"
        )
    parts.append("</section>")
    return "".join(parts)


def _head(columns: Sequence[tuple[str, bool]]) -> str:
    return "".join(
        f'<th class="num">{name}</th>' if numeric else f"<th>{name}</th>"
        for name, numeric in columns
    )


_TRADE_HEAD = _head(
    (
        ("#", True),
        ("Instrument", False),
        ("Side", False),
        ("Entry (UTC)", False),
        ("Entry price", True),
        ("Exit (UTC)", False),
        ("Exit price", True),
        ("Quantity", True),
        ("PnL", True),
        ("Return", True),
        ("Held", True),
        ("Fills", True),
    )
)


def _trade_row(number: int, trip: RoundTrip) -> str:
    side_class = "buy" if trip.side == "LONG" else "sell"
    pnl_class = "gain" if trip.pnl > 0 else "loss" if trip.pnl < 0 else ""
    return (
        f'<tr><td class="num">{number:,}</td><td>{escape(trip.instrument_id)}</td>'
        f'<td class="{side_class}">{trip.side.lower()}</td>'
        f"<td>{format_utc(trip.entry_ts)}</td>"
        f'<td class="num">{format_exact(trip.entry_price)}</td>'
        f"<td>{format_utc(trip.exit_ts)}</td>"
        f'<td class="num">{format_exact(trip.exit_price)}</td>'
        f'<td class="num">{plain_decimal(trip.quantity)}</td>'
        f'<td class="num {pnl_class}">{format_exact(trip.pnl)}</td>'
        f'<td class="num {pnl_class}">{_return_text(trip)}</td>'
        f'<td class="num">{format_duration(trip.holding_ns / _NS_PER_S)}</td>'
        f'<td class="num">{trip.fills:,}</td></tr>'
    )


def _return_text(trip: RoundTrip) -> str:
    """The trade's return in percent, rounded half-even once, from the exact PnL."""
    if trip.trade_return is None:
        return "—"
    percent = rounded_ratio(exact.mul(trip.pnl, _HUNDRED), trip.entry_notional, 2)
    return f"{percent:+.2f}%" if percent else "0.00%"


def fills_section(fills: Sequence[TradeRecord]) -> str:
    """Every fill, the first ``MAX_TRADE_ROWS`` of them, folded away until opened."""
    if not fills:
        return '<section><h2>Fills</h2><p class="note">No fills.</p></section>'
    rows = []
    for number, fill in enumerate(fills[:MAX_TRADE_ROWS], start=1):
        side_class = "buy" if fill.side == "BUY" else "sell"
        pnl_class = "gain" if fill.realized_pnl > 0 else "loss" if fill.realized_pnl < 0 else ""
        rows.append(
            f'<tr><td class="num">{number}</td><td>{format_utc(fill.ts)}</td>'
            f"<td>{escape(fill.instrument_id)}</td>"
            f'<td class="{side_class}">{escape(fill.side)}</td>'
            f'<td class="num">{plain_decimal(fill.quantity)}</td>'
            f'<td class="num">{plain_decimal(fill.price)}</td>'
            f'<td class="num">{plain_decimal(fill.fee)}</td>'
            f'<td class="num {pnl_class}">{plain_decimal(fill.realized_pnl)}</td></tr>'
        )
    more = len(fills) - MAX_TRADE_ROWS
    note = (
        f'<p class="note">Showing the first {MAX_TRADE_ROWS:,} of {len(fills):,} fills; '
        f"{more:,} more are not listed.</p>"
        if more > 0
        else f'<p class="note">{len(fills):,} fills.</p>'
    )
    table = f'<table class="list fills"><tr>{_FILL_HEAD}</tr>{"".join(rows)}</table>'
    return (
        "<section><h2>Fills</h2><details>"
        f"<summary>Show the fill list ({len(fills):,} fills)</summary>{table}{note}"
        "</details></section>"
    )


_FILL_HEAD = _head(
    (
        ("#", True),
        ("Time (UTC)", False),
        ("Instrument", False),
        ("Side", False),
        ("Quantity", True),
        ("Price", True),
        ("Fee", True),
        ("Realized PnL", True),
    )
)
