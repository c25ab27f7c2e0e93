"""JSON Lines files (optionally gzipped) as a ``Source``: one object a line, decoded by msgspec."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import msgspec
import pyarrow as pa

from tradewind.data import columns as cols
from tradewind.data.sources import Arrays
from tradewind.errors import DataError


class JsonlSource:
    """A JSONL file; its columns are the keys of the first objects, in order of appearance."""

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
