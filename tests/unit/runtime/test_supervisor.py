"""Supervisor: restart policies, backoff with jitter, the breaker, shutdown and health."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable

import pytest

from tradewind.runtime.supervisor import Phase, Restart, RestartPolicy, Supervisor


class FakeTime:
    """A monotonic clock that moves only when something sleeps on it; records every sleep."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def supervisor(t: FakeTime, seed: int = 1) -> Supervisor:
    return Supervisor(clock=t.clock, sleep=t.sleep, wall_ns=lambda: 1_700_000_000_000_000_000,
                      rng=random.Random(seed))  # fmt: skip


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def join(sup: Supervisor, name: str) -> Phase:
    return await asyncio.wait_for(sup.join(name), timeout=5.0)


class Crasher:
    """A service that raises on each of its first ``crashes`` runs, then returns or blocks."""

    def __init__(self, crashes: int = 10**9, *, runs_for: float = 0.0, t: FakeTime | None = None,
                 then_block: bool = False) -> None:  # fmt: skip
        self.crashes, self.runs_for, self.t, self.then_block = crashes, runs_for, t, then_block
        self.runs = 0

    async def __call__(self) -> None:
        self.runs += 1
        if self.t is not None and self.runs_for:
            await self.t.sleep(self.runs_for)
        if self.runs <= self.crashes:
            raise RuntimeError(f"boom {self.runs}")
        if self.then_block:
            await asyncio.Event().wait()


async def test_a_crashing_service_restarts_after_100_200_400_ms_doubling_up_to_the_cap() -> None:
    t = FakeTime()
    sup = supervisor(t)
    policy = RestartPolicy(cap_s=1.0, jitter=0.0, max_restarts=8)
    sup.add("feed", Crasher(), policy)
    sup.start()
    assert await join(sup, "feed") is Phase.TRIPPED
    assert t.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0])


async def test_jittered_delays_stay_inside_the_band_and_repeat_for_the_same_seed() -> None:
    async def delays(seed: int) -> list[float]:
        t = FakeTime()
        sup = supervisor(t, seed)
        sup.add("feed", Crasher(), RestartPolicy(cap_s=3.0))
        sup.start()
        await join(sup, "feed")
        return t.sleeps

    policy = RestartPolicy(cap_s=3.0)
    got = await delays(7)
    nominal = [policy.nominal_delay(n) for n in range(1, 11)]
    assert nominal[:3] == pytest.approx([0.1, 0.2, 0.4]) and nominal[-1] == 3.0
    assert len(got) == 10
    for delay, top in zip(got, nominal, strict=True):
        assert (1 - policy.jitter) * top <= delay <= top
    assert got != pytest.approx(nominal), "jitter must actually vary the delays"
    assert await delays(7) == got
    assert await delays(8) != got


async def test_on_failure_restarts_after_crashes_but_not_after_a_clean_exit() -> None:
    t = FakeTime()
    sup = supervisor(t)
    service = Crasher(crashes=2)
    sup.add("reaper", service, RestartPolicy(restart=Restart.ON_FAILURE))
    sup.start()
    assert await join(sup, "reaper") is Phase.STOPPED
    assert service.runs == 3
    assert sup.health()["reaper"]["restarts"] == 2


async def test_always_restarts_after_a_clean_exit() -> None:
    t = FakeTime()
    sup = supervisor(t)
    service = Crasher(crashes=0, then_block=False)
    runs_before_block = 3

    async def run() -> None:
        await service()
        if service.runs > runs_before_block:
            await asyncio.Event().wait()

    sup.add("metrics", run, RestartPolicy(restart=Restart.ALWAYS))
    sup.start()
    await until(lambda: service.runs == runs_before_block + 1)
    await asyncio.sleep(0)
    assert sup.phase("metrics") is Phase.RUNNING
    assert sup.health()["metrics"]["restarts"] == runs_before_block
    assert await sup.shutdown(timeout=1.0) == []


async def test_never_does_not_restart_after_a_crash_or_a_clean_exit() -> None:
    t = FakeTime()
    sup = supervisor(t)
    crashing, clean = Crasher(crashes=1), Crasher(crashes=0)
    sup.add("crashing", crashing, RestartPolicy(restart=Restart.NEVER))
    sup.add("clean", clean, RestartPolicy(restart=Restart.NEVER))
    sup.start()
    assert await join(sup, "crashing") is Phase.FAILED
    assert await join(sup, "clean") is Phase.STOPPED
    assert (crashing.runs, clean.runs) == (1, 1)
    assert t.sleeps == []


