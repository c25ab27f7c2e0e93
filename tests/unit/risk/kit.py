"""Shared set-up of the risk tests: a harness with a RiskEngine and a strategy that records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from tradewind.model import Instrument, Order, OrderStatus
from tradewind.model.events import OrderDenied
from tradewind.risk import RiskConfig, RiskEngine
from tradewind.testing import T0, EngineHarness, ScriptedStrategy, instrument, quote
from tradewind.venues.simulated import FeeModel, LatencyModel

BTC = instrument("BTCUSDT")
ETH = instrument("ETHUSDT")


class Trader(ScriptedStrategy):
    """A scripted strategy that also records ``on_trading_disabled``."""

    def __init__(self, instruments: Sequence[str] = (BTC.id,), strategy_id: str = "s") -> None:
        super().__init__([], instruments, strategy_id=strategy_id)
        self.disabled: list[tuple[str, str, int]] = []

    def on_trading_disabled(self, state: str, reason: str) -> None:
        self.disabled.append((state, reason, self.now_ns))

    def denials(self) -> list[OrderDenied]:
        """The denials this strategy's ``on_order`` received, in order."""
        return [c.event for c in self.of("order") if isinstance(c.event, OrderDenied)]


class Desk:
    """A harness, its RiskEngine and strategies, started at T0 with a first quote."""

    def __init__(
        self,
        config: RiskConfig,
        *,
        instruments: Iterable[Instrument] = (BTC,),
        strategies: Sequence[str] = ("s",),
        taker_bps: str = "0",
        latency: LatencyModel | None = None,
        first_quote: bool = True,
    ) -> None:
        listed = list(instruments)
        self.h = EngineHarness(
            listed,
            fees=FeeModel(taker_bps=Decimal(taker_bps)),
            latency=latency,
            start_ns=T0,
        )
        ids = [i.id for i in listed]
        self.traders = {sid: self.h.add_strategy(Trader(ids, sid)) for sid in strategies}
        self.risk = RiskEngine(self.h.engine, config)
        self.h.start()
        self.now = T0
        if first_quote:
            self.quote(100.0, 100.1)

    @property
    def s(self) -> Trader:
        """The first strategy."""
        return next(iter(self.traders.values()))

    def quote(self, bid: float, ask: float, *, at: int | None = None, iid: str = BTC.id) -> None:
        """Feed a quote at ``at`` (default: one nanosecond after the last event)."""
        self.now = self.now + 1 if at is None else at
        self.h.feed(quote(iid, bid, ask, self.now))

    def position(self, strategy_id: str = "s", iid: str = BTC.id) -> object:
        """A strategy's quantity in an instrument."""
        return self.traders[strategy_id].position(iid).quantity


def assert_denied(desk: Desk, order: Order, code: str, strategy_id: str = "s") -> None:
    """The order was denied with ``code``, ``on_order`` got that denial, the venue never saw it."""
    assert order.status is OrderStatus.DENIED, order
    assert order.reason == code
    trader = desk.traders[strategy_id]
    mine = [d for d in trader.denials() if d.client_order_id == order.client_order_id]
    assert [d.reason for d in mine] == [code]
    about = [
        e for e in desk.h.reports() if getattr(e, "client_order_id", None) == order.client_order_id
    ]
    assert about == mine, "only the denial may mention the order: it never left"
    assert order.client_order_id not in desk.h.venue.open_orders()
