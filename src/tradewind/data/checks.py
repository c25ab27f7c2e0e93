"""Checking one batch of rows: timestamps in order, finite prices and sizes, sane quotes, bars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tradewind.data import columns as cols
from tradewind.data.timestamps import ArrowColumn, BadTimestamp, TimestampParser, first_failure

if TYPE_CHECKING:
    from tradewind.data.sources import Arrays

WRITE_A_NUMBER = "write a plain number such as 100.25"
"""The fix for a value that is not a number."""

Floats = npt.NDArray[np.float64]


class RowProblem(Exception):
    """What is wrong with one row (0-based ``row``, canonical ``column``) and the fix."""

    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def _show(value: Any) -> str:
    return repr(float(value))


def _iso(nanos: int) -> str:
    return f"{np.datetime64(nanos, 'ns')}Z"


class BatchChecker:
    """Converts a batch to canonical Python lists, checking it vectorised; slow only to explain."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._numbers = cols.REQUIRED[kind][1:]
        self._clock = TimestampParser()
        self._last_ts: int | None = None

    def convert(self, arrays: Arrays, start: int) -> dict[str, list[Any]]:
        """Canonical lists of the batch whose first row is row ``start``; RowProblem if bad."""
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
            raise RowProblem(start + bad.row, "ts", bad.reason) from None
        if not len(ts):
            return ts
        previous = self._last_ts
        if previous is not None and ts[0] < previous:
            raise RowProblem(start, "ts", _backwards(int(ts[0]), previous))
        if len(ts) > 1:
            row = _first(ts[1:] < ts[:-1])
            if row is not None:
                raise RowProblem(start + row + 1, "ts", _backwards(int(ts[row + 1]), int(ts[row])))
        self._last_ts = int(ts[-1])
        return ts

    def _floats(self, values: ArrowColumn, column: str, start: int) -> Floats:
        if values.null_count:
            row = _first(values.is_null().to_numpy(zero_copy_only=False)) or 0
            message = "the value is missing; fill it in or drop the row"
            raise RowProblem(start + row, column, message)
        kind = values.type
        if pa.types.is_dictionary(kind):
            return self._floats(values.cast(kind.value_type), column, start)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            values = pc.utf8_trim_whitespace(values)
            try:
                values = pc.cast(values, pa.float64())
            except pa.ArrowInvalid:
                row = first_failure(values, lambda part: pc.cast(part, pa.float64()))
                raise RowProblem(
                    start + row,
                    column,
                    f"{values[row].as_py()!r} is not a number; {WRITE_A_NUMBER}",
                ) from None
        elif not _is_number_type(kind):
            raise RowProblem(start, column, f"the column holds {kind} values; write numbers")
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

    def _explain(self, numbers: dict[str, Floats], start: int) -> RowProblem:
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
        return RowProblem(start + row, column, message)

    def _text(self, values: ArrowColumn, column: str, start: int) -> list[str]:
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        if column == "symbol":
            empty = pc.fill_null(pc.equal(pc.utf8_length(values), 0), True)
            row = _first(empty.to_numpy(zero_copy_only=False))
            if row is not None:
                raise RowProblem(start + row, column, "the symbol is missing; fill it in")
        else:
            values = values.fill_null("")
        if column == "side":
            original = values
            values = pc.utf8_lower(pc.utf8_trim_whitespace(values))
            values = pc.if_else(pc.equal(values, "unknown"), "", values)
            unknown = pc.invert(pc.is_in(values, value_set=pa.array(cols.TRADE_SIDES)))
            row = _first(unknown.to_numpy(zero_copy_only=False))
            if row is not None:
                raise RowProblem(
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
