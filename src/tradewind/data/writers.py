"""Write tables (fills, orders, equity curves, recordings) as CSV, JSONL or Parquet."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, cast

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tradewind.data.readers import file_format
from tradewind.errors import DataError

Rows = Sequence[Mapping[str, Any]]
Columns = Mapping[str, Sequence[Any]]


def write_table(rows: Rows | Columns, path: str | Path) -> Path:
    """Write rows (list of dicts) or columns (dict of lists) as CSV, JSONL or Parquet by extension.

    The same input always gives a byte-identical file. The file is written beside its final
    name and moved into place, so a reader never sees half a file.
    """
    path = Path(path)
    found_format, gzipped = file_format(path)
    names, columns = _as_columns(rows)
    if found_format == "parquet":
        write_arrow_table(_arrow_table(names, columns, path), path)
        return path
    with _replacing(path, gzipped) as out:
        if found_format == "csv":
            _write_csv(out, names, zip(*columns, strict=True), header=bool(names))
        else:
            _write_jsonl(out, names, zip(*columns, strict=True))
    return path


def write_arrow_table(table: pa.Table, path: str | Path) -> Path:
    """Write an Arrow table by extension; CSV and JSONL cells formatted as by ``write_table``."""
    path = Path(path)
    found_format, gzipped = file_format(path)
    if found_format == "parquet":
        with _replacing(path, gzipped) as out:
            pq.write_table(table, out)
        return path
    with _replacing(path, gzipped) as out:
        for number, batch in enumerate(table.to_batches(max_chunksize=65_536) or [table]):
            values = [column.to_pylist() for column in batch.columns]
            rows = zip(*values, strict=True)
            if found_format == "csv":
                _write_csv(out, table.column_names, rows, header=number == 0)
            else:
                _write_jsonl(out, table.column_names, rows)
    return path


class JsonlWriter:
    """Writes dict rows to a JSON Lines file, one object per line; flushed on close.

    ``append=True`` adds to an existing file instead of starting it afresh. A ``.gz`` path is
    gzip-compressed (appending then adds a gzip member, which readers handle).
    """

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        _, gzipped = file_format(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        raw = open(self.path, "ab" if append else "wb")  # noqa: SIM115 - closed in close()
        self._file: IO[bytes] = _gzip_writer(raw) if gzipped else raw
        self._raw = raw
        self._encoder = msgspec.json.Encoder(enc_hook=_plain)
        self._buffer = bytearray()

    def write(self, row: Mapping[str, Any]) -> None:
        """Add one row."""
        if self._file.closed:
            raise ValueError(f"{self.path}: the writer is closed")
        self._encoder.encode_into(row, self._buffer, -1)
        self._buffer += b"\n"
        if len(self._buffer) >= 1 << 16:
            self._drain()

    def flush(self) -> None:
        """Push written rows to the operating system."""
        self._drain()
        self._file.flush()

    def close(self) -> None:
        """Flush and close the file; closing twice is harmless."""
        if self._file.closed:
            return
        self.flush()
        self._file.close()
        self._raw.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _drain(self) -> None:
        self._file.write(self._buffer)
        self._buffer.clear()


def format_cell(value: Any) -> str:
    """A value as CSV text: floats by ``repr`` (exact round trip), Decimals by ``str``."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return float.__repr__(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _as_columns(rows: Rows | Columns) -> tuple[list[str], list[Sequence[Any]]]:
    if isinstance(rows, Mapping):
        names = list(rows)
        columns = [rows[name] for name in names]
        lengths = {name: len(column) for name, column in zip(names, columns, strict=True)}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns differ in length: {lengths}")
        return names, columns
    names = list(dict.fromkeys(name for row in rows for name in row))
    return names, [[row.get(name) for row in rows] for name in names]


def _write_csv(
    out: IO[bytes], names: list[str], rows: Iterator[tuple[Any, ...]], header: bool
) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    if header:
        writer.writerow(names)
    writer.writerows([format_cell(v) for v in row] for row in rows)
    text.flush()
    text.detach()


def _write_jsonl(out: IO[bytes], names: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    encoder = msgspec.json.Encoder(enc_hook=_plain)
    buffer = bytearray()
    for row in rows:
        encoder.encode_into(dict(zip(names, row, strict=True)), buffer, -1)
        buffer += b"\n"
        if len(buffer) >= 1 << 16:
            out.write(buffer)
            buffer.clear()
    out.write(buffer)


def _plain(value: Any) -> Any:
    """Values msgspec does not know: numpy scalars become Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise NotImplementedError(f"cannot write {type(value).__name__} values to JSON")


def _arrow_table(names: list[str], columns: list[Sequence[Any]], path: Path) -> pa.Table:
    arrays = []
    for name, column in zip(names, columns, strict=True):
        try:
            arrays.append(pa.array(column))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
            raise DataError(
                f"{path}: column {name!r} cannot be written to Parquet ({exc}); "
                "give every value in a column the same type"
            ) from None
    return pa.table(arrays, names=names)


def _gzip_writer(raw: IO[bytes]) -> IO[bytes]:
    # mtime=0 and no file name in the header keep the output byte-identical run to run.
    compressed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
    return cast(IO[bytes], compressed)


@contextmanager
def _replacing(path: Path, gzipped: bool) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only once fully written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as raw:
            if gzipped:
                with _gzip_writer(raw) as out:
                    yield out
            else:
                yield raw
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
