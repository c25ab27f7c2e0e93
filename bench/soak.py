"""Soak: a busy bot on the mock venue for a while; its memory must stay flat.

    .venv/bin/python bench/soak.py --seconds 120 --rate-hz 200

Two strategies trade three symbols (a market order every few quotes, limits placed and
canceled); every ``--every`` seconds it prints one JSON line: events, orders, resident memory.
At the end: the memory slope after the first quarter (warm-up), in MB per minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from decimal import Decimal
from pathlib import Path

from tradewind import Bot
from tradewind.model import QuoteTick
from tradewind.strategy import Strategy, StrategyParams

LOT = Decimal("0.001")


class Busy(Strategy[StrategyParams]):
    """A market order every 3rd quote (alternating sides), a limit every 5th, canceled soon."""

    def on_start(self) -> None:
        self.n = 0
        for iid in self.instruments:
            self.subscribe_quotes(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        self.n += 1
        iid = quote.instrument_id
        if self.n % 3 == 0:
            (self.buy if self.n % 6 else self.sell)(iid, LOT)
        if self.n % 5 == 0:
            self.buy(iid, LOT, Decimal(str(quote.bid)) - Decimal("0.05"))
        working = [o for o in self.open_orders(iid) if o.price is not None and not o.is_pending]
        if len(working) > 2:
            self.cancel(working[0])


def rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def soak(seconds: float, rate_hz: float, every: float, keep_closed: int, store: str) -> None:
    builder = (
        Bot.builder("soak")
        .mock_venue("SIM", rate_hz=rate_hz, seed=5, latency_ms=1)
        .instrument("BTCUSDT.SIM", tick="0.01", lot="0.001", price=60000)
        .instrument("ETHUSDT.SIM", tick="0.01", lot="0.001", price=3000)
        .instrument("SOLUSDT.SIM", tick="0.01", lot="0.001", price=150)
        .strategy(Busy(instruments=["BTCUSDT.SIM", "ETHUSDT.SIM"], strategy_id="a"))
        .strategy(Busy(instruments=["SOLUSDT.SIM"], strategy_id="b"))
        .store(store)
        .options(keep_closed_orders=keep_closed, save_every="60s")
    )
    bot = builder.build()
    task = asyncio.create_task(bot.run_until_shutdown(seconds + 5, install_signals=False))
    while bot.phase != "running":
        await asyncio.sleep(0.01)
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        await asyncio.sleep(every)
        stats = bot.driver.stats()
        samples.append((elapsed, rss_mb()))
        line = {
            "t_s": round(elapsed, 1),
            "events": stats["processed"],
            "orders_total": bot.persister.orders_journaled,
            "orders_in_memory": len(bot.engine.cache.orders),
            "rss_mb": round(samples[-1][1], 1),
            "loop_lag_max_ms": round(stats["loop_lag_max_ms"], 2),
        }
        print(json.dumps(line), flush=True)
    bot.handle.shutdown()
    await task
    warm = [s for s in samples if s[0] >= seconds / 4]
    if len(warm) >= 2:
        (t0, m0), (t1, m1) = warm[0], warm[-1]
        slope = (m1 - m0) / ((t1 - t0) / 60)
        print(json.dumps({"rss_slope_mb_per_min_after_warmup": round(slope, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rate-hz", type=float, default=200.0)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--keep-closed", type=int, default=10_000)
    parser.add_argument(
        "--store", default="sqlite:///bench/results/soak.db", help="memory keeps everything"
    )
    args = parser.parse_args()
    asyncio.run(soak(args.seconds, args.rate_hz, args.every, args.keep_closed, args.store))


if __name__ == "__main__":
    main()
