"""CSV files (optionally gzipped) as a ``Source``: parsed by Arrow, bad lines found by ``csv``."""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from tradewind.data import columns as cols
from tradewind.data.checks import WRITE_A_NUMBER
from tradewind.data.sources import Arrays, one_line, pick, rebatch
from tradewind.errors import DataError

_CSV_NULLS = frozenset(pacsv.ConvertOptions().null_values)
_CSV_FLOAT = re.compile(
    r"\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*", re.ASCII | re.IGNORECASE
)
_CSV_INTEGER = re.compile(r"\s*-?\d+\s*", re.ASCII)


class CsvSource:
    """A CSV file with a header line; its records are located by line for messages."""

    label = "line"

    def __init__(self, path: Path, gzipped: bool) -> None:
        self._path, self._gzipped = path, gzipped
        self.rows: int | None = None
        lines = self._record_lines()
        header_line, header = next(lines, (0, []))
        first = next(lines, None)
        if first is None:
            raise DataError(f"{path}: the file has no rows; it has a header but no data rows")
        self.names: list[str] = header
        self.header_where = f"line {header_line}: "
        self._header_line = header_line
        self._first_row = dict(zip(header, first[1], strict=False))

    def read(self, wanted: Mapping[str, str], batch_rows: int) -> Iterator[tuple[Arrays, int]]:
        types = self._types(wanted)
        raw = pa.OSFile(str(self._path), "rb")
        stream = pa.CompressedInputStream(raw, "gzip") if self._gzipped else raw
        size = self._path.stat().st_size
        options = pacsv.ConvertOptions(
            column_types=types, include_columns=list(types), strings_can_be_null=False
        )
        try:
            reader = pacsv.open_csv(stream, convert_options=options)
            for table in rebatch(reader, batch_rows):
                yield pick(table, wanted), min(raw.tell(), size)
        except (pa.ArrowInvalid, OSError) as exc:
            raise self._read_error(exc, types) from None
        finally:
            stream.close()
            raw.close()

    def first_line(self, row: int) -> int:
        return self._header_line + row + 1

    def line_of(self, row: int) -> int:
        for index, (line, _) in enumerate(self._record_lines()):
            if index == row + 1:
                return line
        return self.first_line(row)

    def _types(self, wanted: Mapping[str, str]) -> dict[str, pa.DataType]:
        types: dict[str, pa.DataType] = {}
        for column, name in wanted.items():
            if column in cols.TEXT_COLUMNS:
                types[name] = pa.string()
            elif column != "ts":
                types[name] = pa.float64()
            else:
                first = self._first_row.get(name, "")
                if _CSV_INTEGER.fullmatch(first):
                    types[name] = pa.int64()
                elif _CSV_FLOAT.fullmatch(first) and first.strip() not in _CSV_NULLS:
                    types[name] = pa.float64()
                else:
                    types[name] = pa.string()
        return types

    def _text(self) -> IO[str]:
        if self._gzipped:
            return gzip.open(self._path, "rt", encoding="utf-8-sig", newline="")
        return open(self._path, encoding="utf-8-sig", newline="")

    def _record_lines(self) -> Iterator[tuple[int, list[str]]]:
        """Each non-blank CSV record with the line it starts on (the header first)."""
        try:
            with self._text() as text:
                reader = csv.reader(text)
                previous_end = 0
                for record in reader:
                    line, previous_end = previous_end + 1, reader.line_num
                    if record:
                        yield line, record
        except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
            raise DataError(
                f"{self._path}: cannot read the file as UTF-8 CSV text ({one_line(exc)}); "
                "re-export it as UTF-8 CSV"
            ) from None

    def _read_error(self, exc: Exception, types: Mapping[str, pa.DataType]) -> DataError:
        """Translate an Arrow parse error by finding the offending line ourselves."""
        lines = self._record_lines()
        _, header = next(lines)
        positions = {name: header.index(name) for name in types}
        for line, record in lines:
            where = f"{self._path}: line {line}"
            if len(record) != len(header):
                return DataError(
                    f"{where}: {len(record)} fields where the header has {len(header)}; "
                    "give every row one value per column (quote values that contain commas)"
                )
            for name, kind in types.items():
                value = record[positions[name]]
                if kind == pa.string() or value in _CSV_NULLS:
                    continue
                pattern = _CSV_INTEGER if kind == pa.int64() else _CSV_FLOAT
                if not pattern.fullmatch(value):
                    fix = WRITE_A_NUMBER
                    if kind == pa.int64():
                        fix = "write whole epoch numbers, like the first row"
                    return DataError(f"{where}, column {name!r}: {value!r} is not a number; {fix}")
        reason = one_line(exc)
        return DataError(
            f"{self._path}: cannot read the file ({reason}); fix the row or re-export it"
        )
