"""What a file format gives ``DataFile``: the ``Source`` protocol, and helpers the formats share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

import pyarrow as pa

from tradewind.data.timestamps import ArrowColumn

Arrays = dict[str, ArrowColumn]
"""Canonical column -> its Arrow values, for one batch."""


class Source(Protocol):
    """What DataFile needs from one file format."""

    names: list[str]
    rows: int | None
    label: str
    header_where: str

    def read(self, wanted: Mapping[str, str], batch_rows: int) -> Iterator[tuple[Arrays, int]]:
        """Canonical column -> Arrow values, and progress, per batch of ``batch_rows`` rows."""
        ...

    def first_line(self, row: int) -> int:
        """Where data row ``row`` (0-based) starts, cheaply."""
        ...

    def line_of(self, row: int) -> int:
        """Where data row ``row`` starts, exactly (for error messages; may scan the file)."""
        ...


def rebatch(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """Regroup record batches of any size into tables of exactly ``size`` rows (the last fewer)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        pending.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            pending = [b for b in table.slice(size).to_batches() if b.num_rows]
            count -= size
    if count:
        yield pa.Table.from_batches(pending)


def pick(table: pa.Table, wanted: Mapping[str, str]) -> Arrays:
    """The ``wanted`` columns of ``table`` (canonical name -> name in the file)."""
    return {column: table.column(name) for column, name in wanted.items()}


def one_line(exc: BaseException) -> str:
    """An error's message on one line (for a DataError naming the file)."""
    return " ".join(str(exc).split())
