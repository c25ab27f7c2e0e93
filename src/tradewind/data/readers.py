"""Open quotes, trades and bars files (Parquet, CSV, JSONL) and stream them as checked batches."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradewind.data import columns as cols
from tradewind.data.checks import BatchChecker, RowProblem
from tradewind.data.csv_source import CsvSource
from tradewind.data.jsonl_source import JsonlSource
from tradewind.data.parquet_source import ParquetSource
from tradewind.data.sources import Source
from tradewind.errors import DataError

EXTENSIONS: Mapping[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_ACCEPTED = ".parquet, .pq, .csv, .jsonl, .ndjson, .json (text formats may end in .gz)"


def file_format(path: Path) -> tuple[str, bool]:
    """The format a path's extension names ("parquet", "csv", "jsonl") and whether it is gzipped."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes.pop()
    found = EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if found is None or (gzipped and found == "parquet"):
        raise DataError(f"{path}: unknown file extension; use one of {_ACCEPTED}")
    return found, gzipped


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive rows of a file as canonical columns of Python values.

    ``columns`` maps canonical names to lists: ``ts`` int nanoseconds UTC; prices and sizes
    float; ``symbol``, ``side``, ``trade_id`` str, present only when the file has them.
    ``first_line`` locates the first row for messages: CSV line (the header is line 1; exact
    unless the file has blank lines or values spanning lines), JSONL line, Parquet row + 1.
    ``bytes_read`` is progress against ``DataFile.size_bytes`` (rows against ``rows`` for
    Parquet); Arrow reads CSV ahead, so it can run a few megabytes early.
    """

    columns: dict[str, list[Any]]
    first_line: int
    bytes_read: int

    def __len__(self) -> int:
        return len(self.columns["ts"])


class DataFile:
    """One opened market-data file; ``batches()`` streams its rows, checked, in order.

    ``rows`` is known for Parquet (from its metadata) and None otherwise. ``column_names``
    maps each canonical column found to its name in the file.
    """

    def __init__(self, path: Path, kind: str, file_format: str, source: Source) -> None:
        self.path = path
        self.kind = kind
        self.format = file_format
        self.rows: int | None = source.rows
        self.size_bytes = path.stat().st_size
        self.column_names: dict[str, str] = cols.find_columns(kind, source.names)
        self._source = source

    def __repr__(self) -> str:
        return f"DataFile({str(self.path)!r}, kind={self.kind!r}, format={self.format!r})"

    def batches(self, batch_rows: int = 65_536) -> Iterator[Batch]:
        """Batches of ``batch_rows`` rows (the last may be fewer); a bad row raises DataError."""
        if batch_rows < 1:
            raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
        checker = BatchChecker(self.kind)
        start = 0
        for arrays, progress in self._source.read(self.column_names, batch_rows):
            try:
                columns = checker.convert(arrays, start)
            except RowProblem as problem:
                name = self.column_names.get(problem.column, problem.column)
                line = self._source.line_of(problem.row)
                raise DataError(
                    f"{self.path}: {self._source.label} {line}, column {name!r}: {problem.message}"
                ) from None
            yield Batch(columns, self._source.first_line(start), progress)
            start += len(columns["ts"])
        if start == 0:
            raise DataError(f"{self.path}: the file has no rows; add data rows below the header")


def open_data(path: str | Path, kind: str | None = None) -> DataFile:
    """Open a quotes, trades or bars file; the kind is inferred from the columns when not given."""
    path = Path(path)
    found_format, gzipped = file_format(path)
    if kind is not None and kind not in cols.KINDS:
        raise DataError(f"{path}: unknown data kind {kind!r}; use one of {', '.join(cols.KINDS)}")
    if not path.is_file():
        problem = "is not a file" if path.exists() else "no such file"
        raise DataError(f"{path}: {problem}; check the path")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file has no rows; it is empty (0 bytes)")
    source: Source
    if found_format == "parquet":
        source = ParquetSource(path)
    elif found_format == "csv":
        source = CsvSource(path, gzipped)
    else:
        source = JsonlSource(path, gzipped)
    kind = kind or cols.detect_kind(source.names, str(path))
    missing = cols.missing_columns(kind, source.names)
    if missing:
        raise DataError(
            f"{path}: {source.header_where}missing column(s) {', '.join(missing)} for {kind}; "
            f"columns found: {', '.join(source.names)}; "
            f"accepted names: {cols.describe_aliases(kind, missing)}; rename the column(s)"
        )
    if source.rows == 0:
        raise DataError(f"{path}: the file has no rows; write at least one row")
    return DataFile(path, kind, found_format, source)
