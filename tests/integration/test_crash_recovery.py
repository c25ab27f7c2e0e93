"""Kill the bot with SIGKILL again and again during a busy order flow; restart it each time.

The mock venue runs as its own process and outlives every bot. At the end: no order was sent
twice (the venue counts a repeated client order id), every order the venue received is in
the bot's journal with the venue's outcome, every fill the venue made is journaled exactly
once, and the bot's positions equal the venue's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradewind.model.identifiers import ClientOrderId
from tradewind.store import SqliteStore
from tradewind.venues.mock.remote import RemoteMockVenue

HERE = Path(__file__).parent
KILLS = 22
SEED = int(os.environ.get("TRADEWIND_CRASH_SEED", "20261121"))


def start_venue() -> tuple[subprocess.Popen[str], int]:
    venue = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradewind.venues.mock.server",
            "--port",
            "0",
            "--instrument",
            "BTCUSDT:tick=0.01,lot=0.001",
            "--instrument",
            "ETHUSDT:tick=0.01,lot=0.001",
            "--price",
            "BTCUSDT=60000",
            "--price",
            "ETHUSDT=3000",
            "--rate-hz",
            "100",
            "--latency-ms",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert venue.stdout is not None
    line = venue.stdout.readline()
    assert "listening on 127.0.0.1:" in line, line + (venue.stderr.read() if venue.stderr else "")
    return venue, int(line.rsplit(":", 1)[1])


def write_config(folder: Path, port: int) -> Path:
    config = folder / "bot.toml"
    config.write_text(
        f"""
[bot]
name = "crash"
shutdown_timeout = "10s"

[[venues]]
name = "SIM"
kind = "mock-server"
port = {port}

[[instruments]]
id = "BTCUSDT.SIM"
tick = "0.01"
lot = "0.001"

[[instruments]]
id = "ETHUSDT.SIM"
tick = "0.01"
lot = "0.001"

[[strategies]]
id = "churn_btc"
strategy = "{HERE / "churn.py"}:Churn"
instruments = ["BTCUSDT.SIM"]

[[strategies]]
id = "churn_eth"
strategy = "{HERE / "churn.py"}:Churn"
instruments = ["ETHUSDT.SIM"]

[store]
url = "sqlite:///state/crash.db"

[feed]
max_quiet = "30s"
"""
    )
    return config


def bot(folder: Path, config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradewind.cli", "run", "--config", str(config), *extra],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def orders_received(port: int) -> int:
    stats, _ = asyncio.run(venue_truth(port, []))
    return int(stats["orders_received"])


async def venue_truth(port: int, ids: list[str]) -> tuple[dict[str, Any], Any]:
    client = RemoteMockVenue("127.0.0.1", port, venue="SIM")
    stats = await client.stats()
    account = await client.account(None, tuple(ClientOrderId(i) for i in ids))
    return stats, account


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    venue, port = start_venue()
    try:
        config = write_config(tmp_path, port)
        received = [0]
        trading_kills = 0
        for n in range(KILLS):
            proc = bot(tmp_path, config)
            if n % 4 == 3:  # during start-up, recovery or the first orders
                time.sleep(rng.uniform(0.2, 1.5))
            else:  # while trading: once this run has sent orders, at a random moment
                trading_kills += 1
                deadline = time.monotonic() + 30
                while orders_received(port) <= received[-1] and time.monotonic() < deadline:
                    assert proc.poll() is None, f"bot run {n + 1} ended: {proc.communicate()[1]}"
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.0, 0.8))
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"bot run {n + 1} ended by itself ({proc.returncode}): {err[-2000:]}")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            received.append(orders_received(port))
        # the flow was busy and kept going across the kills
        assert received[-1] > 200, received
        assert sum(1 for a, b in itertools.pairwise(received) if b > a) >= trading_kills

        final = bot(tmp_path, config, "--duration", "2s", "--summary-json", "final.json")
        _out, err = final.communicate(timeout=60)
        assert final.returncode == 0, err[-3000:]
        summary = json.loads((tmp_path / "final.json").read_text())
        # a run killed before it opened the store never counted itself
        assert summary["phase"] == "stopped" and trading_kills < summary["run"] <= KILLS + 1

        store = SqliteStore(tmp_path / "state" / "crash.db")
        orders = {row["client_order_id"]: row for row in store.orders()}
        fills = store.fills()
        store.close()
        stats, account = asyncio.run(venue_truth(port, list(orders)))
    finally:
        venue.send_signal(signal.SIGTERM)
        venue.wait(10)

    # zero duplicated orders: the venue never saw a client order id twice
    assert stats["duplicate_submits"] == 0
    # zero lost orders: every order the venue received is journaled, with the venue's outcome
    known = {report.client_order_id: report for report in account.orders}
    assert len(known) == stats["orders_received"], "the venue holds orders the journal lacks"
    assert set(known) <= set(orders)
    differing = {
        coid: (orders[coid]["status"], report.status.value)
        for coid, report in known.items()
        if orders[coid]["status"] != report.status.value
    }
    assert not differing, differing
    # orders journaled but never received were closed, never re-sent
    never = [row for coid, row in orders.items() if coid not in known]
    assert all(row["status"] == "REJECTED" for row in never), never[:3]
    # zero lost or double-counted fills
    ours = Counter(row["trade_id"] for row in fills)
    theirs = Counter(fill.trade_id for fill in account.fills)
    assert ours == theirs
    assert max(ours.values()) == 1
    # positions equal the venue's, exactly
    position: dict[str, Decimal] = {}
    for row in fills:
        signed = row["quantity"] if row["side"] == "BUY" else -row["quantity"]
        position[row["instrument_id"]] = position.get(row["instrument_id"], Decimal(0)) + signed
    venue_positions = {str(k): v for k, v in account.positions.items() if v}
    assert {k: v for k, v in position.items() if v} == venue_positions
    assert {k: Decimal(v) for k, v in summary["positions"].items()} == venue_positions
    print(
        f"crash test: {KILLS} SIGKILLs, {stats['orders_received']} orders at the venue, "
        f"{len(never)} journaled but never received, {len(fills)} fills, "
        f"positions {venue_positions}"
    )
