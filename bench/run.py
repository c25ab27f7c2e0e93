"""Benchmark the two workloads of shared/bench/README.md through the ordinary backtest path.

    python bench/run.py --workload quotes --data bench/data/quotes_1m.parquet --repeat 3
    python bench/run.py --workload bars   --data bench/data/bars_1m.parquet   --repeat 3

Each repeat runs in a fresh process (so peak memory is per run) and prints one JSON line;
a last line holds the medians. ``events_per_s`` is the run itself, data loading excluded (as
the reference figures are measured); ``events_per_s_incl_io`` counts reading the Parquet file
and building the events too. Make the data with shared/bench/make_data.py, or ``--make-data``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = {  # shared/bench/README.md, default data (n = 1,000,000)
    "quotes": {"events": 1_000_000, "fills": 28_403, "realized_pnl": "406.44"},
    "bars": {"events": 1_000_000, "fills": 27_541, "realized_pnl": "-15632.53"},
}
KEYS = (
    "events_per_s",
    "events_per_s_incl_io",
    "run_s",
    "load_s",
    "wall_s",
    "peak_rss_mb",
)


def run_once(workload: str, data: Path) -> dict[str, object]:
    """One backtest in this process; returns the measurements."""
    sys.path.insert(0, str(HERE))
    from tradewind import Instrument, run_backtest
    from tradewind.data.stream import DataSpec
    from workloads import EmaCrossQuotes, SmaCrossBars

    instrument = Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001")
    strategy = EmaCrossQuotes() if workload == "quotes" else SmaCrossBars()
    started = time.perf_counter()
    result = run_backtest(strategy, [DataSpec(data, symbol="BTCUSDT")], instruments=[instrument])
    wall_total = time.perf_counter() - started
    events = result.summary["events"]
    realized = result.summary["realized_pnl"]
    reference = REFERENCE[workload]
    matches = (
        events == reference["events"]
        and result.summary["fills"] == reference["fills"]
        and str(round(realized, 2)) == reference["realized_pnl"]
    )
    return {
        "workload": workload,
        "events": events,
        "events_per_s": round(events / result.run_seconds),
        "events_per_s_incl_io": round(events / result.wall_seconds),
        "fills": result.summary["fills"],
        "realized_pnl": float(realized),
        "realized_pnl_exact": str(realized),
        "matches_reference": matches if events == reference["events"] else None,
        "run_s": round(result.run_seconds, 3),
        "load_s": round(result.load_seconds, 3),
        "wall_s": round(wall_total, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", choices=("quotes", "bars"), required=True)
    parser.add_argument("--data", type=Path, required=True, help="Parquet file from make_data.py")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each in a fresh process")
    parser.add_argument("--make-data", action="store_true", help="write --data first if missing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.data.exists():
        if not args.make_data:
            print(
                f"error: {args.data} does not exist: make it with python "
                f"shared/bench/make_data.py --kind {args.workload} --n 1000000 --out {args.data} "
                "(or add --make-data)",
                file=sys.stderr,
            )
            return 2
        from tradewind.data.sample import write_sample

        args.data.parent.mkdir(parents=True, exist_ok=True)
        write_sample(args.data, args.workload, 1_000_000)
    if args.child:
        print(json.dumps(run_once(args.workload, args.data)), flush=True)
        return 0

    runs = []
    for _ in range(max(1, args.repeat)):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--workload",
                args.workload,
                "--data",
                str(args.data),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            return out.returncode
        line = out.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        runs.append(json.loads(line))
    median = dict(runs[0])
    for key in KEYS:
        median[key] = statistics.median(r[key] for r in runs)  # type: ignore[type-var]
    median["median_of"] = len(runs)
    print(json.dumps(median), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
