"""The backtest tearsheet: one self-contained, offline HTML page with statistics and SVG charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from tradewind.analysis.charts import Line, format_percent, format_utc, time_chart
from tradewind.analysis.formatting import display, format_stat
from tradewind.analysis.records import EquityPoint, PricePoint, TradeRecord
from tradewind.analysis.round_trips import trade_log
from tradewind.analysis.stats import drawdown_series, monthly_returns
from tradewind.analysis.trade_sections import (
    MAX_TRADE_ROWS,
    fills_section,
    prices_section,
    trade_returns_section,
    trades_section,
)

__all__ = ["MAX_TRADE_ROWS", "render_report", "write_report"]

_RUN_ROWS: tuple[tuple[str, str, str], ...] = (
    ("start", "Start", "text"),
    ("end", "End", "text"),
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("volatility", "Volatility (ann.)", "pct"),
    ("sharpe", "Sharpe", "ratio"),
    ("sortino", "Sortino", "ratio"),
    ("calmar", "Calmar", "ratio"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("max_drawdown_duration_s", "Longest drawdown", "duration"),
    ("exposure", "Exposure", "pct"),
    ("start_equity", "Start equity", "money"),
    ("end_equity", "End equity", "money"),
    ("net_pnl", "Net PnL", "money"),
    ("realized_pnl", "Realized PnL", "money"),
    ("fees", "Fees", "money"),
    ("periods", "Equity points", "count"),
    ("periods_per_year", "Periods per year", "number"),
)
_TRADE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("round_trips", "Trades", "count"),
    ("trade_win_rate", "Win rate (trades)", "pct"),
    ("trade_profit_factor", "Profit factor (trades)", "ratio"),
    ("avg_win_return", "Average winning trade", "pct"),
    ("avg_loss_return", "Average losing trade", "pct"),
    ("avg_holding_s", "Average holding time", "duration"),
    ("best_trade_return", "Best trade", "pct"),
    ("worst_trade_return", "Worst trade", "pct"),
    ("expectancy_return", "Expectancy (return)", "pct"),
    ("expectancy", "Expectancy (PnL)", "mean"),
    ("max_losing_streak", "Longest losing streak", "count"),
)
_FILL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("fills", "Fills", "count"),
    ("trades", "Closing fills", "count"),
    ("win_rate", "Win rate (fills)", "pct"),
    ("profit_factor", "Profit factor (fills)", "ratio"),
    ("avg_win", "Average win (fill)", "mean"),
    ("avg_loss", "Average loss (fill)", "mean"),
    ("largest_win", "Largest win (fill)", "money"),
    ("largest_loss", "Largest loss (fill)", "money"),
)
_STAT_GROUPS = (
    ("", _RUN_ROWS),
    ("Trades, flat to flat, net of fees", _TRADE_ROWS),
    ("Fills", _FILL_ROWS),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#111827;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 12px}
h2{font-size:17px;margin:0 0 10px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 18px;
margin:0 0 18px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 9px;text-align:left;border-bottom:1px solid #f0f1f3;white-space:nowrap}
th{color:#4b5563;font-weight:600}
td.num,th.num{text-align:right}
.meta{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.meta>div{min-width:0}
.kv th{width:1%;vertical-align:top}
.kv td{white-space:normal;overflow-wrap:anywhere}
.params{table-layout:fixed;width:100%}
.params th{width:35%;white-space:normal;overflow-wrap:anywhere}
h3.strategy{overflow-wrap:anywhere;margin:8px 0 2px}
.stats{width:100%}
.stats th{font-weight:500}
.stats td{font-weight:600;text-align:right;padding-right:28px}
.monthly td{text-align:right;min-width:62px}
.list{width:100%;font-size:13px}
details>summary{cursor:pointer;color:#374151;margin:0 0 8px}
.buy{color:#15803d}.sell{color:#b91c1c}.gain{color:#15803d}.loss{color:#b91c1c}
.note{color:#6b7280;font-size:13px;margin:6px 0 0}
.chart{display:block;width:100%;height:auto}
.chart text{font-size:11px;fill:#4b5563}
.chart text.unit{font-size:10px;fill:#9ca3af}
.chart text.empty{font-size:15px;fill:#9ca3af}
.chart .mark:hover{stroke:#111827;stroke-width:1.5}
.chart .trip:hover{stroke-width:3.5}
h3{font-size:14px;margin:14px 0 4px}
.legend{color:#6b7280;font-size:12px;font-weight:400;margin-left:10px}
"""


