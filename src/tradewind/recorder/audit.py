"""AuditRecorder: every audit-stream event as one JSON line, in rotating files.

It implements the engine's ``AuditSink`` protocol: pass it as ``Engine(clock, audit=...)``
or ``run_backtest(..., audit=...)``. Each line is ``{"type": "<class name>", ...fields}``,
the fields as ``msgspec.to_builtins`` gives them (Decimals as strings, enums as values).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import msgspec
import pyarrow as pa

from tradewind.recorder.files import RotatingFile

_SCHEMA = pa.schema([])  # no columns: each line is the event's own object


class AuditRecorder:
    """Writes audit events to ``folder/audit-YYYY-MM-DD-NNNN.jsonl``.

    The day is that of the event's ``ts_init`` (or ``ts_event``); an event with neither
    goes to the current file. ``flush_every`` rows are buffered before they are handed to
    the OS (1: every event, the default, as fills and orders should survive a crash).
    ``wants_market_data`` asks the engine for quotes, trades and bars too. As the protocol
    requires, a call never raises into the kernel: failures are counted in ``errors`` and
    the last one kept in ``last_error``.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        rotate_rows: int = 1_000_000,
        flush_every: int = 1,
        wants_market_data: bool = False,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.wants_market_data = wants_market_data
        self.rows = 0
        self.errors = 0
        self.last_error: str | None = None
        self._flush_every = max(1, flush_every)
        self._pending = 0
        self._last_ts = 0
        self._file = RotatingFile(
            self.folder,
            "audit",
            "jsonl",
            _SCHEMA,
            rotate_rows=rotate_rows,
            rotate_seconds=None,
            group_rows=1,
        )

    @property
    def paths(self) -> list[Path]:
        """Every file written so far, in time order."""
        return list(self._file.paths)

    def __call__(self, event: object) -> None:
        """Record one event; never raises."""
        try:
            self._write(event)
        except Exception as exc:  # the protocol: never raise into the kernel
            self.errors += 1
            self.last_error = f"{type(event).__name__}: {exc}"

    def flush(self) -> None:
        """Hand buffered lines to the OS."""
        self._file.flush()
        self._pending = 0

    def close(self) -> None:
        """Flush and close the current file."""
        self._file.close()
        self._pending = 0

    def __enter__(self) -> AuditRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, event: object) -> None:
        ts = getattr(event, "ts_init", None)
        if not isinstance(ts, int):
            ts = getattr(event, "ts_event", None)
        if isinstance(ts, int):
            self._last_ts = ts
        self._file.write(self._last_ts, (to_row(event),))
        self.rows += 1
        self._pending += 1
        if self._pending >= self._flush_every:
            self.flush()


def to_row(event: object) -> dict[str, Any]:
    """``{"type": name, **fields}`` for a msgspec struct, dataclass...; else ``repr`` as a field."""
    try:
        fields = msgspec.to_builtins(event, str_keys=True)
    except TypeError:
        fields = {"repr": repr(event)}
    if not isinstance(fields, dict):
        fields = {"value": fields}
    return {"type": type(event).__name__, **fields}
