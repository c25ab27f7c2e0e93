"""Replay streams: market-data files turned into batches of events, merged by timestamp."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

from tradewind.errors import DataError
from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.model.identifiers import InstrumentId


@dataclass(frozen=True, slots=True)
class DataSpec:
    """One data file to replay: its path, and the symbol and kind when the file doesn't say.

    ``bar_ts`` says whether a bar file's timestamps are bar open times (the default, as most
    vendors write them) or close times; bars are always delivered at their close.
    """

    path: Path
    symbol: str | None = None
    kind: str | None = None
    bar_ts: str = "open"
    bar_interval_ns: int | None = None

    @classmethod
    def parse(cls, text: str | Path) -> DataSpec:
        """``PATH`` or ``SYMBOL=PATH``."""
        raw = str(text)
        if "=" in raw and not Path(raw).exists():
            symbol, _, path = raw.partition("=")
            if not symbol or not path:
                raise DataError(f"--data {raw!r}: write PATH or SYMBOL=PATH")
            return cls(Path(path), symbol=symbol)
        return cls(Path(raw))


Resolver = Callable[[str], InstrumentId]
"""Turns a symbol from a file into the id of a known instrument (or raises)."""


class EventBatches:
    """Iterate one file's events, a list per batch (lists keep the hot loop tight)."""

    def __init__(self, spec: DataSpec, resolve: Resolver, batch_rows: int = 65_536) -> None:
        from tradewind.data.readers import open_data

        if spec.bar_ts not in ("open", "close"):
            raise DataError(f"bar_ts {spec.bar_ts!r}: use 'open' or 'close'")
        self.spec = spec
        self.file = open_data(spec.path, spec.kind)
        self.kind = self.file.kind
        self._resolve = resolve
        self._batch_rows = batch_rows
        self.rows_done = 0
        self.bytes_done = 0
        self.symbols: set[str] = set()

    @property
    def total(self) -> tuple[int | None, int]:
        """(rows if known, bytes) of the file, for progress."""
        return self.file.rows, self.file.size_bytes

    def __iter__(self) -> Iterator[list[Any]]:
        build = {"quotes": self._quotes, "trades": self._trades, "bars": self._bars}[self.kind]
        interval = self.spec.bar_interval_ns
        for batch in self.file.batches(self._batch_rows):
            cols = batch.columns
            ids = self._ids(cols, len(batch), batch.first_line)
            if self.kind == "bars" and interval is None:
                interval = _bar_interval(cols["ts"], cols.get("symbol"), self.spec.path)
            events = build(cols, ids, interval or 0)
            self.rows_done += len(batch)
            self.bytes_done = batch.bytes_read
            yield events

    def _ids(self, cols: dict[str, list[Any]], n: int, first_line: int) -> Any:
        symbols = cols.get("symbol")
        if symbols is None or self.spec.symbol is not None:
            symbol = self.spec.symbol
            if symbol is None:
                raise DataError(
                    f"{self.spec.path}: no symbol column and no symbol given: pass "
                    "SYMBOL=PATH (or --symbol) to say which instrument the file holds"
                )
            self.symbols.add(symbol)
            return repeat(self._resolve(symbol), n)
        cache: dict[str, InstrumentId] = {}
        out = []
        for offset, symbol in enumerate(symbols):
            iid = cache.get(symbol)
            if iid is None:
                try:
                    iid = cache[symbol] = self._resolve(symbol)
                except DataError as exc:
                    raise DataError(f"{self.spec.path}:{first_line + offset}: {exc}") from None
                self.symbols.add(symbol)
            out.append(iid)
        return out

    @staticmethod
    def _quotes(cols: dict[str, list[Any]], ids: Any, interval: int) -> list[Any]:
        return [
            QuoteTick(i, b, a, bs, az, t, t)
            for i, t, b, a, bs, az in zip(
                ids,
                cols["ts"],
                cols["bid"],
                cols["ask"],
                cols["bid_size"],
                cols["ask_size"],
                strict=False,
            )
        ]

    @staticmethod
    def _trades(cols: dict[str, list[Any]], ids: Any, interval: int) -> list[Any]:
        n = len(cols["ts"])
        sides = cols.get("side") or repeat("", n)
        trade_ids = cols.get("trade_id") or repeat("", n)
        return [
            TradeTick(i, p, s, str(side).upper(), str(tid), t, t)
            for i, t, p, s, side, tid in zip(
                ids, cols["ts"], cols["price"], cols["size"], sides, trade_ids, strict=False
            )
        ]

    def _bars(self, cols: dict[str, list[Any]], ids: Any, interval: int) -> list[Any]:
        shift = interval if self.spec.bar_ts == "open" else 0
        return [
            Bar(i, o, h, lo, c, v, interval, t + shift, t + shift)
            for i, t, o, h, lo, c, v in zip(
                ids,
                cols["ts"],
                cols["open"],
                cols["high"],
                cols["low"],
                cols["close"],
                cols["volume"],
                strict=False,
            )
        ]


def _bar_interval(ts: list[int], symbols: list[str] | None, path: Path) -> int:
    """The bar length: the smallest positive step between consecutive bars of one symbol."""
    last: dict[str, int] = {}
    best = 0
    for k, t in enumerate(ts[:10_000]):
        sym = symbols[k] if symbols is not None else ""
        prev = last.get(sym)
        if prev is not None and t > prev and (best == 0 or t - prev < best):
            best = t - prev
        last[sym] = t
    if best == 0:
        raise DataError(
            f"{path}: cannot tell the bar length from fewer than two bars: pass bar_interval_ns "
            "(--bar-interval)"
        )
    return best


def merged(streams: Sequence[EventBatches]) -> Iterator[list[Any]]:
    """Batches of events from several files, merged into one timestamp order.

    Works a batch at a time: everything up to the smallest "last timestamp" among the
    buffered batches is emitted, sorted (a stable sort keeps file order for equal times).
    """
    if len(streams) == 1:
        yield from streams[0]
        return
    sources = [iter(s) for s in streams]
    buffers: list[list[Any]] = [[] for _ in streams]
    live = [True] * len(streams)
    while True:
        for k, source in enumerate(sources):
            while live[k] and not buffers[k]:
                batch = next(source, None)
                if batch is None:
                    live[k] = False
                else:
                    buffers[k] = batch
        filled = [b for b in buffers if b]
        if not filled:
            return
        bound = min(b[-1].ts_init for b in filled)
        out: list[Any] = []
        for k, buffer in enumerate(buffers):
            if buffer:
                cut = bisect_right(buffer, bound, key=_TS)
                out.extend(buffer[:cut])
                buffers[k] = buffer[cut:]
        out.sort(key=_TS)
        yield out


_TS = attrgetter("ts_init")