def render_report(
    *,
    title: str,
    stats: Mapping[str, object],
    equity: Sequence[EquityPoint],
    trades: Sequence[TradeRecord],
    prices: Sequence[PricePoint],
    params: Mapping[str, object],
    meta: Mapping[str, object],
    multipliers: Mapping[str, Decimal] | None = None,
) -> str:
    """Render the tearsheet as one HTML page that needs no network and no JavaScript.

    ``trades`` are the fills; they are grouped into round-trip trades (``trade_log``, with
    the contract ``multipliers`` by instrument id). Sections: header (title, ``meta`` and
    run ``params``), statistics (run, trades, fills), equity, drawdown, monthly returns,
    price with entries and exits per instrument, the distribution of trade returns, the last
    ``MAX_TRADE_ROWS`` trades, and the first ``MAX_TRADE_ROWS`` fills (folded). Every text is
    escaped; the same inputs give the same bytes. ``equity`` must be in time order.
    """
    log = trade_log(trades, multipliers=multipliers)
    body = [
        f"<h1>{escape(title)}</h1>",
        _header(equity, params, meta),
        _stats_section(stats),
        _equity_section(equity),
        _drawdown_section(equity),
        _monthly_section(equity),
        prices_section(prices, trades, log),
        trade_returns_section(log),
        trades_section(log),
        fills_section(trades),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_report(
    path: str | PathLike[str],
    *,
    title: str,
    stats: Mapping[str, object],
    equity: Sequence[EquityPoint],
    trades: Sequence[TradeRecord],
    prices: Sequence[PricePoint],
    params: Mapping[str, object],
    meta: Mapping[str, object],
    multipliers: Mapping[str, Decimal] | None = None,
) -> Path:
    """Render the report (see ``render_report``) and write it to ``path`` as UTF-8."""
    html = render_report(
        title=title,
        stats=stats,
        equity=equity,
        trades=trades,
        prices=prices,
        params=params,
        meta=meta,
        multipliers=multipliers,
    )
    target = Path(path)
    target.write_text(html, encoding="utf-8")
    return target


def _header(
    equity: Sequence[EquityPoint], params: Mapping[str, object], meta: Mapping[str, object]
) -> str:
    meta_rows = dict(meta)
    if "period" not in meta_rows and equity:
        meta_rows["period"] = f"{format_utc(equity[0].ts)} to {format_utc(equity[-1].ts)} UTC"
    return (
        '<section class="meta"><div><h2>Run</h2>'
        + _key_value_table(meta_rows)
        + "</div><div><h2>Parameters</h2>"
        + _params_html(params)
        + "</div></section>"
    )


def _params_html(params: Mapping[str, object]) -> str:
    """Run parameters; ``{strategy_id: {name: value}}`` gets a heading and a table per strategy."""
    per_strategy = {k: v for k, v in params.items() if isinstance(v, Mapping)}
    if not params or len(per_strategy) < len(params):
        return _key_value_table(params, css="kv params")
    return "".join(
        f'<h3 class="strategy">{escape(display(strategy))}</h3>'
        + _key_value_table(values, css="kv params")
        for strategy, values in per_strategy.items()
    )


def _key_value_table(rows: Mapping[Any, object], css: str = "kv") -> str:
    if not rows:
        return '<p class="note">none</p>'
    cells = "".join(
        f"<tr><th>{escape(display(key))}</th><td>{_value_html(value)}</td></tr>"
        for key, value in rows.items()
    )
    return f'<table class="{css}">{cells}</table>'


def _value_html(value: object) -> str:
    """Escaped HTML for one value; a mapping gets a line per key."""
    if isinstance(value, Mapping) and value:
        return "<br>".join(
            escape(f"{display(key)} = {display(item)}") for key, item in value.items()
        )
    return escape(display(value))


def _stats_section(stats: Mapping[str, object]) -> str:
    """The statistics in groups of three per row; keys no group knows join the first group."""
    known = {key for _, rows in _STAT_GROUPS for key, _, _ in rows}
    parts = ["<section><h2>Statistics</h2>"]
    for heading, rows in _STAT_GROUPS:
        cells = [
            (label, format_stat(stats[key], kind)) for key, label, kind in rows if key in stats
        ]
        if not heading:
            cells += [
                (str(key), format_stat(value, "auto"))
                for key, value in stats.items()
                if key not in known
            ]
        if not cells:
            continue
        if heading:
            parts.append(f"<h3>{escape(heading)}</h3>")
        parts.append(f'<table class="stats">{_stat_rows(cells)}</table>')
    parts.append("</section>")
    return "".join(parts)


def _stat_rows(cells: Sequence[tuple[str, str]]) -> str:
    rows = []
    for start in range(0, len(cells), 3):
        row = "".join(
            f"<th>{escape(label)}</th><td>{escape(text)}</td>"
            for label, text in cells[start : start + 3]
        )
        rows.append(f"<tr>{row}</tr>")
    return "".join(rows)


def _equity_arrays(equity: Sequence[EquityPoint]) -> tuple[np.ndarray, np.ndarray]:
    ts = np.fromiter((p.ts for p in equity), dtype=np.int64, count=len(equity))
    values = np.fromiter((float(p.equity) for p in equity), dtype=np.float64, count=len(equity))
    return ts, values


def _equity_section(equity: Sequence[EquityPoint]) -> str:
    ts, values = _equity_arrays(equity)
    chart = time_chart([Line(ts, values, "#2563eb")], label="Equity over time")
    return f"<section><h2>Equity</h2>{chart}</section>"


def _drawdown_section(equity: Sequence[EquityPoint]) -> str:
    ts, _ = _equity_arrays(equity)
    underwater = -np.asarray(drawdown_series(equity), dtype=np.float64)
    # A curve that never fell still gets a readable 0 to -1% axis.
    include = (0.0, -0.01) if len(underwater) and not underwater.any() else (0.0,)
    chart = time_chart(
        [Line(ts, underwater, "#dc2626", fill_to=0.0)],
        label="Drawdown below the running peak",
        y_format=format_percent,
        y_include=include,
    )
    return f"<section><h2>Drawdown</h2>{chart}</section>"


def _monthly_section(equity: Sequence[EquityPoint]) -> str:
    months = monthly_returns(equity)
    if not months:
        return '<section><h2>Monthly returns</h2><p class="note">No equity.</p></section>'
    scale = max(abs(r) for r in months.values()) or 1.0
    header = "".join(f'<th class="num">{m}</th>' for m in _MONTHS)
    rows = []
    for year in sorted({y for y, _ in months}):
        cells = []
        growth = 1.0
        for month in range(1, 13):
            value = months.get((year, month))
            if value is None:
                cells.append("<td></td>")
                continue
            growth *= 1.0 + value
            cells.append(f'<td style="background:{_heat(value, scale)}">{value * 100:.2f}%</td>')
        year_return = growth - 1.0
        cells.append(f"<td><b>{year_return * 100:.2f}%</b></td>")
        rows.append(f"<tr><th>{year}</th>{''.join(cells)}</tr>")
    return (
        '<section><h2>Monthly returns</h2><table class="monthly">'
        f'<tr><th>Year</th>{header}<th class="num">Year</th></tr>{"".join(rows)}</table></section>'
    )


def _heat(value: float, scale: float) -> str:
    strength = 0.1 + 0.6 * min(1.0, abs(value) / scale)
    rgb = "22,163,74" if value >= 0 else "220,38,38"
    return f"rgba({rgb},{strength:.3f})"
