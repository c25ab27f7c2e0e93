"""replay_paced: recorded pace divided by speed, on a fake clock, without drift."""

from __future__ import annotations

from typing import Any

import pytest

from tradewind.errors import ConfigError
from tradewind.recorder import replay_paced
from tradewind.testing.factories import MILLISECOND, SECOND, T0, quote, trade

EVENTS = [
    quote("BTCUSDT.SIM", 100, 101, T0),
    trade("BTCUSDT.SIM", 100.5, T0 + 500 * MILLISECOND),
    quote("BTCUSDT.SIM", 101, 102, T0 + 2 * SECOND),
    trade("BTCUSDT.SIM", 101.5, T0 + 2 * SECOND),
    quote("BTCUSDT.SIM", 102, 103, T0 + 6 * SECOND),
]


class FakeTime:
    """A monotonic clock that only ``sleep`` moves, by ``overshoot`` more than asked."""

    def __init__(self, overshoot: float = 0.0) -> None:
        self.now = 1_000.0
        self.overshoot = overshoot
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds + self.overshoot


async def run(speed: float | None, fake: FakeTime) -> tuple[Any, list[tuple[float, Any]]]:
    seen: list[tuple[float, Any]] = []
    stats = await replay_paced(
        EVENTS,
        lambda e: seen.append((fake.now, e)),
        speed=speed,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    return stats, seen


@pytest.mark.parametrize(("speed", "total"), [(1.0, 6.0), (4.0, 1.5)])
async def test_paced_replay_sleeps_the_recorded_time_divided_by_speed_in_order(
    speed: float, total: float
) -> None:
    fake = FakeTime()

    stats, seen = await run(speed, fake)

    assert [e for _, e in seen] == EVENTS
    assert [t - 1_000.0 for t, _ in seen] == pytest.approx(
        [0.0, 0.5 / speed, 2 / speed, 2 / speed, 6 / speed]
    )
    assert sum(fake.sleeps) == pytest.approx(total)
    assert len(fake.sleeps) == 3  # no sleep for the event at the same time
    assert stats.events == 5
    assert stats.wall_seconds == pytest.approx(total)
    assert stats.max_lag_seconds == pytest.approx(0.0)


async def test_sleep_overshoot_does_not_accumulate_into_drift() -> None:
    fake = FakeTime(overshoot=0.1)

    stats, seen = await run(1.0, fake)

    # each delivery is at most one overshoot late, never the sum of them
    late = [t - 1_000.0 - want for (t, _), want in zip(seen, [0, 0.5, 2, 2, 6], strict=True)]
    assert late == pytest.approx([0.0, 0.1, 0.1, 0.1, 0.1])
    assert stats.max_lag_seconds == pytest.approx(0.1)
    assert stats.wall_seconds == pytest.approx(6.1)


@pytest.mark.parametrize("speed", [0, None])
async def test_speed_zero_or_none_replays_as_fast_as_possible(speed: float | None) -> None:
    fake = FakeTime()

    stats, seen = await run(speed, fake)

    assert [e for _, e in seen] == EVENTS
    assert fake.sleeps == []
    assert stats.wall_seconds == 0.0


async def test_an_async_sink_is_awaited() -> None:
    fake = FakeTime()
    seen: list[Any] = []

    async def sink(event: Any) -> None:
        seen.append(event)

    await replay_paced(EVENTS, sink, speed=2.0, sleep=fake.sleep, clock=fake.clock)

    assert seen == EVENTS


async def test_a_negative_speed_is_refused() -> None:
    with pytest.raises(ConfigError, match="speed"):
        await replay_paced(EVENTS, print, speed=-1.0)
