"""A scripted venue for execution tests: records every request, says only what a test tells it."""

from __future__ import annotations

from decimal import Decimal

from tradewind.engine import Engine, HistoricalClock
from tradewind.engine.protocols import EventSink, VenueCapabilities
from tradewind.model import ClientOrderId, Fill, LiquiditySide, Order
from tradewind.model.contingency import OrderGroup
from tradewind.testing import T0, RecordingStrategy, instrument

REMOTE = instrument("BTCUSDT", venue="REMOTE")


class ScriptedVenue:
    """Behind the ExecutionClient protocol; answers nothing on its own."""

    venue = "REMOTE"

    def __init__(self, capabilities: VenueCapabilities | None = None) -> None:
        self.capabilities = capabilities or VenueCapabilities(modify=True)
        self.submitted: list[ClientOrderId] = []
        self.canceled: list[ClientOrderId] = []
        self.modified: list[tuple[ClientOrderId, Decimal, Decimal | None, Decimal | None]] = []
        self.queried: list[ClientOrderId] = []
        self.groups: list[OrderGroup] = []
        self._emit: EventSink | None = None

    def connect(self, emit: EventSink) -> None:
        self._emit = emit

    def submit(self, order: Order) -> None:
        self.submitted.append(order.client_order_id)

    def cancel(self, order: Order) -> None:
        self.canceled.append(order.client_order_id)

    def modify(
        self,
        order: Order,
        *,
        quantity: Decimal,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> None:
        self.modified.append((order.client_order_id, quantity, price, trigger_price))

    def query_order(self, client_order_id: ClientOrderId) -> None:
        self.queried.append(client_order_id)

    def submit_group(self, group: OrderGroup) -> None:
        self.groups.append(group)


class AuditLog:
    """Keeps every audited event."""

    wants_market_data = False

    def __init__(self) -> None:
        self.events: list[object] = []

    def __call__(self, event: object) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[object]:
        return [e for e in self.events if isinstance(e, kind)]


def scripted_engine(
    capabilities: VenueCapabilities | None = None,
) -> tuple[Engine, ScriptedVenue, RecordingStrategy, AuditLog]:
    """An engine on a scripted venue, with a started strategy that records what it hears."""
    audit = AuditLog()
    engine = Engine(HistoricalClock(T0), audit=audit)
    venue = ScriptedVenue(capabilities)
    engine.add_venue(venue)
    engine.add_instrument(REMOTE)
    strategy = RecordingStrategy(kinds=(), strategy_id="s")
    engine.add_strategy(strategy)
    engine.start()
    return engine, venue, strategy, audit


def fill_of(order: Order, quantity: str, trade_id: str, price: str = "100.00") -> Fill:
    """A venue fill of ``order``."""
    return Fill(
        order.client_order_id,
        "V-1",
        trade_id,
        order.instrument_id,
        order.side,
        Decimal(quantity),
        Decimal(price),
        Decimal(0),
        "USDT",
        LiquiditySide.TAKER,
        T0,
        T0,
    )
