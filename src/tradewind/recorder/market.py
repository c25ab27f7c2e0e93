"""MarketRecorder: quotes, trades and bars to rotating JSONL or Parquet files that backtest as is.

Each kind goes to its own series of files (see ``tradewind.recorder.files`` for names and
rotation) with these columns, which ``tradewind.data.open_data`` reads without renaming:

- quotes: ``ts_event, ts_init, symbol, bid, ask, bid_size, ask_size``
- trades: ``ts_event, ts_init, symbol, price, size, side, trade_id``
- bars: ``ts_event, ts_init, symbol, open, high, low, close, volume, interval_ns``

``symbol`` holds the instrument id (``SYMBOL.VENUE``), which ``run_backtest`` resolves.
The readers take ``ts_event`` as the row time and refuse a file where it goes backwards
("sort the file by time"); rows are written in arrival (``ts_init``) order, so venue
times that arrive out of order are counted in ``out_of_order`` (such a file needs sorting
before it replays). Replayed events get ``ts_init = ts_event``. Bars are recorded at
their close time (the model's convention): replay bar files with
``DataSpec(path, bar_ts="close")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa

from tradewind.model.data import Bar, QuoteTick, TradeTick
from tradewind.recorder.files import RotatingFile

_TIMES = [("ts_event", pa.int64()), ("ts_init", pa.int64()), ("symbol", pa.string())]
SCHEMAS: dict[str, pa.Schema] = {
    "quotes": pa.schema(
        _TIMES + [(n, pa.float64()) for n in ("bid", "ask", "bid_size", "ask_size")]
    ),
    "trades": pa.schema(
        [
            *_TIMES,
            ("price", pa.float64()),
            ("size", pa.float64()),
            ("side", pa.string()),
            ("trade_id", pa.string()),
        ]
    ),
    "bars": pa.schema(
        _TIMES
        + [(n, pa.float64()) for n in ("open", "high", "low", "close", "volume")]
        + [("interval_ns", pa.int64())]
    ),
}
"""The columns of each kind's files, in order, with their Parquet types."""


def _quote_row(q: QuoteTick) -> tuple[Any, ...]:
    return (q.ts_event, q.ts_init, q.instrument_id, q.bid, q.ask, q.bid_size, q.ask_size)


def _trade_row(t: TradeTick) -> tuple[Any, ...]:
    side = t.aggressor.lower()
    return (t.ts_event, t.ts_init, t.instrument_id, t.price, t.size, side, t.trade_id)


def _bar_row(b: Bar) -> tuple[Any, ...]:
    return (
        b.ts_event,
        b.ts_init,
        b.instrument_id,
        b.open,
        b.high,
        b.low,
        b.close,
        b.volume,
        b.interval_ns,
    )


_ROWS: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]]] = {
    QuoteTick: ("quotes", _quote_row),
    TradeTick: ("trades", _trade_row),
    Bar: ("bars", _bar_row),
}


class MarketRecorder:
    """Records market data to ``folder``: one rotating series of files per kind.

    ``format`` is ``"jsonl"`` (rows reach the OS on every ``flush``/``record_many``, so a
    crash loses at most the unflushed tail, possibly leaving half a last line: see
    ``trim_partial_line``) or ``"parquet"`` (written in row groups of ``group_rows``; a
    file is readable once closed, i.e. on rotation or ``close``). Files rotate after
    ``rotate_rows`` rows, after ``rotate_seconds`` of ``ts_init`` time, and at UTC
    midnight. Use it as a context manager, or call ``close``.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        format: str = "jsonl",
        rotate_rows: int = 1_000_000,
        rotate_seconds: float | None = None,
        group_rows: int = 65_536,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.format = format
        self.rows = 0
        self.out_of_order = 0
        """Rows whose ``ts_event`` is before the previous row's of the same kind (see module)."""
        self._last_ts_event = dict.fromkeys(SCHEMAS, 0)
        self._files = {
            kind: RotatingFile(
                self.folder,
                kind,
                format,
                schema,
                rotate_rows=rotate_rows,
                rotate_seconds=rotate_seconds,
                group_rows=group_rows,
            )
            for kind, schema in SCHEMAS.items()
        }

    @property
    def paths(self) -> list[Path]:
        """Every file this recorder has opened, in name (= time) order."""
        return sorted((p for f in self._files.values() for p in f.paths), key=lambda p: p.name)

    def record(self, event: QuoteTick | TradeTick | Bar) -> None:
        """Add one quote, trade or bar (anything else raises TypeError)."""
        found = _ROWS.get(type(event))
        if found is None:
            raise TypeError(
                f"MarketRecorder records QuoteTick, TradeTick and Bar, not {type(event).__name__}"
            )
        kind, to_row = found
        if event.ts_event < self._last_ts_event[kind]:
            self.out_of_order += 1
        else:
            self._last_ts_event[kind] = event.ts_event
        self._files[kind].write(event.ts_init, to_row(event))
        self.rows += 1

    def record_many(self, events: Iterable[QuoteTick | TradeTick | Bar]) -> None:
        """Add a batch of events, then flush (JSONL rows reach the OS)."""
        for event in events:
            self.record(event)
        self.flush()

    def flush(self) -> None:
        """Flush every open file (Parquet: see the class note)."""
        for file in self._files.values():
            file.flush()

    def close(self) -> None:
        """Flush and close every file; recording again opens new files."""
        for file in self._files.values():
            file.close()

    def __enter__(self) -> MarketRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