async def test_the_breaker_trips_on_the_eleventh_crash_within_the_window_and_stays_tripped() -> (
    None
):
    t = FakeTime()
    sup = supervisor(t)
    service = Crasher()
    sup.add("feed", service)
    sup.start()
    assert await join(sup, "feed") is Phase.TRIPPED
    assert service.runs == 11
    assert sup.health()["feed"]["restarts"] == 10
    assert t.now < 600.0, "all eleven crashes happened inside the ten-minute window"
    t.now += 3600.0
    for _ in range(100):
        await asyncio.sleep(0)
    assert sup.phase("feed") is Phase.TRIPPED
    assert service.runs == 11


async def test_crashes_spread_over_more_than_the_window_do_not_trip_the_breaker() -> None:
    t = FakeTime()
    sup = supervisor(t)
    service = Crasher(crashes=25, runs_for=61.0, t=t)
    sup.add("feed", service)
    sup.start()
    assert await join(sup, "feed") is Phase.STOPPED
    assert service.runs == 26
    assert sup.health()["feed"]["restarts"] == 25


async def test_shutdown_stops_running_and_backing_off_services_within_the_timeout() -> None:
    sup = Supervisor(rng=random.Random(3))  # real clock and sleep; nothing waits for long

    async def idle() -> None:
        await asyncio.Event().wait()

    async def busy() -> None:
        while True:
            await asyncio.sleep(0.001)

    sup.add("feed", idle)
    sup.add("router", busy)
    sup.add("recorder", Crasher(), RestartPolicy(base_s=30.0))
    sup.start()
    await until(lambda: sup.phase("recorder") is Phase.BACKOFF)
    assert await sup.shutdown(timeout=5.0) == []
    assert {name: h["phase"] for name, h in sup.health().items()} == {
        "feed": "stopped",
        "router": "stopped",
        "recorder": "stopped",
    }


async def test_shutdown_names_a_service_that_ignores_cancellation() -> None:
    sup = Supervisor(rng=random.Random(3))
    release = asyncio.Event()
    runs = 0

    async def stubborn() -> None:
        nonlocal runs
        runs += 1
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    async def idle() -> None:
        await asyncio.Event().wait()

    sup.add("stubborn", stubborn, RestartPolicy(restart=Restart.ALWAYS, base_s=30.0))
    sup.add("feed", idle)
    sup.start()
    await until(lambda: runs == 1)
    assert await sup.shutdown(timeout=0.05) == ["stubborn"]
    assert sup.phase("stubborn") is Phase.STOPPING
    assert sup.phase("feed") is Phase.STOPPED
    release.set()
    assert await join(sup, "stubborn") is Phase.STOPPED
    assert runs == 1, "a service that ends during shutdown is not restarted"


async def test_health_snapshot_reports_phase_restarts_last_error_start_time_and_uptime() -> None:
    t = FakeTime(start=100.0)
    held = asyncio.Event()

    async def hold(seconds: float) -> None:  # backoff that never elapses on its own
        await held.wait()

    sup = Supervisor(clock=t.clock, sleep=hold, wall_ns=lambda: 1_700_000_000_000_000_000,
                     rng=random.Random(1))  # fmt: skip

    async def idle() -> None:
        await asyncio.Event().wait()

    async def bad_disk() -> None:
        raise OSError("disk\nfull")

    sup.add("feed", idle)
    sup.add("recorder", bad_disk, RestartPolicy(restart=Restart.NEVER))
    sup.add("metrics", Crasher())
    sup.start()
    await until(lambda: sup.phase("metrics") is Phase.BACKOFF)
    t.now = 107.5
    health = sup.health()
    assert json.loads(json.dumps(health)) == health
    assert health == {
        "feed": {"phase": "running", "restarts": 0, "last_error": None,
                 "last_start_ns": 1_700_000_000_000_000_000, "uptime_s": 7.5},
        "recorder": {"phase": "failed", "restarts": 0, "last_error": "OSError: disk full",
                     "last_start_ns": 1_700_000_000_000_000_000, "uptime_s": 0.0},
        "metrics": {"phase": "backoff", "restarts": 0, "last_error": "RuntimeError: boom 1",
                    "last_start_ns": 1_700_000_000_000_000_000, "uptime_s": 0.0},
    }  # fmt: skip
    await sup.shutdown(timeout=1.0)


async def test_one_failing_service_does_not_disturb_another() -> None:
    t = FakeTime()
    sup = supervisor(t)
    healthy_runs = 0

    async def router() -> None:
        nonlocal healthy_runs
        healthy_runs += 1
        await asyncio.Event().wait()

    sup.add("router", router)
    sup.add("feed", Crasher())
    sup.start()
    assert await join(sup, "feed") is Phase.TRIPPED
    health = sup.health()["router"]
    assert (health["phase"], health["restarts"], health["last_error"]) == ("running", 0, None)
    assert healthy_runs == 1
    assert await sup.shutdown(timeout=1.0) == []
    assert sup.phase("router") is Phase.STOPPED
    assert sup.phase("feed") is Phase.TRIPPED


def test_a_policy_refuses_jitter_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="jitter"):
        RestartPolicy(jitter=1.5)
