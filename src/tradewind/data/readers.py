"""Open quotes, trades and bars files (Parquet, CSV, JSONL) and stream them as checked batches."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tradewind.data import columns as cols
from tradewind.data.timestamps import ArrowColumn, BadTimestamp, TimestampParser, first_failure
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

_WRITE_A_NUMBER = "write a plain number such as 100.25"

Floats = npt.NDArray[np.float64]
Arrays = dict[str, ArrowColumn]


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

    def __init__(self, path: Path, kind: str, file_format: str, source: _Source) -> None:
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
        checker = _BatchChecker(self.kind)
        start = 0
        for arrays, progress in self._source.read(self.column_names, batch_rows):
            try:
                columns = checker.convert(arrays, start)
            except _RowProblem as problem:
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
    source: _Source
    if found_format == "parquet":
        source = _ParquetSource(path)
    elif found_format == "csv":
        source = _CsvSource(path, gzipped)
    else:
        source = _JsonlSource(path, gzipped)
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


# --- checking and converting one batch -------------------------------------------------


class _RowProblem(Exception):
    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def _show(value: Any) -> str:
    return repr(float(value))


def _iso(nanos: int) -> str:
    return f"{np.datetime64(nanos, 'ns')}Z"


class _BatchChecker:
    """Converts a batch to canonical Python lists, checking it vectorised; slow only to explain."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._numbers = cols.REQUIRED[kind][1:]
        self._clock = TimestampParser()
        self._last_ts: int | None = None

    def convert(self, arrays: Arrays, start: int) -> dict[str, list[Any]]:
        ts = self._timestamps(arrays["ts"], start)
        numbers = {column: self._floats(arrays[column], column, start) for column in self._numbers}
        if not self._looks_valid(numbers):
            raise self._explain(numbers, start)
        out: dict[str, list[Any]] = {"ts": ts.tolist()}
        for column, values in numbers.items():
            out[column] = values.tolist()
        for column in cols.OPTIONAL[self._kind]:
            if column in arrays:
                out[column] = self._text(arrays[column], column, start)
        return out

    def _timestamps(self, values: ArrowColumn, start: int) -> npt.NDArray[np.int64]:
        try:
            ts = self._clock.to_nanos(values)
        except BadTimestamp as bad:
            raise _RowProblem(start + bad.row, "ts", bad.reason) from None
        if not len(ts):
            return ts
        previous = self._last_ts
        if previous is not None and ts[0] < previous:
            raise _RowProblem(start, "ts", _backwards(int(ts[0]), previous))
        if len(ts) > 1:
            row = _first(ts[1:] < ts[:-1])
            if row is not None:
                raise _RowProblem(start + row + 1, "ts", _backwards(int(ts[row + 1]), int(ts[row])))
        self._last_ts = int(ts[-1])
        return ts

    def _floats(self, values: ArrowColumn, column: str, start: int) -> Floats:
        if values.null_count:
            row = _first(values.is_null().to_numpy(zero_copy_only=False)) or 0
            message = "the value is missing; fill it in or drop the row"
            raise _RowProblem(start + row, column, message)
        kind = values.type
        if pa.types.is_dictionary(kind):
            return self._floats(values.cast(kind.value_type), column, start)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            values = pc.utf8_trim_whitespace(values)
            try:
                values = pc.cast(values, pa.float64())
            except pa.ArrowInvalid:
                row = first_failure(values, lambda part: pc.cast(part, pa.float64()))
                raise _RowProblem(
                    start + row,
                    column,
                    f"{values[row].as_py()!r} is not a number; {_WRITE_A_NUMBER}",
                ) from None
        elif not _is_number_type(kind):
            raise _RowProblem(start, column, f"the column holds {kind} values; write numbers")
        elif kind != pa.float64():
            values = values.cast(pa.float64())
        result: Floats = values.to_numpy(zero_copy_only=False)
        return result

    def _looks_valid(self, numbers: dict[str, Floats]) -> bool:
        for column, values in numbers.items():
            low, high = values.min(), values.max()
            floor_ok = low > 0 if column in cols.PRICE_COLUMNS else low >= 0
            if not (floor_ok and high < np.inf):
                return False
        if self._kind == "quotes":
            return bool((numbers["ask"] >= numbers["bid"]).all())
        if self._kind == "bars":
            o, h, lo, c = (numbers[k] for k in ("open", "high", "low", "close"))
            return bool((np.minimum(o, c) >= lo).all() and (np.maximum(o, c) <= h).all())
        return True

    def _explain(self, numbers: dict[str, Floats], start: int) -> _RowProblem:
        """The first row, in file order, that breaks a rule, with what is wrong and the fix."""
        found: list[tuple[int, int, str, str]] = []

        def note(row: int | None, column: str, message: str) -> None:
            if row is not None:
                found.append((row, len(found), column, message))

        for column, x in numbers.items():
            finite = np.isfinite(x)
            row = _first(~finite)
            if row is not None:
                note(row, column, f"{_show(x[row])} is not a finite number; fix or drop the row")
            if column in cols.PRICE_COLUMNS:
                row = _first(finite & (x <= 0))
                if row is not None:
                    note(row, column, f"price {_show(x[row])} is not positive; prices must be > 0")
            else:
                row = _first(x < 0)
                if row is not None:
                    note(row, column, f"size {_show(x[row])} is negative; sizes must be >= 0")
        if self._kind == "quotes":
            bid, ask = numbers["bid"], numbers["ask"]
            row = _first(ask < bid)
            if row is not None:
                note(
                    row,
                    "ask",
                    f"crossed quote: ask {_show(ask[row])} < bid {_show(bid[row])}; "
                    "check the bid and ask columns are not swapped, or drop the row",
                )
        if self._kind == "bars":
            o, h, lo, c = (numbers[k] for k in ("open", "high", "low", "close"))
            row = _first(h < lo)
            if row is not None:
                note(
                    row,
                    "high",
                    f"high {_show(h[row])} < low {_show(lo[row])}; "
                    "check the high and low columns are not swapped",
                )
            for name, x in (("open", o), ("close", c)):
                row = _first((x < lo) | (x > h))
                if row is not None:
                    note(
                        row,
                        name,
                        f"{name} {_show(x[row])} is outside [low {_show(lo[row])}, "
                        f"high {_show(h[row])}]; fix the bar or drop it",
                    )
        row, _, column, message = min(found)
        return _RowProblem(start + row, column, message)

    def _text(self, values: ArrowColumn, column: str, start: int) -> list[str]:
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        if column == "symbol":
            empty = pc.fill_null(pc.equal(pc.utf8_length(values), 0), True)
            row = _first(empty.to_numpy(zero_copy_only=False))
            if row is not None:
                raise _RowProblem(start + row, column, "the symbol is missing; fill it in")
        else:
            values = values.fill_null("")
        if column == "side":
            original = values
            values = pc.utf8_lower(pc.utf8_trim_whitespace(values))
            values = pc.if_else(pc.equal(values, "unknown"), "", values)
            unknown = pc.invert(pc.is_in(values, value_set=pa.array(cols.TRADE_SIDES)))
            row = _first(unknown.to_numpy(zero_copy_only=False))
            if row is not None:
                raise _RowProblem(
                    start + row,
                    column,
                    f"side {original[row].as_py()!r} is not buy, sell or empty; "
                    "write the aggressor side as buy or sell",
                )
        return values.to_pylist()  # type: ignore[no-any-return]


