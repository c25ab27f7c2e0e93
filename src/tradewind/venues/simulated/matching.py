"""Matching for the simulated venue: market, limit and stop orders against quotes, trades, bars."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradewind.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradewind.model.events import Fill, OrderCanceled, OrderTriggered
from tradewind.model.identifiers import ClientOrderId
from tradewind.venues.simulated.book import ZERO, Book, Working, available, consume, dec
from tradewind.venues.simulated.fees import FeeModel

_MAKER = LiquiditySide.MAKER
_TAKER = LiquiditySide.TAKER
_FILLED = OrderStatus.FILLED
_CANCELED = OrderStatus.CANCELED


class Matcher:
    """How working orders meet the market (mixed into ``SimulatedVenue``, which sets these)."""

    fees: FeeModel
    bar_fill: str
    venue: str
    _emit: Callable[[object], None]
    _orders: dict[ClientOrderId, Working]
    _trade_seq: int
    _id_prefix: str
    _remove: Callable[[Working, OrderStatus], None]

    def _take(self, book: Book, w: Working, now: int, *, waiting_ok: bool) -> None:
        """Take liquidity for a market (or marketable) order from the freshest data."""
        quote = book.quote
        if quote is not None:
            price = dec(quote.ask if w.buy else quote.bid)
            size = available(book, quote, w.buy)
            if w.type is not OrderType.MARKET and w.price is not None:
                limit_ok = price <= w.price if w.buy else price >= w.price
                if not limit_ok:
                    return
            if w.tif is TimeInForce.FOK and size < w.remaining:
                self._remove(w, _CANCELED)
                self._emit(OrderCanceled(w.coid, "FOK: not enough size at the touch", now, now))
                return
            qty = min(w.remaining, size)
            if qty > 0:
                consume(book, w.buy, qty)
                self._fill(book, w, qty, price, _TAKER, now)
            if w.remaining and w.coid in self._orders:
                if w.tif is TimeInForce.IOC:
                    self._remove(w, _CANCELED)
                    self._emit(OrderCanceled(w.coid, "IOC: remainder canceled", now, now))
                elif w not in book.waiting and waiting_ok:
                    book.waiting.append(w)
            return
        if self.bar_fill == "close" and book.bar is not None and book.trade is None:
            self._fill(book, w, w.remaining, dec(book.bar.close), _TAKER, now)
            return
        if w.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._remove(w, _CANCELED)
            self._emit(OrderCanceled(w.coid, f"{w.tif.value}: no liquidity to take", now, now))
            return
        if w not in book.waiting:
            book.waiting.append(w)  # trades or bars: fill on the next print or bar open

    def _marketable(self, book: Book, w: Working) -> bool:
        price = w.price
        assert price is not None
        if book.quote is not None:
            return price >= dec(book.quote.ask) if w.buy else price <= dec(book.quote.bid)
        return False

    def _on_new_limit(self, book: Book, w: Working, now: int) -> None:
        if self._marketable(book, w):
            self._take(book, w, now, waiting_ok=False)
            if w.remaining and w.coid in self._orders:
                book.working.append(w)
            return
        if w.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._remove(w, _CANCELED)
            self._emit(OrderCanceled(w.coid, f"{w.tif.value}: limit not marketable", now, now))
            return
        book.working.append(w)

    def _stop_hit(self, book: Book, w: Working) -> bool:
        trigger = w.trigger
        assert trigger is not None
        if book.quote is not None:
            return dec(book.quote.ask) >= trigger if w.buy else dec(book.quote.bid) <= trigger
        return False

    def _trigger(self, book: Book, w: Working, now: int, *, initial: bool = False) -> None:
        w.triggered = True
        if w in book.working:
            book.working.remove(w)
        self._emit(OrderTriggered(w.coid, now, now))
        if w.type is OrderType.STOP_MARKET:
            w.type = OrderType.MARKET
            self._take(book, w, now, waiting_ok=True)
        else:
            w.type = OrderType.LIMIT
            self._on_new_limit(book, w, now)

    def _match_working(self, book: Book, now: int) -> None:
        quote, bar = book.quote, book.bar
        trade = book.trade
        for w in list(book.working):
            if w.coid not in self._orders:
                continue
            if w.type is OrderType.LIMIT:
                self._match_limit(book, w, now)
                continue
            trigger = w.trigger
            assert trigger is not None
            if bar is not None and bar.ts_init == now and quote is None:
                hit = dec(bar.high) >= trigger if w.buy else dec(bar.low) <= trigger
                if hit:
                    open_ = dec(bar.open)
                    gap = open_ >= trigger if w.buy else open_ <= trigger
                    fill_at = open_ if gap else trigger
                    w.triggered = True
                    book.working.remove(w)
                    self._emit(OrderTriggered(w.coid, now, now))
                    if w.type is OrderType.STOP_MARKET:
                        w.type = OrderType.MARKET
                        self._fill(book, w, w.remaining, fill_at, _TAKER, now)
                    else:
                        w.type = OrderType.LIMIT
                        limit = w.price
                        assert limit is not None
                        if (fill_at <= limit) if w.buy else (fill_at >= limit):
                            self._fill(book, w, w.remaining, fill_at, _TAKER, now)
                        else:
                            book.working.append(w)  # rests from the next bar on
            elif trade is not None and trade.ts_init == now and quote is None:
                price = dec(trade.price)
                if (price >= trigger) if w.buy else (price <= trigger):
                    self._trigger(book, w, now)
            elif self._stop_hit(book, w):
                self._trigger(book, w, now)

    def _match_limit(self, book: Book, w: Working, now: int) -> None:
        price = w.price
        assert price is not None
        quote, trade, bar = book.quote, book.trade, book.bar
        if quote is not None and quote.ts_init == now:
            through = dec(quote.ask) <= price if w.buy else dec(quote.bid) >= price
            if through:
                qty = min(w.remaining, available(book, quote, w.buy))
                if qty > 0:
                    consume(book, w.buy, qty)
                    self._fill(book, w, qty, price, _MAKER, now)
        elif trade is not None and trade.ts_init == now:
            tp = dec(trade.price)
            if (tp < price) if w.buy else (tp > price):
                self._fill(book, w, min(w.remaining, dec(trade.size)), price, _MAKER, now)
        elif bar is not None and bar.ts_init == now:
            open_ = dec(bar.open)
            if (open_ <= price) if w.buy else (open_ >= price):
                self._fill(book, w, w.remaining, open_, _TAKER, now)
            elif (dec(bar.low) < price) if w.buy else (dec(bar.high) > price):
                self._fill(book, w, w.remaining, price, _MAKER, now)

    def _fill(
        self, book: Book, w: Working, qty: Decimal, price: Decimal, liq: LiquiditySide, now: int
    ) -> None:
        if w.reduce_only:
            room = abs(book.position) if (book.position > 0) != w.buy else ZERO
            qty = min(qty, room)
        if qty <= 0:
            if w.reduce_only:
                self._remove(w, _CANCELED)
                self._emit(OrderCanceled(w.coid, "reduce-only: position already closed", now, now))
            return
        instrument = book.instrument
        fee = self.fees.fee(qty * price * instrument.multiplier, liq)
        self._trade_seq += 1
        w.filled += qty
        book.position += qty if w.buy else -qty
        fill = Fill(
            w.coid,
            w.vid,
            f"{self._id_prefix}-T{self._trade_seq}",
            w.iid,
            OrderSide.BUY if w.buy else OrderSide.SELL,
            qty,
            price,
            fee,
            instrument.settlement,
            liq,
            now,
            now,
        )
        if w.first_fill is None:  # (Working.add_fill, inlined: once per fill)
            w.first_fill = fill
        else:
            w.add_fill(fill)
        self._emit(fill)
        if not w.remaining:
            self._remove(w, _FILLED)
        elif w.reduce_only and not book.position:
            self._remove(w, _CANCELED)
            self._emit(OrderCanceled(w.coid, "reduce-only: position closed", now, now))
