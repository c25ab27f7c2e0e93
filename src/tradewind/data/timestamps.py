"""Timestamp columns of any common form turned into int64 nanoseconds since the epoch, UTC."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

ArrowColumn: TypeAlias = "pa.Array | pa.ChunkedArray"
Nanos: TypeAlias = npt.NDArray[np.int64]

# Magnitude ranges of a plausible epoch timestamp in each unit, and nanoseconds per unit.
_UNITS: tuple[tuple[str, float, float, int], ...] = (
    ("seconds", 0.0, 1e11, 1_000_000_000),
    ("milliseconds", 1e11, 1e14, 1_000_000),
    ("microseconds", 1e14, 1e17, 1_000),
    ("nanoseconds", 1e17, float("inf"), 1),
)
_INT64_MAX = np.iinfo(np.int64).max
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*", re.ASCII)
_INTEGER = re.compile(r"\s*[+-]?\d+\s*", re.ASCII)
_HAS_OFFSET = r"[T ]\d\d(:\d\d)*(\.\d+)?\s*([Zz]|[+-]\d\d(:?\d\d)?)$"
_ISO_EXAMPLE = "write ISO-8601 such as 2024-01-01T00:00:00Z or epoch numbers"


class BadTimestamp(ValueError):
    """A timestamp that cannot be converted; ``row`` is its index in the converted array."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(reason)
        self.row = row
        self.reason = reason


def unit_of(value: float) -> str:
    """The epoch unit a number's magnitude implies: seconds, milli-, micro- or nanoseconds."""
    magnitude = abs(value)
    for name, low, high, _ in _UNITS:
        if low <= magnitude < high:
            return name
    return "nanoseconds"


def first_failure(values: ArrowColumn, convert: Callable[[ArrowColumn], object]) -> int:
    """Index of the first element ``convert`` fails on, found by bisection (error path only)."""
    low, high = 0, len(values)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            convert(values.slice(low, middle - low))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            high = middle
        else:
            low = middle
    return low


class TimestampParser:
    """Converts successive batches of one timestamp column, keeping one epoch unit throughout."""

    __slots__ = ("unit",)

    def __init__(self) -> None:
        self.unit: str | None = None

    def to_nanos(self, values: ArrowColumn) -> Nanos:
        """Nanoseconds since the epoch, UTC; naive timestamps and strings are taken as UTC."""
        if values.null_count:
            row = int(np.argmax(values.is_null().to_numpy(zero_copy_only=False)))
            raise BadTimestamp(row, "the timestamp is missing; every row needs one")
        kind = values.type
        if pa.types.is_dictionary(kind):
            return self.to_nanos(values.cast(kind.value_type))
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            return _temporal_to_nanos(values)
        if pa.types.is_integer(kind):
            return self._numbers_to_nanos(values.cast(pa.int64()).to_numpy(zero_copy_only=False))
        if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            return self._numbers_to_nanos(values.cast(pa.float64()).to_numpy(zero_copy_only=False))
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return self._strings_to_nanos(values)
        raise BadTimestamp(0, f"timestamps of type {kind} are not supported; {_ISO_EXAMPLE}")

    def _strings_to_nanos(self, values: ArrowColumn) -> Nanos:
        first = str(values[0].as_py()) if len(values) else ""
        if self.unit is not None or _NUMBER.fullmatch(first):
            target = pa.int64() if _INTEGER.fullmatch(first) else pa.float64()
            try:
                numbers = pc.cast(pc.utf8_trim_whitespace(values), target)
            except pa.ArrowInvalid:
                row = first_failure(values, lambda part: pc.cast(part, target))
                raise BadTimestamp(row, f"{values[row].as_py()!r} is not a number") from None
            return self._numbers_to_nanos(numbers.to_numpy(zero_copy_only=False))
        return _iso_to_nanos(values)

    def _numbers_to_nanos(self, numbers: npt.NDArray[np.int64] | npt.NDArray[np.float64]) -> Nanos:
        if not len(numbers):
            return np.empty(0, dtype=np.int64)
        floating = numbers.dtype.kind == "f"
        if floating and not np.isfinite(numbers).all():
            row = int(np.argmax(~np.isfinite(numbers)))
            raise BadTimestamp(row, f"{numbers[row]} is not a timestamp")
        if self.unit is None:
            self.unit = unit_of(float(numbers[0]))
        _, low, high, factor = next(u for u in _UNITS if u[0] == self.unit)
        limit = min(high, _INT64_MAX // factor)
        smallest, largest = numbers.min(), numbers.max()
        if not (low <= smallest and largest < limit):
            magnitude = np.abs(numbers)
            bad = ~((magnitude >= low) & (magnitude < limit))
            if bad.any():
                row = int(np.argmax(bad))
                raise BadTimestamp(row, self._inconsistency(numbers[row], limit))
        if floating:
            return _float_to_nanos(numbers.astype(np.float64, copy=False), factor)
        if factor == 1:
            return numbers.astype(np.int64, copy=False)
        return numbers.astype(np.int64, copy=False) * factor

    def _inconsistency(self, value: float, limit: float) -> str:
        if abs(value) >= limit and unit_of(value) == self.unit:
            return f"timestamp {value} in {self.unit} is out of range (after the year 2262)"
        return (
            f"timestamp {value} looks like {unit_of(value)} but the column started in "
            f"{self.unit}; use one unit throughout the file"
        )


def _float_to_nanos(numbers: npt.NDArray[np.float64], factor: int) -> Nanos:
    """Whole units exactly, the fraction rounded to what float64 can carry at today's epochs."""
    whole = np.floor(numbers)
    # A float64 of epoch seconds or milliseconds is good to about 0.25 us: round to the us.
    quantum = 1_000 if factor >= 1_000_000 else 1
    fraction = np.round((numbers - whole) * (factor / quantum)).astype(np.int64) * quantum
    return whole.astype(np.int64) * factor + fraction


def _temporal_to_nanos(values: ArrowColumn) -> Nanos:
    kind = values.type
    target = pa.timestamp("ns", getattr(kind, "tz", None))
    try:
        nanos = values.cast(target)
    except pa.ArrowInvalid:
        row = first_failure(values, lambda part: part.cast(target))
        problem = f"timestamp {values[row]} is out of range (year 1677 to 2262)"
        raise BadTimestamp(row, problem) from None
    result: Nanos = nanos.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return result


def _iso_to_nanos(values: ArrowColumn) -> Nanos:
    """Parse ISO-8601 strings; those with a zone offset are converted, the others taken as UTC."""
    trimmed = pc.utf8_trim_whitespace(values)
    has_offset = pc.match_substring_regex(trimmed, _HAS_OFFSET)
    with_offset = pc.if_else(has_offset, trimmed, pa.scalar(None, pa.string()))
    without_offset = pc.if_else(has_offset, pa.scalar(None, pa.string()), trimmed)
    zoned = _parse(with_offset, pa.timestamp("ns", "UTC"), values)
    naive = _parse(without_offset, pa.timestamp("ns"), values)
    result: Nanos = pc.if_else(has_offset, zoned, naive).to_numpy(zero_copy_only=False)
    return result


def _parse(strings: ArrowColumn, target: pa.DataType, original: ArrowColumn) -> ArrowColumn:
    try:
        parsed: ArrowColumn = pc.cast(strings, target).cast(pa.int64())
        return parsed
    except pa.ArrowInvalid:
        row = first_failure(strings, lambda part: pc.cast(part, target))
        value = original[row].as_py()
        raise BadTimestamp(row, f"{value!r} is not a timestamp; {_ISO_EXAMPLE}") from None