def _is_number_type(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind)
    )


def _backwards(ts: int, previous: int) -> str:
    return (
        f"timestamp {ts} ({_iso(ts)}) is earlier than {previous} ({_iso(previous)}) "
        "on the row before; sort the file by time"
    )


# --- file formats ----------------------------------------------------------------------


class _Source(Protocol):
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


def _rebatch(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
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


def _pick(table: pa.Table, wanted: Mapping[str, str]) -> Arrays:
    return {column: table.column(name) for column, name in wanted.items()}


class _ParquetSource:
    label = "row"
    header_where = ""

    def __init__(self, path: Path) -> None:
        self._path = path
        try:
            with pq.ParquetFile(path) as parquet:
                self.names: list[str] = list(parquet.schema_arrow.names)
                self.rows: int | None = parquet.metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise DataError(
                f"{path}: not a readable Parquet file ({_one_line(exc)}); "
                "check it was written completely, or re-export it"
            ) from None

    def read(self, wanted: Mapping[str, str], batch_rows: int) -> Iterator[tuple[Arrays, int]]:
        done = 0
        with pq.ParquetFile(self._path) as parquet:
            chunks = parquet.iter_batches(
                batch_size=batch_rows, columns=list(dict.fromkeys(wanted.values()))
            )
            try:
                for table in _rebatch(chunks, batch_rows):
                    done += table.num_rows
                    yield _pick(table, wanted), done
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(
                    f"{self._path}: row {done + 1} onwards cannot be read ({_one_line(exc)}); "
                    "check the file was written completely"
                ) from None

    def first_line(self, row: int) -> int:
        return row + 1

    def line_of(self, row: int) -> int:
        return row + 1


_CSV_NULLS = frozenset(pacsv.ConvertOptions().null_values)
_CSV_FLOAT = re.compile(
    r"\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*", re.ASCII | re.IGNORECASE
)
_CSV_INTEGER = re.compile(r"\s*-?\d+\s*", re.ASCII)


class _CsvSource:
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
            for table in _rebatch(reader, batch_rows):
                yield _pick(table, wanted), min(raw.tell(), size)
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
                f"{self._path}: cannot read the file as UTF-8 CSV text ({_one_line(exc)}); "
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
                    fix = _WRITE_A_NUMBER
                    if kind == pa.int64():
                        fix = "write whole epoch numbers, like the first row"
                    return DataError(f"{where}, column {name!r}: {value!r} is not a number; {fix}")
        reason = _one_line(exc)
        return DataError(
            f"{self._path}: cannot read the file ({reason}); fix the row or re-export it"
        )


class _JsonlSource:
    label = "line"
    _PEEK_OBJECTS = 1_000

    def __init__(self, path: Path, gzipped: bool) -> None:
        self._path, self._gzipped = path, gzipped
        self.rows: int | None = None
        self._batch_start = 0
        self._batch_lines: list[int] = []
        names: dict[str, None] = {}
        first_line = seen = 0
        with open(path, "rb") as raw, self._binary(raw) as lines:
            for number, line in enumerate(lines, 1):
                if line.isspace():
                    continue
                if not first_line and line.lstrip().startswith(b"["):
                    raise DataError(
                        f"{path}: line {number}: the file is one JSON array; "
                        "write JSON Lines instead, one object per line"
                    )
                first_line = first_line or number
                names.update(dict.fromkeys(self._decode(line, number)))
                seen += 1
                if seen == self._PEEK_OBJECTS:
                    break
        if not first_line:
            raise DataError(f"{path}: the file has no rows; it holds no JSON objects")
        self.names: list[str] = list(names)
        self.header_where = f"line {first_line}: "

    def read(self, wanted: Mapping[str, str], batch_rows: int) -> Iterator[tuple[Arrays, int]]:
        start = 0
        with open(self._path, "rb") as raw, self._binary(raw) as lines:
            batch: list[bytes] = []
            numbers: list[int] = []
            for number, line in enumerate(lines, 1):
                if line.isspace():
                    continue
                batch.append(line)
                numbers.append(number)
                if len(batch) == batch_rows:
                    yield self._arrays(batch, numbers, start, wanted), raw.tell()
                    start += len(batch)
                    batch, numbers = [], []
            if batch:
                yield self._arrays(batch, numbers, start, wanted), raw.tell()

    def first_line(self, row: int) -> int:
        return self.line_of(row)

    def line_of(self, row: int) -> int:
        index = row - self._batch_start
        if 0 <= index < len(self._batch_lines):
            return self._batch_lines[index]
        return row + 1

    def _binary(self, raw: IO[bytes]) -> IO[bytes]:
        return io.BufferedReader(gzip.GzipFile(fileobj=raw)) if self._gzipped else raw

    def _decode(self, line: bytes, number: int) -> dict[str, Any]:
        try:
            value = msgspec.json.decode(line.removeprefix(b"\xef\xbb\xbf"))
        except msgspec.DecodeError as exc:
            raise DataError(
                f"{self._path}: line {number}: invalid JSON ({exc}); write one JSON object per line"
            ) from None
        if not isinstance(value, dict):
            raise DataError(
                f"{self._path}: line {number}: a JSON {type(value).__name__} where an object is "
                "expected; write one JSON object per line"
            )
        return value

    def _arrays(
        self, lines: list[bytes], numbers: list[int], start: int, wanted: Mapping[str, str]
    ) -> Arrays:
        self._batch_start, self._batch_lines = start, numbers
        objects: list[Any] | None
        try:
            objects = msgspec.json.decode(b"[" + b",".join(lines) + b"]")
        except msgspec.DecodeError:
            objects = None
        if (
            objects is None
            or len(objects) != len(lines)
            or any(type(o) is not dict for o in objects)
        ):
            # Something is off: decode line by line to name the first bad one.
            objects = [self._decode(line, n) for line, n in zip(lines, numbers, strict=True)]
        arrays: Arrays = {}
        for column, name in wanted.items():
            values = [o.get(name) for o in objects]
            arrays[column] = _json_values(values, column)
        return arrays


def _json_values(values: list[Any], column: str) -> pa.Array:
    """Arrow values of one JSON column; numbers written as strings ("42.5") are kept as text."""
    if column not in cols.TEXT_COLUMNS:
        try:
            return pa.array(values, pa.float64() if column != "ts" else None)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            pass
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
