"""HistoricalClock: alarms and timers pop in time order, repeat, stop and cancel like live ones."""

from __future__ import annotations

import pytest

from tradewind.engine import NEVER, HistoricalClock
from tradewind.errors import ConfigError
from tradewind.model import TimeEvent


def drain(clock: HistoricalClock, until_ns: int) -> list[tuple[str, int, int]]:
    """Everything due up to ``until_ns``, as (name, ts_event, ts_init)."""
    out = []
    event = clock.pop_due(until_ns)
    while event is not None:
        out.append((event.name, event.ts_event, event.ts_init))
        event = clock.pop_due(until_ns)
    return out


def test_alarms_pop_in_timestamp_order_and_move_the_clock_to_their_time() -> None:
    clock = HistoricalClock(100)
    clock.set_alarm("c", "o", 300)
    clock.set_alarm("a", "o", 150)
    clock.set_alarm("b", "o", 200)
    assert clock.next_ns == 150
    assert drain(clock, 250) == [("a", 150, 150), ("b", 200, 200)]
    assert clock.now_ns == 200
    assert clock.next_ns == 300
    assert drain(clock, 299) == []
    assert drain(clock, 300) == [("c", 300, 300)]
    assert clock.next_ns == NEVER


def test_alarms_at_the_same_time_pop_in_the_order_they_were_set() -> None:
    clock = HistoricalClock(0)
    for name in ("first", "second", "third"):
        clock.set_alarm(name, "o", 10)
    assert [name for name, _, _ in drain(clock, 10)] == ["first", "second", "third"]


def test_an_alarm_set_in_the_past_fires_at_the_next_step_stamped_now() -> None:
    clock = HistoricalClock(1_000)
    clock.set_alarm("late", "o", 400)
    assert drain(clock, 1_000) == [("late", 400, 1_000)]
    assert clock.now_ns == 1_000


def test_a_periodic_timer_repeats_every_interval_until_its_stop_time_inclusive() -> None:
    clock = HistoricalClock(0)
    clock.set_timer("t", "o", 10, stop_ns=40)
    assert [ts for _, ts, _ in drain(clock, 1_000)] == [10, 20, 30, 40]
    assert clock.next_ns == NEVER


def test_a_timer_starts_at_start_ns_when_given() -> None:
    clock = HistoricalClock(0)
    clock.set_timer("t", "o", 10, start_ns=5, stop_ns=25)
    assert [ts for _, ts, _ in drain(clock, 100)] == [5, 15, 25]


def test_timers_and_alarms_interleave_in_time_order() -> None:
    clock = HistoricalClock(0)
    clock.set_timer("t", "o", 10, stop_ns=30)
    clock.set_alarm("a", "o", 15)
    assert [(n, ts) for n, ts, _ in drain(clock, 100)] == [
        ("t", 10),
        ("a", 15),
        ("t", 20),
        ("t", 30),
    ]


def test_a_timer_with_a_non_positive_interval_is_refused() -> None:
    clock = HistoricalClock(0)
    with pytest.raises(ConfigError, match="interval must be > 0"):
        clock.set_timer("t", "o", 0)


def test_cancel_stops_a_timer_and_leaves_others_of_the_same_name_and_other_owners() -> None:
    clock = HistoricalClock(0)
    clock.set_timer("t", "a", 10)
    clock.set_timer("t", "b", 10, stop_ns=30)
    assert drain(clock, 10) == [("t", 10, 10), ("t", 10, 10)]
    clock.cancel("t", "a")
    events = []
    event = clock.pop_due(100)
    while event is not None:
        events.append(event)
        event = clock.pop_due(100)
    assert [(e.owner, e.ts_event) for e in events] == [("b", 20), ("b", 30)]


def test_canceling_an_unknown_timer_is_ignored() -> None:
    clock = HistoricalClock(0)
    clock.cancel("nothing", "o")
    clock.set_alarm("a", "o", 5)
    assert drain(clock, 5) == [("a", 5, 5)]


def test_pop_due_returns_time_events_carrying_name_and_owner() -> None:
    clock = HistoricalClock(0)
    clock.set_alarm("a", "strategy:x", 5)
    assert clock.pop_due(5) == TimeEvent("a", "strategy:x", 5, 5)


def test_setting_a_canceled_timer_again_does_not_revive_the_old_one() -> None:
    clock = HistoricalClock(0)
    clock.set_timer("t", "o", 10)
    assert drain(clock, 10) == [("t", 10, 10)]
    clock.cancel("t", "o")
    clock.set_alarm("t", "o", 25)
    assert [ts for _, ts, _ in drain(clock, 60)] == [25]


def test_setting_an_alarm_again_under_the_same_name_replaces_it_as_the_live_clock_does() -> None:
    clock = HistoricalClock(0)
    clock.set_alarm("a", "o", 10)
    clock.set_alarm("a", "o", 20)
    assert [ts for _, ts, _ in drain(clock, 100)] == [20]
