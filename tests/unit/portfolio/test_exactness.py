"""T6: the portfolio against a Fraction-only oracle, exactly, after every one of 100k+ fills.

Fills are built as ``tradewind.model.events.Fill`` and booked with ``Portfolio.on_fill``
directly. The oracle below is written independently of ``Position``: plain average-cost
accounting in ``fractions.Fraction``. Every balance, position quantity, cost basis,
realized PnL, unrealized PnL at a mark and fee total is compared with ``==`` (no tolerance).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.engine import Cache
from tradewind.model import AssetClass, Fill, Instrument, LiquiditySide, OrderSide
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.portfolio import Portfolio
from tradewind.testing import instrument
from tradewind.venues.simulated import FeeModel

SPOT = instrument("BTCUSDT", tick="0.01", lot="0.001")
PERP = instrument(
    "BTCUSD-PERP",
    tick="0.5",
    lot="1",
    base="BTC",
    quote="USD",
    multiplier="10",
    asset_class=AssetClass.PERPETUAL,
)
FINE = instrument("BTC-USDC", tick="0.01", lot="0.00000001")  # an 8 dp lot, like Coinbase's
INSTRUMENTS = (SPOT, PERP, FINE)
START = {"USDT": Decimal(1_000_000), "USD": Decimal(250_000), "USDC": Decimal(500_000)}
STRATEGIES = ("alpha", "beta")
BNB_PRICE = Decimal("312.5")

FILLS_PER_SEED = 25_000
SEEDS = (1, 2, 3, 4)  # 4 x 25,000 = 100,000 fills


# ---------------------------------------------------------------- the oracle
@dataclass
class OraclePosition:
    """Average-cost position in Fractions, written from the definition."""

    multiplier: Fraction
    qty: Fraction = Fraction(0)
    cost: Fraction = Fraction(0)  # signed: qty x average entry
    realized: Fraction = Fraction(0)
    fees: dict[str, Fraction] = field(default_factory=dict)

    def book(self, signed_qty: Fraction, price: Fraction) -> Fraction:
        """Apply a fill; return the PnL it realized."""
        if self.qty == 0 or (self.qty > 0) == (signed_qty > 0):
            self.qty += signed_qty
            self.cost += signed_qty * price
            return Fraction(0)
        average = self.cost / self.qty
        closed = min(abs(signed_qty), abs(self.qty))
        direction = 1 if self.qty > 0 else -1
        pnl = closed * (price - average) * direction * self.multiplier
        self.realized += pnl
        new_qty = self.qty + signed_qty
        if new_qty == 0:
            self.cost = Fraction(0)
        elif (new_qty > 0) == (self.qty > 0):
            self.cost = average * new_qty  # what is left keeps the old average
        else:
            self.cost = new_qty * price  # reversed through flat: a new position at this price
        self.qty = new_qty
        return pnl

    def unrealized(self, mark: Fraction) -> Fraction:
        return (self.qty * mark - self.cost) * self.multiplier


@dataclass
class Oracle:
    """The whole account: balances, net and per-strategy positions, fees."""

    balances: dict[str, Fraction] = field(
        default_factory=lambda: {k: Fraction(v) for k, v in START.items()}
    )
    positions: dict[InstrumentId, OraclePosition] = field(default_factory=dict)
    own: dict[tuple[str, InstrumentId], OraclePosition] = field(default_factory=dict)
    fees: dict[str, Fraction] = field(default_factory=dict)

    def book(self, fill: Fill, strategy: str, inst: Instrument) -> None:
        mult = Fraction(inst.multiplier)
        q = Fraction(fill.quantity) * (1 if fill.side is OrderSide.BUY else -1)
        p = Fraction(fill.price)
        net = self.positions.setdefault(inst.id, OraclePosition(mult))
        pnl = net.book(q, p)
        self.own.setdefault((strategy, inst.id), OraclePosition(mult)).book(q, p)
        if inst.asset_class is AssetClass.SPOT:
            self.balances[inst.base] = self.balances.get(inst.base, Fraction(0)) + q
            self.balances[inst.quote] = self.balances.get(inst.quote, Fraction(0)) - q * p * mult
        else:
            ccy = inst.settlement
            self.balances[ccy] = self.balances.get(ccy, Fraction(0)) + pnl
        fee = Fraction(fill.fee)
        if fee:
            ccy = fill.fee_currency
            self.balances[ccy] = self.balances.get(ccy, Fraction(0)) - fee
            self.fees[ccy] = self.fees.get(ccy, Fraction(0)) + fee
            net.fees[ccy] = net.fees.get(ccy, Fraction(0)) + fee


def new_portfolio() -> Portfolio:
    cache = Cache()
    for inst in INSTRUMENTS:
        cache.instruments[inst.id] = inst
    return Portfolio(cache, base_currency="USDT", starting_balances={"SIM": dict(START)})


def check(
    portfolio: Portfolio, oracle: Oracle, step: int, mark: dict[InstrumentId, Decimal]
) -> None:
    """Every booked amount equals the oracle's, exactly."""
    where = f"after fill #{step}"
    booked = {a: Fraction(v) for a, v in portfolio.balances["SIM"].items() if v}
    expected = {a: v for a, v in oracle.balances.items() if v}
    assert booked == expected, f"balances differ {where}"
    for iid, want in oracle.positions.items():
        got = portfolio.positions[iid]
        assert Fraction(got.quantity) == want.qty, f"{iid} quantity {where}"
        assert Fraction(got.cost) == want.cost, f"{iid} cost basis {where}"
        assert Fraction(got.realized_pnl) == want.realized, f"{iid} realized PnL {where}"
        assert {c: Fraction(v) for c, v in got.fees.items()} == want.fees, f"{iid} fees {where}"
        m = mark[iid]
        assert Fraction(got.unrealized_pnl(m)) == want.unrealized(Fraction(m)), (
            f"{iid} uPnL {where}"
        )
    for (sid, iid), want in oracle.own.items():
        got = portfolio.position(iid, sid)
        assert Fraction(got.quantity) == want.qty, f"{sid} {iid} quantity {where}"
        assert Fraction(got.cost) == want.cost, f"{sid} {iid} cost basis {where}"
        assert Fraction(got.realized_pnl) == want.realized, f"{sid} {iid} realized {where}"
    assert {c: Fraction(v) for c, v in portfolio.fees.items()} == oracle.fees, f"fees {where}"
    total = sum((p.realized for p in oracle.positions.values()), Fraction(0))
    assert Fraction(portfolio.realized_pnl()) == total, f"total realized PnL {where}"


