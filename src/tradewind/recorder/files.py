"""Rotating recording files: time-sortable names, JSONL and Parquet sinks, crash repair.

A recording is a folder of files named ``{kind}-{YYYY-MM-DD}-{NNNN}.{ext}``: one series
per kind and UTC day (of ``ts_init``), numbered from 0001, so sorting the names sorts the
files in time. A new file starts on a new day, after ``rotate_rows`` rows, or once the
file spans ``rotate_seconds`` of event time. A restarted recorder never overwrites: it
continues after the highest number already in the folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from tradewind.data.writers import JsonlWriter
from tradewind.errors import ConfigError

FORMATS = {"jsonl": "jsonl", "parquet": "parquet"}
_NS = 1_000_000_000


def day_of(ts_ns: int) -> str:
    """The UTC date of a nanosecond timestamp, as ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(ts_ns // _NS, tz=UTC).strftime("%Y-%m-%d")


def file_name(kind: str, day: str, number: int, fmt: str) -> str:
    """``quotes-2024-01-01-0001.jsonl``: names that sort in time order."""
    return f"{kind}-{day}-{number:04d}.{fmt}"


def next_number(folder: Path, kind: str, day: str, fmt: str) -> int:
    """One past the highest file number of ``kind`` and ``day`` already in ``folder``."""
    pattern = re.compile(rf"^{re.escape(kind)}-{re.escape(day)}-(\d+)\.{re.escape(fmt)}$")
    numbers = [int(m.group(1)) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return max(numbers, default=0) + 1


class Sink(Protocol):
    """One open recording file."""

    path: Path

    def write(self, row: Sequence[Any]) -> None:
        """Add one row, values in the order of the file's columns."""
        ...

    def flush(self) -> None:
        """Make buffered rows durable as far as the format allows."""
        ...

    def close(self) -> None:
        """Flush and close."""
        ...


class JsonlSink:
    """A JSON Lines file: one object per row; ``flush`` hands the rows to the OS.

    With no column ``names``, each row is a one-element sequence holding the object to write.
    """

    def __init__(self, path: Path, names: Sequence[str]) -> None:
        self.path = path
        self._names = tuple(names)
        self._writer = JsonlWriter(path)

    def write(self, row: Sequence[Any]) -> None:
        """Add one row."""
        if self._names:
            self._writer.write(dict(zip(self._names, row, strict=True)))
        else:
            self._writer.write(row[0])

    def flush(self) -> None:
        """Push written rows to the operating system."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()


class ParquetSink:
    """A Parquet file written a row group at a time through ``pyarrow.parquet.ParquetWriter``.

    Rows are buffered and written as one row group every ``group_rows`` rows and on
    ``close``. ``flush`` is a no-op: a Parquet file is readable only once closed (its footer
    is written last), so a crash leaves the open file unreadable; rotate often
    (``rotate_seconds``) or use JSONL when that matters.
    """

    def __init__(self, path: Path, schema: pa.Schema, group_rows: int) -> None:
        self.path = path
        self._schema = schema
        self._group_rows = group_rows
        self._columns: list[list[Any]] = [[] for _ in schema.names]
        self._writer = pq.ParquetWriter(path, schema)

    def write(self, row: Sequence[Any]) -> None:
        """Buffer one row; a full buffer becomes a row group."""
        for column, value in zip(self._columns, row, strict=True):
            column.append(value)
        if len(self._columns[0]) >= self._group_rows:
            self._write_group()

    def flush(self) -> None:
        """Nothing: a Parquet file is only complete when closed (see the class note)."""

    def close(self) -> None:
        """Write the buffered rows as a last row group and the footer."""
        self._write_group()
        self._writer.close()

    def _write_group(self) -> None:
        if not self._columns[0]:
            return
        table = pa.Table.from_arrays(
            [pa.array(c, type=f.type) for c, f in zip(self._columns, self._schema, strict=True)],
            schema=self._schema,
        )
        self._writer.write_table(table)
        self._columns = [[] for _ in self._schema.names]


class RotatingFile:
    """The current file of one kind, started afresh on a new day, row count or time span."""

    def __init__(
        self,
        folder: Path,
        kind: str,
        fmt: str,
        schema: pa.Schema,
        *,
        rotate_rows: int,
        rotate_seconds: float | None,
        group_rows: int,
    ) -> None:
        if fmt not in FORMATS:
            raise ConfigError(f"recording format {fmt!r}: use 'jsonl' or 'parquet'")
        if rotate_rows < 1:
            raise ConfigError(f"rotate_rows must be at least 1, not {rotate_rows}")
        if rotate_seconds is not None and rotate_seconds <= 0:
            raise ConfigError(f"rotate_seconds must be positive, not {rotate_seconds}")
        self.folder, self.kind, self.fmt, self.schema = folder, kind, fmt, schema
        self._rotate_rows = rotate_rows
        self._span_ns = None if rotate_seconds is None else int(rotate_seconds * _NS)
        self._group_rows = group_rows
        self._sink: Sink | None = None
        self._day = ""
        self._number = 0
        self._rows = 0
        self._first_ts = 0
        self.paths: list[Path] = []

    def write(self, ts_ns: int, row: Sequence[Any]) -> None:
        """Add one row stamped ``ts_ns`` (nanoseconds), opening the next file if due."""
        day = day_of(ts_ns)
        sink = self._sink
        if (
            sink is None
            or day != self._day
            or self._rows >= self._rotate_rows
            or (self._span_ns is not None and ts_ns - self._first_ts >= self._span_ns)
        ):
            sink = self._open(day, ts_ns)
        sink.write(row)
        self._rows += 1

    def flush(self) -> None:
        """Flush the open file, if any."""
        if self._sink is not None:
            self._sink.flush()

    def close(self) -> None:
        """Close the open file, if any; the next write opens a new one."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def _open(self, day: str, ts_ns: int) -> Sink:
        self.close()
        if day != self._day:
            self._day = day
            self._number = next_number(self.folder, self.kind, day, self.fmt)
        else:
            self._number += 1
        path = self.folder / file_name(self.kind, day, self._number, self.fmt)
        sink: Sink
        if self.fmt == "parquet":
            sink = ParquetSink(path, self.schema, self._group_rows)
        else:
            sink = JsonlSink(path, self.schema.names)
        self._sink, self._rows, self._first_ts = sink, 0, ts_ns
        self.paths.append(path)
        return sink


def trim_partial_line(path: str | Path) -> int:
    """Cut a JSONL file back to its last complete line; the number of bytes removed.

    A recorder killed mid-write can leave half a line at the end. Readers refuse such a
    file with a clear error (``DataError: ... line N: invalid JSON``) rather than guess;
    run this on the file before replaying it to drop the partial row and keep everything
    before it.
    """
    path = Path(path)
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1
    with open(path, "r+b") as out:
        out.truncate(keep)
    return len(data) - keep
