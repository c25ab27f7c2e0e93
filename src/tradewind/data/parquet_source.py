"""Parquet files as a ``Source``: columns read in batches, rows counted from the metadata."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tradewind.data.sources import Arrays, one_line, pick, rebatch
from tradewind.errors import DataError


class ParquetSource:
    """A Parquet file; ``rows`` is known from its metadata, a row's "line" is its number."""

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
                f"{path}: not a readable Parquet file ({one_line(exc)}); "
                "check it was written completely, or re-export it"
            ) from None

    def read(self, wanted: Mapping[str, str], batch_rows: int) -> Iterator[tuple[Arrays, int]]:
        done = 0
        with pq.ParquetFile(self._path) as parquet:
            chunks = parquet.iter_batches(
                batch_size=batch_rows, columns=list(dict.fromkeys(wanted.values()))
            )
            try:
                for table in rebatch(chunks, batch_rows):
                    done += table.num_rows
                    yield pick(table, wanted), done
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(
                    f"{self._path}: row {done + 1} onwards cannot be read ({one_line(exc)}); "
                    "check the file was written completely"
                ) from None

    def first_line(self, row: int) -> int:
        return row + 1

    def line_of(self, row: int) -> int:
        return row + 1
