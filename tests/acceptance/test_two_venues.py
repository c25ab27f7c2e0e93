"""Two simulated venues in one backtest: the smart order router splits, the portfolio keeps books.

Venue A is cheaper and shows little size; venue B is dearer, shows more and is 3 ms away.
Every number below is worked out by hand from the quotes and fee rates, and checked exactly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind import Strategy, StrategyParams, TimeEvent, run_backtest
from tradewind.data import write_table
from tradewind.execution.router import RoutePlan, SmartOrderRouter, VenueProfile
from tradewind.model import Instrument, TimeInForce
from tradewind.portfolio import Portfolio
from tradewind.testing import MILLISECOND, SECOND, T0, instrument
from tradewind.venues.simulated import FeeModel, LatencyModel

D = Decimal
FEES = {"A": FeeModel(maker_bps=D(1), taker_bps=D(2)), "B": FeeModel(taker_bps=D(4))}
LATENCY = {"A": LatencyModel(), "B": LatencyModel.from_ms(3)}


class RoutedTrader(Strategy[StrategyParams]):
    """At each planned time, buys or sells a quantity across ``listings`` with the router.

    The router's venue profiles are read from the same fee and latency models the backtest
    gives its simulated venues.
    """

    def __init__(
        self,
        listings: list[Instrument],
        plan: list[tuple[int, str, str]],
        fees: dict[str, FeeModel] = FEES,
    ) -> None:
        super().__init__(None, strategy_id="router")
        self.fees = fees
        self.listings = [i.id for i in listings]
        self.schedule = {f"trade-{k}": (ts, side, qty) for k, (ts, side, qty) in enumerate(plan)}
        self.plans: list[RoutePlan] = []

    def on_start(self) -> None:
        profiles = {v: VenueProfile.from_models(self.fees[v], LATENCY[v]) for v in self.fees}
        self.router = SmartOrderRouter(self, profiles=profiles, latency_bps_per_ms="0.01")
        for name, (ts, _, _) in self.schedule.items():
            self.set_alarm(name, ts)

    def on_timer(self, event: TimeEvent) -> None:
        _, side, quantity = self.schedule[event.name]
        self.router.route(side, quantity, self.listings)
        assert self.router.last_plan is not None
        self.plans.append(self.router.last_plan)


def write_quotes(path: Path, rows: list[tuple[int, float, float, float, float]]) -> str:
    """Quotes (ts, bid, ask, bid_size, ask_size) of one listing, to a Parquet file."""
    names = ("ts", "bid", "ask", "bid_size", "ask_size")
    write_table({name: [row[k] for row in rows] for k, name in enumerate(names)}, path)
    return str(path)


def run(
    tmp_path: Path, quotes: dict[Instrument, list[Any]], trader: RoutedTrader, **kw: Any
) -> Any:
    data = [f"{i.id}={write_quotes(tmp_path / f'{i.id}.parquet', q)}" for i, q in quotes.items()]
    return run_backtest(
        trader, data, instruments=list(quotes), fees=trader.fees, latency=LATENCY, **kw
    )


def fills_of(result: Any) -> list[tuple[str, str, Decimal, Decimal, Decimal, int]]:
    return [
        (f["instrument_id"], f["side"], f["quantity"], f["price"], f["fee"], f["ts_event"])
        for f in result.fills
    ]


# ------------------------------------------------------------- one currency
BTC_A = instrument("BTCUSDT", "A")
BTC_B = instrument("BTCUSDT", "B")
S = SECOND


def test_the_router_splits_across_two_venues_and_each_venue_keeps_its_own_books(
    tmp_path: Path,
) -> None:
    quotes = {
        BTC_A: [  # cheaper, 0.4 shown
            (T0, 99.99, 100.00, 0.4, 0.4),
            (T0 + 1 * S, 99.99, 100.00, 0.4, 0.4),
            (T0 + 2 * S, 101.00, 101.01, 0.4, 0.4),
            (T0 + 3 * S, 101.00, 101.01, 0.4, 0.4),
            (T0 + 4 * S, 101.25, 101.75, 0.4, 0.4),
        ],
        BTC_B: [  # dearer, 5 shown, 3 ms away
            (T0, 99.98, 100.02, 5.0, 5.0),
            (T0 + 1 * S, 99.98, 100.02, 5.0, 5.0),
            (T0 + 2 * S, 100.99, 101.02, 5.0, 5.0),
            (T0 + 3 * S, 100.99, 101.02, 5.0, 5.0),
            (T0 + 5 * S, 101.48, 101.52, 5.0, 5.0),
        ],
    }
    trader = RoutedTrader([BTC_A, BTC_B], [(T0 + 1 * S, "BUY", "1"), (T0 + 3 * S, "SELL", "0.5")])
    result = run(tmp_path, quotes, trader)

    buy, sell = trader.plans
    # buying: A 100.00 x (1 + 2 bp) = 100.02 beats B 100.02 x (1 + 4 bp + 3 ms x 0.01 bp)
    assert [(leg.venue, leg.effective_price) for leg in buy.legs] == [
        ("A", D("100.0200")),
        ("B", D("100.06030806")),
    ]
    # selling: A 101.00 x (1 - 2 bp) = 100.9798 beats B 100.99 x (1 - 4.03 bp)
    assert [(leg.venue, leg.quantity) for leg in sell.legs] == [
        ("A", D("0.400")),
        ("B", D("0.100")),
    ]
    orders = [(o.instrument_id, o.side.value, o.quantity, o.price) for o in result.orders]
    assert orders == [
        (BTC_A.id, "BUY", D("0.400"), D("100.00")),
        (BTC_B.id, "BUY", D("0.600"), D("100.02")),
        (BTC_A.id, "SELL", D("0.400"), D("101.00")),
        (BTC_B.id, "SELL", D("0.100"), D("100.99")),
    ]
    assert {o.time_in_force for o in result.orders} == {TimeInForce.IOC}
    assert fills_of(result) == [
        (BTC_A.id, "BUY", D("0.400"), D("100.00"), D("0.0080000"), T0 + 1 * S),
        (BTC_B.id, "BUY", D("0.600"), D("100.02"), D("0.02400480"), T0 + 1 * S + 3 * MILLISECOND),
        (BTC_A.id, "SELL", D("0.400"), D("101.00"), D("0.0080800"), T0 + 3 * S),
        (BTC_B.id, "SELL", D("0.100"), D("100.99"), D("0.00403960"), T0 + 3 * S + 3 * MILLISECOND),
    ]

    p: Portfolio = result.portfolio
    assert p.positions("A")[BTC_A.id].fees == {"USDT": D("0.0160800")}
    assert p.positions("B")[BTC_B.id].fees == {"USDT": D("0.02804440")}
    a_usdt = D(100_000) - D("40.000") - D("0.008") + D("40.400") - D("0.00808")
    b_usdt = D(100_000) - D("60.012") - D("0.0240048") + D("10.099") - D("0.0040396")
    assert p.balances("A") == {"USDT": a_usdt, "BTC": D(0)}
    assert p.balances("B") == {"USDT": b_usdt, "BTC": D("0.5")}
    assert p.positions(open_only=True) == {BTC_B.id: p.position(BTC_B.id)}

    realized = D("0.4") * D("1.00") + D("0.1") * (D("100.99") - D("100.02"))
    unrealized = D("0.5") * (D("101.5") - D("100.02"))  # B's mid at the end
    fees = D("0.0160800") + D("0.02804440")
    assert p.realized_pnl_by_currency() == {"USDT": realized}
    assert p.realized_pnl_in("USDT", venue="A") == D("0.4")
    assert p.unrealized_pnl_in("USDT") == unrealized
    # B's BTC is valued at the freshest BTCUSDT mark: B's own, quoted last
    assert p.equity("USDT") == a_usdt + b_usdt + D("0.5") * D("101.5")
    assert p.equity("USDT") == D(200_000) + realized + unrealized - fees


# ----------------------------------------------------------- two currencies
ETH_A = instrument("ETHBTC", "A", tick="0.00001", lot="0.001")
ETH_B = instrument("ETHBTC", "B", tick="0.00001", lot="0.001")
BTC_USDT = instrument("BTCUSDT", "A")


def test_eth_btc_pnl_made_on_two_venues_converts_to_usdt_through_btc_usdt(tmp_path: Path) -> None:
    quotes = {
        # priced first: the equity curve values the BTC balances in USDT from the first event
        BTC_USDT: [
            (T0 - MILLISECOND, 40000.0, 40002.0, 1.0, 1.0),
            (T0 + 5 * S, 41000.0, 41002.0, 1.0, 1.0),
        ],
        ETH_A: [  # better touch, 10 bp taker
            (T0, 0.05000, 0.05001, 4.0, 4.0),
            (T0 + 1 * S, 0.05000, 0.05001, 4.0, 4.0),
            (T0 + 2 * S, 0.05100, 0.05101, 4.0, 4.0),
            (T0 + 3 * S, 0.05100, 0.05101, 4.0, 4.0),
        ],
        ETH_B: [  # worse touch, 2 bp taker, 3 ms away
            (T0, 0.04999, 0.05002, 6.0, 6.0),
            (T0 + 1 * S, 0.04999, 0.05002, 6.0, 6.0),
            (T0 + 2 * S, 0.05099, 0.05102, 6.0, 6.0),
            (T0 + 3 * S, 0.05099, 0.05102, 6.0, 6.0),
        ],
    }
    fees = {"A": FeeModel(taker_bps=D(10)), "B": FeeModel(taker_bps=D(2))}
    schedule = [(T0 + 1 * S, "BUY", "10"), (T0 + 3 * S, "SELL", "10")]
    trader = RoutedTrader([ETH_A, ETH_B], schedule, fees)
    balances = {"USDT": 100_000, "BTC": 2}
    result = run(tmp_path, quotes, trader, starting_balances=balances, base_currency="USDT")

    # B's lower fee outweighs A's better touch both ways: B fills its 6 first, A the other 4
    assert [(leg.venue, leg.quantity, leg.price) for leg in trader.plans[0].legs] == [
        ("B", D("6.000"), D("0.05002")),
        ("A", D("4.000"), D("0.05001")),
    ]
    assert [(f[0], f[1], f[2], f[3], f[4]) for f in fills_of(result)] == [
        (ETH_A.id, "BUY", D("4.000"), D("0.05001"), D("0.00020004000")),
        (ETH_B.id, "BUY", D("6.000"), D("0.05002"), D("0.0000600240000")),
        (ETH_A.id, "SELL", D("4.000"), D("0.05100"), D("0.00020400000")),
        (ETH_B.id, "SELL", D("6.000"), D("0.05099"), D("0.0000611880000")),
    ]
    p: Portfolio = result.portfolio
    realized_a = D(4) * (D("0.05100") - D("0.05001"))
    realized_b = D(6) * (D("0.05099") - D("0.05002"))
    assert p.realized_pnl_by_currency() == {"BTC": realized_a + realized_b}
    assert p.balances("A") == {
        "USDT": D(100_000),
        "BTC": D(2) - D("0.20004") - D("0.00020004") + D("0.204") - D("0.000204"),
        "ETH": D(0),
    }
    # converted at the last BTCUSDT mid, 41001
    assert p.realized_pnl_in("USDT") == (realized_a + realized_b) * D(41001)
    assert p.realized_pnl_in("USDT") == D("400.98978")
    assert p.realized_pnl_in("USDT", venue="A") == realized_a * D(41001)
    fees_btc = D("0.00020004") + D("0.000060024") + D("0.000204") + D("0.000061188")
    assert p.fees_in("USDT") == fees_btc * D(41001)
    assert p.equity("USDT") == D(200_000) + (D(4) + realized_a + realized_b - fees_btc) * 41001
    snapshot = p.snapshot()
    assert snapshot["converted"]["realized_pnl"] == "400.98978"
    assert snapshot["pnl"]["realized"] == {"BTC": "0.00978"}