# ------------------------------------------------------------ random fills
@dataclass(frozen=True)
class Step:
    """One random fill, described on the instrument's grid."""

    inst: Instrument
    side: OrderSide
    lots: int
    ticks: int
    bps: Decimal
    maker: bool
    fee_asset: str  # "quote", "base" or "BNB"
    strategy: str


def make_fill(step: Step, k: int) -> Fill:
    inst = step.inst
    qty = step.lots * inst.lot_size
    price = step.ticks * inst.tick_size
    liquidity = LiquiditySide.MAKER if step.maker else LiquiditySide.TAKER
    model = FeeModel(maker_bps=step.bps, taker_bps=step.bps)
    notional = qty * price * inst.multiplier
    if step.fee_asset == "base" and inst.is_spot:
        ccy, fee = inst.base, model.fee(qty, liquidity)
    elif step.fee_asset == "BNB":
        ccy, fee = "BNB", (model.fee(notional, liquidity) / BNB_PRICE).quantize(Decimal("1e-8"))
    else:
        ccy, fee = inst.settlement, model.fee(notional, liquidity)
    return Fill(
        ClientOrderId(f"O-{k}"),
        f"V-{k}",
        f"T-{k}",
        inst.id,
        step.side,
        qty,
        price,
        fee,
        ccy,
        liquidity,
        k,
        k,
    )


