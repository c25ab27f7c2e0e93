"""Several files replay as one stream: nothing lost, time never goes back, each file in order."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tradewind.data.stream import merged


class _Event:
    __slots__ = ("index", "source", "ts_init")

    def __init__(self, ts: int, source: int, index: int) -> None:
        self.ts_init, self.source, self.index = ts, source, index


class _Stream:
    def __init__(self, batches: list[list[Any]]) -> None:
        self.batches = batches

    def __iter__(self) -> Any:
        return iter(self.batches)


files = st.lists(
    st.tuples(st.lists(st.integers(0, 60), max_size=40), st.integers(1, 8)),
    min_size=2,
    max_size=4,
)


@given(files)
def test_merged_files_keep_every_event_in_time_order_and_each_file_in_its_order(
    spec: list[tuple[list[int], int]],
) -> None:
    streams, every = [], []
    for source, (times, batch_size) in enumerate(spec):
        events = [_Event(ts, source, i) for i, ts in enumerate(sorted(times))]
        every += events
        batches = [events[i : i + batch_size] for i in range(0, len(events), batch_size)]
        streams.append(_Stream(batches))
    out = [event for batch in merged(streams) for event in batch]  # type: ignore[arg-type]
    assert sorted(id(e) for e in out) == sorted(id(e) for e in every)
    assert all(a.ts_init <= b.ts_init for a, b in pairwise(out))
    for source in range(len(spec)):
        own = [e.index for e in out if e.source == source]
        assert own == sorted(own)
