"""Conversion rates between assets from the latest marks of spot pairs, with one hop at most."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradewind.engine.cache import Cache
from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId

_ZERO = Decimal(0)
_ONE = Decimal(1)

Link = tuple[InstrumentId, bool]
"""A spot instrument linking two assets, and whether its mark must be inverted (1 / mark)."""


class Rates:
    """Values one asset in another at the latest marks of the spot instruments in the cache.

    A rate comes from a spot pair quoting the two assets, either way round (``BTCUSDT`` gives
    BTC -> USDT at its mark and USDT -> BTC at 1 / mark), or, when no pair links them, through
    one intermediate currency (ETH -> BTC -> USDT with ``ETHBTC`` and ``BTCUSDT``). Only spot
    pairs count: a contract's mark carries basis and a multiplier, not an exchange rate.

    Choices are deterministic: when several instruments quote a pair (``BTCUSDT.A`` and
    ``BTCUSDT.B``) the one with the freshest market data (``ts_init``) gives the rate, ties
    going to the lower instrument id; when several intermediates connect, the first by name
    is used. The mark is the cache's (quote mid, else last trade, else bar close) read as the
    decimal it prints as; everything after that is exact (1 / mark is a Fraction when it does
    not terminate).
    """

    __slots__ = ("_cache", "_indexed", "_links")

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._indexed = -1
        self._links: dict[str, dict[str, list[Link]]] = {}

    def rate(self, asset: str, currency: str) -> Exact | None:
        """How much ``currency`` one unit of ``asset`` is worth now, or None when unknown."""
        if asset == currency:
            return _ONE
        direct = self._direct(asset, currency)
        if direct is not None:
            return direct
        for middle in sorted(self._index().get(asset, {})):
            if middle == currency:
                continue
            first = self._direct(asset, middle)
            if first is None:
                continue
            second = self._direct(middle, currency)
            if second is not None:
                return exact.mul(first, second)
        return None

    def require(self, asset: str, currency: str) -> Exact:
        """The rate, or a ConfigError naming the missing rate and how to supply it."""
        rate = self.rate(asset, currency)
        if rate is None:
            raise ConfigError(self._missing(asset, currency))
        return rate

    def convert(self, amounts: Mapping[str, Exact], currency: str) -> Exact:
        """The sum of ``amounts`` (asset -> amount) valued in ``currency``; zero needs no rate."""
        total: Exact = _ZERO
        for asset, amount in amounts.items():
            if amount:
                total = exact.add(total, exact.mul(amount, self.require(asset, currency)))
        return total

    # ------------------------------------------------------------- internals
    def _index(self) -> dict[str, dict[str, list[Link]]]:
        """asset -> other asset -> the spot instruments linking them.

        Rebuilt when the number of instruments changes: instruments are only ever added, and
        an id (``SYMBOL.VENUE``) never changes its pair when its definition is refreshed.
        """
        instruments = self._cache.instruments
        if len(instruments) != self._indexed:
            links: dict[str, dict[str, list[Link]]] = {}
            for inst in instruments.values():
                if inst.is_spot and inst.base != inst.quote:
                    links.setdefault(inst.base, {}).setdefault(inst.quote, []).append(
                        (inst.id, False)
                    )
                    links.setdefault(inst.quote, {}).setdefault(inst.base, []).append(
                        (inst.id, True)
                    )
            self._links = links
            self._indexed = len(instruments)
        return self._links

    def _direct(self, asset: str, currency: str) -> Exact | None:
        """The rate from the freshest priced pair linking the two assets directly."""
        best: tuple[int, InstrumentId, Decimal, bool] | None = None
        for iid, inverse in self._index().get(asset, {}).get(currency, ()):
            seen = self._mark(iid)
            if seen is None:
                continue
            ts, mark = seen
            if best is None or ts > best[0] or (ts == best[0] and iid < best[1]):
                best = (ts, iid, mark, inverse)
        if best is None:
            return None
        _, _, mark, inverse = best
        return exact.scale(_ONE, _ONE, mark) if inverse else mark

    def _mark(self, iid: InstrumentId) -> tuple[int, Decimal] | None:
        """(time of the data, mark) for a usable (positive) mark, in Cache.mark_price's order."""
        cache = self._cache
        mark = cache.mark_price(iid)
        if mark is None or not mark > 0:
            return None
        quote = cache.quotes.get(iid)
        if quote is not None:
            return quote.ts_init, Decimal(repr(mark))
        trade = cache.trades.get(iid)
        if trade is not None:
            return trade.ts_init, Decimal(repr(mark))
        bar = cache.bars.get(iid)
        return (0 if bar is None else bar.ts_init), Decimal(repr(mark))

    def _missing(self, asset: str, currency: str) -> str:
        unpriced = sorted(
            iid
            for iid, _ in self._index().get(asset, {}).get(currency, ())
            if self._mark(iid) is None
        )
        why = f" (no price seen yet for {', '.join(unpriced)})" if unpriced else ""
        return (
            f"cannot value {asset} in {currency}: missing rate {asset}/{currency}{why}; no priced "
            f"spot pair links them directly or through one intermediate currency. Add an "
            f"instrument quoting {asset} in {currency} (or both against a common currency) with "
            "its market data, or choose another currency"
        )