def random_steps(seed: int, n: int) -> Iterable[Step]:
    """Sides and sizes chosen against the current position: opens, adds, partial and full
    closes, and reversals through flat; prices walk on the tick grid; fees random in bps."""
    rng = random.Random(seed)
    held = {i.id: 0 for i in INSTRUMENTS}  # signed lots
    ticks = {SPOT.id: 4_000_000, PERP.id: 80_000, FINE.id: 4_000_000}  # all at 40,000
    max_lots = {SPOT.id: 5_000, PERP.id: 400, FINE.id: 500_000_000}
    for _ in range(n):
        pick = rng.random()
        inst = SPOT if pick < 0.45 else PERP if pick < 0.75 else FINE
        iid = inst.id
        ticks[iid] = max(1, ticks[iid] + rng.randint(-40, 40))
        pos = held[iid]
        roll = rng.random()
        if rng.random() < 0.3:  # round sizes: 2^a x 5^b lots, as people and scalers trade
            size = min(2 ** rng.randint(0, 24) * 5 ** rng.randint(0, 2), max_lots[iid])
        else:
            size = max(1, int(math.exp(rng.uniform(0.0, math.log(max_lots[iid])))))
        closing = OrderSide.SELL if pos > 0 else OrderSide.BUY
        if pos and roll < 0.1 and abs(pos) % 2 == 0:  # close half
            lots, side = abs(pos) // 2, closing
        elif pos and roll < 0.25:  # partial close
            lots, side = rng.randint(1, abs(pos)), closing
        elif pos and roll < 0.35:  # exactly flat
            lots, side = abs(pos), closing
        elif pos and roll < 0.5:  # through flat into the other side
            lots, side = abs(pos) + size, closing
        else:
            lots, side = size, rng.choice((OrderSide.BUY, OrderSide.SELL))
        held[iid] += lots if side is OrderSide.BUY else -lots
        yield Step(
            inst=inst,
            side=side,
            lots=lots,
            ticks=ticks[iid],
            bps=Decimal(rng.randint(-300, 1500)) / 100,
            maker=rng.random() < 0.5,
            fee_asset=rng.choice(("quote", "quote", "base", "BNB")),
            strategy=rng.choice(STRATEGIES),
        )


def replay(steps: Iterable[Step]) -> int:
    portfolio, oracle = new_portfolio(), Oracle()
    mark: dict[InstrumentId, Decimal] = {}
    n = 0
    for n, step in enumerate(steps, 1):
        fill = make_fill(step, n)
        portfolio.on_fill(fill, step.strategy)
        oracle.book(fill, step.strategy, step.inst)
        mark[step.inst.id] = fill.price + 3 * step.inst.tick_size
        check(portfolio, oracle, n, mark)
    assert portfolio.fills == n
    return n


def top_up_steps(seed: int, n: int) -> Iterable[Step]:
    """Adds that top a position up to a power-of-two number of lots, then partial closes.

    Average cost then divides by 2^k: the average entry is a terminating decimal with k more
    places, and the cost left after a partial close can need far more than 28 digits.
    """
    rng = random.Random(seed)
    held = 0
    ticks = 4_000_000
    for _ in range(n):
        ticks += rng.randint(-40, 40)
        if held <= 0:
            lots, side = rng.randint(1, 50) - held, OrderSide.BUY
        elif held.bit_length() <= 28 and rng.random() < 0.5:
            target = 2 ** rng.randint(max(held.bit_length(), 10), 28)
            lots, side = target - held, OrderSide.BUY
        else:
            lots, side = rng.randint(1, held - 1) if held > 1 else 1, OrderSide.SELL
        held += lots if side is OrderSide.BUY else -lots
        yield Step(FINE, side, lots, ticks, Decimal("2.5"), False, "quote", "alpha")


@pytest.mark.parametrize("seed", SEEDS)
def test_a_hundred_thousand_random_fills_balance_exactly_against_a_fraction_oracle(
    seed: int,
) -> None:
    assert replay(random_steps(seed, FILLS_PER_SEED)) == FILLS_PER_SEED


@pytest.mark.parametrize("seed", SEEDS)
def test_topping_up_to_power_of_two_lot_totals_balances_exactly_against_a_fraction_oracle(
    seed: int,
) -> None:
    assert replay(top_up_steps(seed, 400)) == 400


step_strategy = st.builds(
    Step,
    inst=st.sampled_from(INSTRUMENTS),
    side=st.sampled_from(OrderSide),
    lots=st.integers(min_value=1, max_value=2_000),
    ticks=st.integers(min_value=1, max_value=10_000_000),
    bps=st.decimals(min_value=Decimal("-3"), max_value=Decimal("15"), places=2),
    maker=st.booleans(),
    fee_asset=st.sampled_from(("quote", "base", "BNB")),
    strategy=st.sampled_from(STRATEGIES),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step_strategy, min_size=1, max_size=40))
def test_any_short_fill_sequence_balances_exactly_against_a_fraction_oracle(
    steps: list[Step],
) -> None:
    replay(steps)
