"""A runaway strategy — a market order on every quote — is throttled, halted by the daily loss
cap and flattened by the kill switch, with the numbers checked; in Python and through the CLI.

The market: 10 quotes a second, bid 99.5 / ask 100.5 (mid 100), for 60 seconds. The runaway
buys one unit when flat and sells it when long, at the market, on every quote; so every order
that gets through crosses the spread. Orders that reach the venue are counted from the audit
stream (``OrderSubmitted``) and from the venue's own acknowledgements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.cli import main
from tradewind.model import Order, OrderStatus
from tradewind.model.events import OrderAccepted, OrderSubmitted
from tradewind.risk import RiskConfig, RiskEngine, TradingState
from tradewind.strategy.registry import load_strategy
from tradewind.testing import MILLISECOND, SECOND, T0, EngineHarness, instrument, quote
from tradewind.venues.simulated import FeeModel

RUNAWAY = '''
"""A runaway: a market order on every quote, buying when flat and selling when long."""
from decimal import Decimal

from tradewind import QuoteTick, Strategy, StrategyParams


class RunawayParams(StrategyParams):
    size: Decimal = Decimal(1)


class Runaway(Strategy[RunawayParams]):
    params_model = RunawayParams

    def on_start(self) -> None:
        self.attempts = 0
        self.disabled: list[tuple[str, int]] = []
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.attempts += 1
        side = "BUY" if self.position(quote.instrument_id).quantity <= 0 else "SELL"
        self.submit_market(quote.instrument_id, side, self.params.size)

    def on_trading_disabled(self, state: str, reason: str) -> None:
        self.disabled.append((state, self.now_ns))
'''

BTC = instrument("BTCUSDT")
BID, ASK, MID = Decimal("99.5"), Decimal("100.5"), Decimal(100)
TICK = 100 * MILLISECOND
DURATION_S = 60
QUOTES = DURATION_S * SECOND // TICK + 1  # t = 0, 0.1, ..., 60.0 s
RATE, BURST = 2, 5
TAKER_BPS = Decimal(10)


@pytest.fixture(scope="module")
def runaway_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("strategies") / "runaway.py"
    path.write_text(RUNAWAY)
    return path


@dataclass
class Run:
    """One run of the runaway through the harness, and what was seen at the halt and the kill."""

    h: EngineHarness
    risk: RiskEngine
    runaway: Any
    realized_at_halt: Decimal | None = None
    """Realized PnL less fees right after the first halt."""
    position_at_kill: Decimal | None = None
    kill_orders: list[Order] = field(default_factory=list)


def _run(
    runaway_file: Path, config: RiskConfig, *, taker_bps: Decimal, kill_at: int | None = None
) -> Run:
    h = EngineHarness(BTC, fees=FeeModel(taker_bps=taker_bps), start_ns=T0)
    runaway = h.add_strategy(load_strategy(f"{runaway_file}:Runaway")(instruments=[BTC.id]))
    run = Run(h, RiskEngine(h.engine, config), runaway)
    h.start()
    for i in range(QUOTES):
        ts = T0 + i * TICK
        h.feed(quote(BTC.id, float(BID), float(ASK), ts))
        if run.risk.halts and run.realized_at_halt is None:
            fees = sum((f.fee for f in h.fills), Decimal(0))
            run.realized_at_halt = h.portfolio.realized_pnl() - fees
        if ts == kill_at:
            run.position_at_kill = runaway.position(BTC.id).quantity
            run.kill_orders = run.risk.kill("runaway strategy")
    return run


def _reached_venue(h: EngineHarness) -> int:
    submitted = len(h.reports(OrderSubmitted))
    assert submitted == len(h.reports(OrderAccepted))
    return submitted


def test_runaway_is_throttled_to_rate_times_duration_plus_burst(runaway_file: Path) -> None:
    config = RiskConfig(max_orders_per_second=RATE, order_burst=BURST)
    run = _run(runaway_file, config, taker_bps=Decimal(0))
    h, risk, runaway = run.h, run.risk, run.runaway

    through = BURST + RATE * DURATION_S
    assert through == 125
    assert runaway.attempts == QUOTES == 601
    assert _reached_venue(h) == through
    assert len(h.fills) == through
    assert risk.denials == {"THROTTLED": QUOTES - through}  # 476
    denied = [o for o in h.engine.cache.orders.values() if o.status is OrderStatus.DENIED]
    assert len(denied) == QUOTES - through
    # 62 round trips at a spread of 1 each, and one more buy left open
    assert h.portfolio.position(BTC.id).quantity == 1
    assert h.portfolio.realized_pnl() == -62


def _equity_loss_after(k: int) -> Decimal:
    """Equity lost after the k-th order through: each round trip loses the spread and two
    fees; an open buy has lost half the spread (valued at the mid) and its fee."""
    fee_buy, fee_sell = ASK * TAKER_BPS / 10_000, BID * TAKER_BPS / 10_000
    trips, open_buy = divmod(k, 2)
    return trips * (ASK - BID + fee_buy + fee_sell) + open_buy * (ASK - MID + fee_buy)


def test_runaway_is_halted_by_the_daily_loss_cap_then_flattened_by_the_kill_switch(
    runaway_file: Path,
) -> None:
    cap = Decimal("25.5")
    config = RiskConfig(max_orders_per_second=RATE, order_burst=BURST, daily_loss_limit=cap)
    kill_at = T0 + 30 * SECOND
    run = _run(runaway_file, config, taker_bps=TAKER_BPS, kill_at=kill_at)
    h, risk, runaway = run.h, run.risk, run.runaway

    # the halt comes with the first order through that takes the day's loss to the cap
    k = next(k for k in range(1, 1000) if _equity_loss_after(k) >= cap)
    assert (k, _equity_loss_after(k)) == (43, Decimal("25.8005"))
    halt_ns = T0 + (k - BURST) * SECOND // RATE  # the k-th token: burst, then one per 1/rate
    assert halt_ns == T0 + 19 * SECOND
    daily = risk.halts[0]
    assert (daily.ts, daily.cause, daily.scope, daily.state) == (
        halt_ns,
        "daily_loss",
        "global",
        TradingState.HALTED,
    )
    assert daily.to_dict()["time"] == "2024-01-01T00:00:19.000000Z"
    assert runaway.disabled[0] == ("halted", halt_ns)
    # up to the halt the throttle let exactly burst + rate x elapsed through
    assert k == BURST + RATE * (halt_ns - T0) // SECOND
    attempts_to_halt = (halt_ns - T0) // TICK + 1
    assert risk.denials["THROTTLED"] == attempts_to_halt - k  # 148

    # the realized loss at the halt (fees included) is the cap, within one order's loss
    one_order = _equity_loss_after(1)
    assert one_order == Decimal("0.6005")
    # 21 round trips closed (-21) and 43 fees paid (4.3005); one unit still open
    assert run.realized_at_halt == Decimal("-25.3005")
    assert abs(-run.realized_at_halt - cap) <= one_order

    # the kill switch: the one unit still long is sold, nothing is left working
    assert run.position_at_kill == 1
    assert [(o.side.value, o.quantity, o.tags) for o in run.kill_orders] == [
        ("SELL", 1, ("close_all",))
    ]
    assert run.kill_orders[0].status is OrderStatus.FILLED
    assert h.portfolio.position(BTC.id).quantity == 0
    assert h.engine.cache.open_orders == {}
    assert [(x.cause, x.ts) for x in risk.halts] == [("daily_loss", halt_ns), ("kill", kill_at)]
    assert _reached_venue(h) == k + 1  # the close-all order passed the halt
    assert risk.denials["HALTED"] == QUOTES - attempts_to_halt  # 410: every attempt after
    assert sum(risk.denials.values()) == QUOTES - k
    # the books: 21 round trips plus the last buy sold by the kill switch, all at the spread
    fees = sum(f.fee for f in h.fills)
    assert fees == (22 * ASK + 22 * BID) * TAKER_BPS / 10_000
    assert h.portfolio.realized_pnl() == -22 * (ASK - BID)
    assert risk.state() is TradingState.HALTED


def _write_quotes(path: Path) -> None:
    lines = ["ts,bid,ask,bid_size,ask_size"]
    lines += [f"{T0 + i * TICK},{BID},{ASK},10,10" for i in range(QUOTES)]
    path.write_text("\n".join(lines) + "\n")


def test_runaway_through_the_cli_reports_denials_and_halts(
    runaway_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "quotes.csv"
    _write_quotes(data)
    config = tmp_path / "risk.toml"
    config.write_text("[risk]\nmax_orders_per_second = 100\norder_burst = 5\n")
    out = tmp_path / "out"
    code = main(
        [
            "backtest",
            "--strategy",
            f"{runaway_file}:Runaway",
            "--data",
            f"BTCUSDT={data}",
            "--taker-bps",
            "10",
            "--config",
            str(config),
            "--risk",
            "max_orders_per_second=2",  # overrides the file's 100
            "--risk",
            "daily_loss_limit=25.5",
            "--risk",
            "max_order_notional=1000",
            "--risk",
            "max_position=1",
            "--risk",
            "price_band_bps=100",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["denials"] == {"HALTED": 410, "THROTTLED": 148}
    assert summary["denied_orders"] == 558
    assert summary["fills"] == 43
    assert summary["halts"] == [
        {
            "time": "2024-01-01T00:00:19.000000Z",
            "ts": T0 + 19 * SECOND,
            "state": "halted",
            "cause": "daily_loss",
            "scope": "global",
            "message": "equity fell 25.8005 USDT since the day began: daily_loss_limit is "
            "25.5; halted until reset_halt()",
        }
    ]
    assert "THROTTLED 148" in printed and "daily_loss" in printed
