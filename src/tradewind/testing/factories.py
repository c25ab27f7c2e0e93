"""Event and instrument factories: one short call per quote, trade, bar, fill or instrument."""

from __future__ import annotations

from typing import Any

from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.enums import LiquiditySide, OrderSide
from tradewind.model.events import Fill
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.instrument import Instrument, Number, split_pair, to_decimal

SECOND = 1_000_000_000
"""One second in nanoseconds."""

MILLISECOND = 1_000_000
"""One millisecond in nanoseconds."""

T0 = 1_704_067_200 * SECOND
"""2024-01-01T00:00:00Z: a convenient first timestamp for synthetic data."""

InstrumentLike = Instrument | InstrumentId | str
"""An instrument, or its ``SYMBOL.VENUE`` id."""


def _iid(value: InstrumentLike) -> InstrumentId:
    return value.id if isinstance(value, Instrument) else InstrumentId(value)


def instrument(
    symbol: str = "BTCUSDT",
    venue: str = "SIM",
    tick: Number = "0.01",
    lot: Number = "0.001",
    **kw: Any,
) -> Instrument:
    """An instrument on a real grid; base and quote come off the symbol unless given in ``kw``.

    Any other ``Instrument`` field (``min_quantity``, ``min_notional``, ``multiplier``,
    ``asset_class``, ``settlement``) can be passed as a keyword.
    """
    base = kw.pop("base", None)
    quote_ccy = kw.pop("quote", None)
    if base is None or quote_ccy is None:
        split_base, split_quote = split_pair(symbol)
        base = split_base if base is None else base
        quote_ccy = split_quote if quote_ccy is None else quote_ccy
    return Instrument(
        symbol=symbol,
        venue=venue,
        base=str(base),
        quote=str(quote_ccy),
        tick_size=to_decimal(tick, "tick"),
        lot_size=to_decimal(lot, "lot"),
        **kw,
    )


def quote(
    iid: InstrumentLike,
    bid: float,
    ask: float,
    ts: int,
    bid_size: float = 10.0,
    ask_size: float = 10.0,
    *,
    ts_event: int | None = None,
) -> QuoteTick:
    """A top-of-book quote received at ``ts`` (venue time ``ts_event``, default the same)."""
    return QuoteTick(
        _iid(iid),
        float(bid),
        float(ask),
        float(bid_size),
        float(ask_size),
        ts if ts_event is None else ts_event,
        ts,
    )


def trade(
    iid: InstrumentLike,
    price: float,
    ts: int,
    size: float = 1.0,
    aggressor: str = "",
    trade_id: str = "",
    *,
    ts_event: int | None = None,
) -> TradeTick:
    """A print on the tape received at ``ts``."""
    return TradeTick(
        _iid(iid),
        float(price),
        float(size),
        aggressor,
        trade_id,
        ts if ts_event is None else ts_event,
        ts,
    )


def bar(
    iid: InstrumentLike,
    open: float,
    high: float,
    low: float,
    close: float,
    ts: int,
    volume: float = 100.0,
    interval_ns: int = 60 * SECOND,
) -> Bar:
    """An OHLCV bar that closes (and is delivered) at ``ts``."""
    return Bar(
        _iid(iid),
        float(open),
        float(high),
        float(low),
        float(close),
        float(volume),
        interval_ns,
        ts,
        ts,
    )


def fill(
    iid: InstrumentLike,
    side: OrderSide | str,
    quantity: Number,
    price: Number,
    *,
    fee: Number = "0",
    fee_currency: str = "USDT",
    liquidity: LiquiditySide = LiquiditySide.TAKER,
    ts: int = 0,
    client_order_id: str = "O-000001",
    trade_id: str = "T-1",
) -> Fill:
    """A venue fill report, with exact Decimal quantity, price and fee."""
    return Fill(
        ClientOrderId(client_order_id),
        "V-1",
        trade_id,
        _iid(iid),
        OrderSide(str(side).upper()),
        to_decimal(quantity, "quantity"),
        to_decimal(price, "price"),
        to_decimal(fee, "fee"),
        fee_currency,
        liquidity,
        ts,
        ts,
    )
