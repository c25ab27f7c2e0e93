"""Timestamp columns of every common form become int64 nanoseconds since the epoch, UTC."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tradewind.data.timestamps import BadTimestamp, TimestampParser, unit_of

NEW_YEAR_NS = 1_704_067_200 * 1_000_000_000  # 2024-01-01T00:00:00Z


def nanos(values: pa.Array) -> list[int]:
    return TimestampParser().to_nanos(values).tolist()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("first", "unit", "one_unit_ns"),
    [
        (1_704_067_200, "seconds", 1_000_000_000),
        (1_704_067_200_000, "milliseconds", 1_000_000),
        (1_704_067_200_000_000, "microseconds", 1_000),
        (NEW_YEAR_NS, "nanoseconds", 1),
    ],
)
def test_integer_epoch_unit_is_inferred_from_magnitude(
    first: int, unit: str, one_unit_ns: int
) -> None:
    assert unit_of(first) == unit
    assert nanos(pa.array([first, first + 1])) == [NEW_YEAR_NS, NEW_YEAR_NS + one_unit_ns]


def test_float_seconds_keep_their_fraction() -> None:
    assert nanos(pa.array([1_704_067_200.25])) == [NEW_YEAR_NS + 250_000_000]


def test_float_milliseconds_keep_their_fraction() -> None:
    assert nanos(pa.array([1_704_067_200_000.5])) == [NEW_YEAR_NS + 500_000]


def test_numbers_written_as_strings_are_read_as_numbers() -> None:
    assert nanos(pa.array(["1704067200000", " 1704067200001"])) == [
        NEW_YEAR_NS,
        NEW_YEAR_NS + 1_000_000,
    ]


def test_a_column_that_changes_unit_midway_names_the_row_and_both_units() -> None:
    with pytest.raises(BadTimestamp) as caught:
        nanos(pa.array([1_704_067_200_000, 1_704_067_200_001, 1_704_067_201]))
    assert caught.value.row == 2
    assert "looks like seconds" in caught.value.reason
    assert "started in milliseconds" in caught.value.reason


def test_the_unit_decided_by_the_first_batch_holds_for_later_batches() -> None:
    parser = TimestampParser()
    parser.to_nanos(pa.array([1_704_067_200_000]))
    with pytest.raises(BadTimestamp, match="started in milliseconds"):
        parser.to_nanos(pa.array([1_704_067_201]))


def test_seconds_beyond_2262_are_out_of_range_not_overflowed() -> None:
    with pytest.raises(BadTimestamp, match="out of range"):
        nanos(pa.array([1_704_067_200, 50_000_000_000]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00Z", NEW_YEAR_NS),
        ("2024-01-01 00:00:00.123", NEW_YEAR_NS + 123_000_000),
        ("2024-01-01T00:00:00.000000001Z", NEW_YEAR_NS + 1),
        ("2024-01-01T01:00:00+01:00", NEW_YEAR_NS),
        ("2023-12-31T19:00:00-0500", NEW_YEAR_NS),
        ("2024-01-01", NEW_YEAR_NS),
        (" 2024-01-01T00:00:00Z ", NEW_YEAR_NS),
    ],
)
def test_iso_8601_strings_are_parsed_as_utc(text: str, expected: int) -> None:
    assert nanos(pa.array([text])) == [expected]


def test_iso_strings_with_and_without_offsets_may_mix() -> None:
    values = pa.array(["2024-01-01T00:00:00Z", "2024-01-01 00:00:01", "2024-01-01T02:00:02+02:00"])
    assert nanos(values) == [NEW_YEAR_NS, NEW_YEAR_NS + 1_000_000_000, NEW_YEAR_NS + 2_000_000_000]


def test_unparseable_string_names_its_row_and_an_example() -> None:
    with pytest.raises(BadTimestamp) as caught:
        nanos(pa.array(["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "yesterday"]))
    assert caught.value.row == 2
    assert "'yesterday' is not a timestamp" in caught.value.reason
    assert "2024-01-01T00:00:00Z" in caught.value.reason


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_arrow_timestamps_of_any_unit_are_converted(unit: str) -> None:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert nanos(pa.array([moment], pa.timestamp(unit, "UTC"))) == [NEW_YEAR_NS]
    assert nanos(pa.array([moment.replace(tzinfo=None)], pa.timestamp(unit))) == [NEW_YEAR_NS]


def test_zoned_arrow_timestamps_keep_their_utc_instant() -> None:
    values = pa.array([NEW_YEAR_NS], pa.timestamp("ns", "America/New_York"))
    assert nanos(values) == [NEW_YEAR_NS]


def test_dates_become_midnight_utc() -> None:
    assert nanos(pa.array([dt.date(2024, 1, 1)], pa.date32())) == [NEW_YEAR_NS]
    assert nanos(pa.array([dt.date(2024, 1, 1)], pa.date64())) == [NEW_YEAR_NS]


def test_a_missing_timestamp_names_its_row() -> None:
    with pytest.raises(BadTimestamp) as caught:
        nanos(pa.array([NEW_YEAR_NS, None]))
    assert caught.value.row == 1
    assert "missing" in caught.value.reason


def test_arrow_timestamps_beyond_nanosecond_range_name_the_row() -> None:
    far = pa.array([0, 10**11], pa.timestamp("s"))
    with pytest.raises(BadTimestamp) as caught:
        nanos(far)
    assert caught.value.row == 1


def test_unsupported_types_are_refused() -> None:
    with pytest.raises(BadTimestamp, match="not supported"):
        nanos(pa.array([True]))


def test_float_seconds_with_millisecond_fractions_land_on_the_millisecond() -> None:
    assert nanos(pa.array([1_704_067_200.123])) == [NEW_YEAR_NS + 123_000_000]


def test_a_non_finite_float_timestamp_names_its_row() -> None:
    with pytest.raises(BadTimestamp) as caught:
        nanos(pa.array([1_704_067_200.0, float("nan")]))
    assert caught.value.row == 1
    assert "nan is not a timestamp" in caught.value.reason
