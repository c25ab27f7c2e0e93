"""render_report / write_report: a complete, offline, escaped and reproducible HTML page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.analysis import (
    EquityPoint,
    PricePoint,
    TradeRecord,
    compute_stats,
    render_report,
    write_report,
)
from tradewind.analysis.charts import MAX_POINTS
from tradewind.analysis.report import MAX_TRADE_ROWS

from .builders import HOUR, SECOND, T0, curve, fill, price_walk, random_walk, round_trips

XSS = "<script>alert(1)</script>"
SECTIONS = (
    "Statistics",
    "Equity",
    "Drawdown",
    "Monthly returns",
    "Prices, entries and exits",
    "Trade returns",
    "Trades",
    "Fills",
)


def _render(
    equity: list[EquityPoint] | None = None,
    trades: list[TradeRecord] | None = None,
    prices: list[PricePoint] | None = None,
    *,
    title: str = "ma_crossover on BTCUSDT",
    params: dict[str, object] | None = None,
    meta: dict[str, object] | None = None,
    stats: dict[str, object] | None = None,
) -> str:
    equity = random_walk(300, seed=1) if equity is None else equity
    trades = round_trips(40, seed=2) if trades is None else trades
    prices = price_walk(300, seed=3) if prices is None else prices
    return render_report(
        title=title,
        stats=compute_stats(equity, trades) if stats is None else stats,
        equity=equity,
        trades=trades,
        prices=prices,
        params={"ma_crossover": {"fast": 10, "slow": 30}} if params is None else params,
        meta={"strategies": "ma_crossover"} if meta is None else meta,
    )


def _stat_cell(html: str, label: str) -> str:
    match = re.search(f"<th>{re.escape(label)}</th><td>(.*?)</td>", html)
    assert match, f"no statistic {label!r}"
    return match.group(1)


def _rows(html: str, table_class: str) -> int:
    table = html.split(f'<table class="list {table_class}">', 1)[1].split("</table>", 1)[0]
    return table.count("<tr>") - 1  # minus the header row


def _fill_rows(html: str) -> int:
    return _rows(html, "fills")


@pytest.mark.parametrize("section", SECTIONS)
def test_the_report_has_every_section(section: str) -> None:
    assert f"<h2>{section}" in _render()


def test_the_report_draws_its_charts_as_inline_svg() -> None:
    html = _render()
    # equity, drawdown, one price chart, the trade-return histogram
    assert html.count("<svg") == 4
    assert 'aria-label="BTCUSDT price with entries and exits"' in html
    assert 'class="mark"' in html  # fills are marked on the price chart


def test_the_report_needs_no_network_and_no_script() -> None:
    html = _render()
    assert _rows(html, "trades") == 20 and _fill_rows(html) == 40  # the trade sections are in
    html = html.lower()
    for forbidden in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert forbidden not in html, forbidden


def test_a_hostile_strategy_name_and_parameter_are_escaped_everywhere() -> None:
    html = _render(
        trades=[fill(5, instrument=XSS), fill(side="BUY", instrument=XSS, ts=T0 + HOUR)],
        prices=[PricePoint(T0, XSS, 100.0)],
        title=f"strategy {XSS}",
        params={XSS: {XSS: XSS, "fast": 10}},
        meta={"strategies": XSS, XSS: 1},
        stats={**compute_stats(curve([100, 101]), []), XSS: XSS},
    )
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_same_inputs_render_byte_identical_html() -> None:
    assert _render().encode() == _render().encode()


def test_write_report_writes_the_rendered_page_as_utf8(tmp_path: Path) -> None:
    equity, trades, prices = curve([100, 101, 99]), [fill(-1)], price_walk(5, seed=1)
    arguments = {
        "title": "run é",
        "stats": compute_stats(equity, trades),
        "equity": equity,
        "trades": trades,
        "prices": prices,
        "params": {},
        "meta": {},
    }
    written = write_report(tmp_path / "report.html", **arguments)  # type: ignore[arg-type]
    assert written == tmp_path / "report.html"
    assert written.read_bytes() == render_report(**arguments).encode()  # type: ignore[arg-type]


def test_a_run_without_trades_still_renders_every_section() -> None:
    html = _render(trades=[])
    for section in SECTIONS:
        assert f"<h2>{section}" in html
    assert "No fills." in html
    assert "No closed trades." in html
    assert "no data" in html  # the empty trade-return histogram


def test_a_run_with_one_equity_point_renders() -> None:
    html = _render(equity=curve([100]), trades=[], prices=[])
    assert "<h2>Equity</h2><svg" in html
    assert "<circle" in html  # the single point is drawn as a dot
    assert "No prices." in html


def test_a_run_without_any_data_renders() -> None:
    html = _render(equity=[], trades=[], prices=[], params={}, meta={})
    assert html.count("no data") == 3  # equity, drawdown, trade-return histogram
    assert "No equity." in html


def test_two_instruments_each_get_a_price_chart_with_their_own_fills() -> None:
    prices = price_walk(200, seed=4, instrument="BTCUSDT") + price_walk(
        200, seed=5, instrument="ETHUSDT", start=2_000.0
    )
    trades = round_trips(6, seed=6, instrument="BTCUSDT") + round_trips(
        4, seed=7, instrument="ETHUSDT"
    )
    html = _render(prices=prices, trades=trades)
    assert 'aria-label="BTCUSDT price with entries and exits"' in html
    assert 'aria-label="ETHUSDT price with entries and exits"' in html
    assert "BTCUSDT <span" in html and "6 fills, 3 closed trades" in html
    assert "ETHUSDT <span" in html and "4 fills, 2 closed trades" in html


def test_the_fill_list_stops_at_500_and_says_how_many_more_there_are() -> None:
    html = _render(trades=round_trips(MAX_TRADE_ROWS + 234, seed=8))
    assert MAX_TRADE_ROWS == 500
    assert _fill_rows(html) == 500
    assert "Showing the first 500 of 734 fills; 234 more are not listed." in html


def test_a_short_fill_list_is_shown_whole() -> None:
    html = _render(trades=round_trips(12, seed=9))
    assert _fill_rows(html) == 12
    assert "12 fills." in html


def test_a_200000_point_price_series_is_downsampled_to_a_small_page() -> None:
    prices = price_walk(200_000, seed=10, step=SECOND)
    html = _render(prices=prices, equity=random_walk(200_000, seed=11, step=SECOND))
    assert len(html.encode()) < 2_000_000
    paths = re.findall(r'<path d="M([^"]*)" fill="none"', html)
    assert paths
    for path in paths:
        assert path.count(" L") + 1 <= MAX_POINTS


def test_each_parameter_of_a_strategy_gets_its_own_row_under_the_strategy() -> None:
    params = {f"p{i}": i for i in range(12)}
    html = _render(params={"ma_crossover": params, "breakout": {}})
    box = html.split("<h2>Parameters</h2>", 1)[1].split("</section>", 1)[0]
    assert box.startswith('<h3 class="strategy">ma_crossover</h3><table class="kv params">')
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", box)
    assert rows == [(f"p{i}", str(i)) for i in range(12)]
    assert '<h3 class="strategy">breakout</h3><p class="note">none</p>' in box


def test_a_nested_parameter_mapping_shows_one_entry_per_line() -> None:
    html = _render(params={"rotation": {"weights": {"BTC": 0.6, "ETH": 0.4}}})
    assert "<tr><th>weights</th><td>BTC = 0.6<br>ETH = 0.4</td></tr>" in html


def test_flat_parameters_are_one_table() -> None:
    html = _render(params={"fast": 10, "slow": Decimal("3E+1")})
    box = html.split("<h2>Parameters</h2>", 1)[1].split("</section>", 1)[0]
    assert box == (
        '<table class="kv params"><tr><th>fast</th><td>10</td></tr>'
        "<tr><th>slow</th><td>30</td></tr></table></div>"
    )


def test_long_parameter_names_and_values_wrap_instead_of_overflowing() -> None:
    html = _render()
    assert ".kv td{white-space:normal;overflow-wrap:anywhere}" in html
    assert ".params{table-layout:fixed;width:100%}" in html
    assert ".params th{width:35%;white-space:normal;overflow-wrap:anywhere}" in html
    assert ".meta>div{min-width:0}" in html


def test_averages_show_cents_not_28_digits() -> None:
    trades = [fill("37.36"), fill("37.37"), fill("37.37"), fill(-10), fill(-10), fill(-11)]
    html = _render(trades=trades)
    assert _stat_cell(html, "Average win (fill)") == "37.37"
    assert _stat_cell(html, "Average loss (fill)") == "-10.33"
    assert _stat_cell(html, "Fees") == "0"


def test_small_averages_keep_four_significant_digits() -> None:
    html = _render(trades=[fill("0.0012345"), fill("0.0012346"), fill("0.0012346")])
    assert _stat_cell(html, "Average win (fill)") == "0.001235"


def test_exact_amounts_keep_their_digits_and_never_use_exponents() -> None:
    trades = [fill(Decimal("1E+2"), quantity="1E+1", fee="0.00012345")]
    html = _render(trades=trades)
    assert _stat_cell(html, "Largest win (fill)") == "100"
    assert _stat_cell(html, "Fees") == "0.00012345"
    row = html.split('<table class="list fills">', 1)[1].split("</table>", 1)[0]
    assert '<td class="num">10</td>' in row
    assert '<td class="num gain">100</td>' in row
    assert "E+" not in html


def test_statistics_show_as_percent_ratio_and_duration() -> None:
    equity = [
        EquityPoint(T0, Decimal(100)),
        EquityPoint(T0 + 100 * 24 * HOUR, Decimal(120)),
        EquityPoint(T0 + 200 * 24 * HOUR, Decimal(90)),
        EquityPoint(T0 + 365 * 24 * HOUR, Decimal(130)),
    ]
    html = _render(equity=equity, trades=[])
    assert _stat_cell(html, "Max drawdown") == "25.00%"
    assert _stat_cell(html, "Total return") == "30.00%"
    assert _stat_cell(html, "Calmar") == "1.20"
    assert _stat_cell(html, "Longest drawdown") == "265d 0h 0m"
    assert _stat_cell(html, "Sharpe") != "—"


def test_undefined_and_non_finite_statistics_show_as_a_dash() -> None:
    stats = {"sharpe": None, "sortino": float("nan"), "calmar": float("inf")}
    html = _render(stats={**stats, "fees": Decimal("NaN")})
    for label in ("Sharpe", "Sortino", "Calmar", "Fees"):
        assert _stat_cell(html, label) == "—"


def test_monthly_returns_are_a_year_by_month_table() -> None:
    html = _render(equity=random_walk(24 * 70, seed=12))  # ~70 days from 1 January 2024
    table = html.split('<table class="monthly">', 1)[1].split("</table>", 1)[0]
    assert "<th>2024</th>" in table
    assert table.count("%</td>") == 3  # January, February, March (partly)


def test_periods_per_year_shows_without_trailing_zeros() -> None:
    html = _render(equity=curve([100, 101, 102], step=30 * 60 * SECOND))
    assert _stat_cell(html, "Periods per year") == "17,520"


def test_axis_labels_on_the_frame_edges_are_aligned_into_the_chart() -> None:
    html = _render(equity=curve([100, 90, 95, 120], step=24 * HOUR))
    equity_chart = html.split("<h2>Equity</h2>", 1)[1].split("</svg>", 1)[0]
    first_label = re.search(
        r'<text class="tick" x="84.0" y="280.0" text-anchor="(\w+)"', equity_chart
    )
    assert first_label and first_label.group(1) == "start"


def test_the_trade_list_shows_each_round_trip_with_exact_prices_pnl_and_return() -> None:
    trades = [
        fill(side="SELL", quantity="2", price="50", fee="0.06", ts=T0),
        fill(side="BUY", quantity="2", price="45", fee="0.04", ts=T0 + 3 * HOUR + 60 * SECOND),
    ]
    html = _render(trades=trades)
    table = html.split('<table class="list trades">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th[^>]*>(.*?)</th>", table) == [
        "#",
        "Instrument",
        "Side",
        "Entry (UTC)",
        "Entry price",
        "Exit (UTC)",
        "Exit price",
        "Quantity",
        "PnL",
        "Return",
        "Held",
        "Fills",
    ]
    assert (
        '<tr><td class="num">1</td><td>BTCUSDT</td><td class="sell">short</td>'
        '<td>2024-01-01 00:00:00</td><td class="num">50</td>'
        '<td>2024-01-01 03:01:00</td><td class="num">45</td><td class="num">2</td>'
        '<td class="num gain">9.90</td><td class="num gain">+9.90%</td>'
        '<td class="num">3h 1m</td><td class="num">2</td></tr>'
    ) in table
    assert "1 closed trades." in html


def test_averages_and_returns_that_repeat_are_shown_rounded_half_even() -> None:
    trades = [
        fill(side="BUY", quantity="1", price="100", ts=T0),
        fill(side="BUY", quantity="2", price="101", ts=T0 + HOUR),
        fill(side="SELL", quantity="3", price="102", ts=T0 + 2 * HOUR),  # 4 on 302
        fill(side="BUY", quantity="1", price="100", ts=T0 + 3 * HOUR),
        fill(side="SELL", quantity="1", price="100.125", ts=T0 + 4 * HOUR),  # a 0.125% tie
    ]
    table = _render(trades=trades).split('<table class="list trades">', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</table>", 1)[0])[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert [c[4] for c in cells] == ["100.66666667", "100"]  # entry price, 8 places at most
    assert [c[9] for c in cells] == ["+1.32%", "+0.12%"]  # 1.3245...%, and 0.125% to even


def test_the_trade_list_shows_the_last_500_trades_and_says_how_many_are_left_out() -> None:
    html = _render(trades=round_trips(2 * (MAX_TRADE_ROWS + 234), seed=13))
    assert _rows(html, "trades") == 500
    table = html.split('<table class="list trades">', 1)[1].split("</table>", 1)[0]
    assert '<tr><td class="num">235</td>' in table  # numbered as in trades.csv
    assert '<tr><td class="num">734</td>' in table
    assert '<tr><td class="num">234</td>' not in table
    assert "Showing the last 500 of 734 trades; the first 234 are not listed." in html


def test_a_position_still_open_at_the_end_is_named_under_the_trade_list() -> None:
    trades = [fill(side="BUY", quantity="0.3", price="101.5", ts=T0 + HOUR)]
    html = _render(trades=trades)
    assert "No closed trades." in html
    assert (
        "Still open at the end, not in the statistics: BTCUSDT long 0.3 since "
        "2024-01-01 01:00:00 UTC at 101.5 (1 fill)."
    ) in html


def test_the_trade_statistics_have_their_own_table() -> None:
    trades = [
        fill(side="BUY", price="100", ts=T0),
        fill(side="SELL", price="110", ts=T0 + 2 * HOUR),
        fill(side="SELL", price="100", ts=T0 + 3 * HOUR),
        fill(side="BUY", price="104", ts=T0 + 7 * HOUR),
    ]
    html = _render(trades=trades, equity=curve([100, 101, 102]))
    box = html.split("<h3>Trades, flat to flat, net of fees</h3>", 1)[1].split("</table>", 1)[0]
    assert _stat_cell(box, "Trades") == "2"
    assert _stat_cell(box, "Win rate (trades)") == "50.00%"
    assert _stat_cell(box, "Average winning trade") == "10.00%"
    assert _stat_cell(box, "Average losing trade") == "-4.00%"
    assert _stat_cell(box, "Best trade") == "10.00%"
    assert _stat_cell(box, "Worst trade") == "-4.00%"
    assert _stat_cell(box, "Average holding time") == "3h 0m"
    assert _stat_cell(box, "Expectancy (PnL)") == "3.00"
    assert _stat_cell(box, "Expectancy (return)") == "3.00%"
    assert _stat_cell(box, "Profit factor (trades)") == "2.50"
    assert _stat_cell(box, "Longest losing streak") == "1"


def test_trade_returns_are_a_histogram_in_percent() -> None:
    html = _render(trades=round_trips(200, seed=14))
    box = html.split("<h2>Trade returns</h2>", 1)[1].split("</section>", 1)[0]
    assert box.count("<svg") == 1
    assert 'aria-label="Trade returns net of fees, in % of entry notional"' in box
    assert re.search(r'text-anchor="middle">-?[0-9.]+%</text>', box)  # a percent axis
    assert "100 closed trades:" in box


def test_the_fill_list_is_folded_below_the_trades() -> None:
    html = _render()
    assert html.index("<h2>Trades</h2>") < html.index("<h2>Fills</h2>")
    assert "<details><summary>Show the fill list (40 fills)</summary>" in html


def test_exits_are_hollow_markers_and_each_trade_is_a_dashed_line_on_the_price_chart() -> None:
    trades = [
        fill(side="BUY", quantity="2", price="100", ts=T0 + HOUR),
        fill(side="SELL", quantity="1", price="103", ts=T0 + 2 * HOUR),
        fill(side="SELL", quantity="3", price="104", ts=T0 + 3 * HOUR),
        fill(side="BUY", quantity="2", price="101", ts=T0 + 4 * HOUR),
    ]
    html = _render(trades=trades, prices=price_walk(10, seed=15))
    chart = html.split('aria-label="BTCUSDT price with entries and exits"', 1)[1]
    chart = chart.split("</svg>", 1)[0]
    marks = re.findall(r'<polygon class="mark" points="[^"]*" ([^>]*)><title>(.*?)</title>', chart)
    assert [title.split(": ", 1)[1] for _, title in marks] == [
        "opens long",
        "reduces long",
        "flips long to short",
        "closes short",
    ]
    assert [paint.startswith('fill="#ffffff"') for paint, _ in marks] == [
        False,
        True,
        False,
        True,
    ]
    lines = re.findall(r'<line class="trip" [^>]*stroke="([^"]*)"[^>]*><title>(.*?)</title>', chart)
    assert [color for color, _ in lines] == ["#16a34a", "#16a34a"]
    assert lines[0][1].startswith("trade 1: long 2 100 → 103.5, PnL 7 (+3.50%)")
    assert lines[1][1].startswith("trade 2: short 2 104 → 101, PnL 6 (+2.88%)")
