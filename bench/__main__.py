"""`python -m bench`: measure the dashboard's speed budgets in one run, on this machine.

Starts the simulator (in this process), a throwaway Redis (the cache gunicorn's two workers
share, so "warm" means warm for both and single flight works across them), a temp SQLite
database with the demo's companies and logins, collectstatic into a temp folder, and two
gunicorn instances as deployed: one with the default cache, one with PHONEDASH_CACHE_SECONDS=0
for cold pages. Prints figure, measured, budget, ok; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from bench import figures, measure, servers
from calls.simulator import Simulator

DEMO_LOGIN = ("demo", "phonedash-demo")  # seeded by `manage.py demo --no-serve`


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    cores = len(os.sched_getaffinity(0))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cores} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load}"
    )


def table(rows: list[figures.Row]) -> str:
    headers = ("figure", "measured", "budget", "")
    cells = [
        headers,
        *((name, value, budget, "ok" if ok else "MISSED") for name, value, budget, ok in rows),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace) -> list[figures.Row]:
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (apt-get install {tool})")
    workdir = Path(tempfile.mkdtemp(prefix="phonedash-bench-"))
    sim = Simulator()
    simulator = sim.serve(port=0)
    started: list = [simulator]
    try:
        short_id = figures.add_transcript_call(sim, 10)
        long_id = figures.add_transcript_call(sim, 2000)
        redis = servers.Redis(workdir)
        started.append(redis)
        env = servers.base_env(workdir, simulator.url)
        servers.prepare(env, workdir)
        print("bench: serving …", flush=True)
        warm = servers.Gunicorn("warm", {**env, "REDIS_URL": redis.url(0)}, workdir)
        started.append(warm)
        cold_env = {**env, "REDIS_URL": redis.url(1), "PHONEDASH_CACHE_SECONDS": "0"}
        cold = servers.Gunicorn("cold", cold_env, workdir)
        started.append(cold)
        cookie = measure.login(warm.url, *DEMO_LOGIN)
        bench = figures.Run(sim, warm, cold, cookie, args.seconds, args.samples)
        bench.notes.append(
            f"gunicorn: 2 workers each, {warm.config}; cache: a Redis of the bench's own, "
            "shared by both workers (so warm is warm for both, and single flight spans them)"
        )
        rows = []
        for step in (figures.economy, figures.weight, figures.cold_list, figures.warm_list):
            print(f"bench: {step.__name__.replace('_', ' ')} …", flush=True)
            rows += step(bench)
        print("bench: long transcript …", flush=True)
        rows += figures.long_transcript(bench, short_id, long_id)
        rows += figures.memory(bench)
        for note in bench.notes:
            print(f"  {note}")
        return rows
    finally:
        for thing in reversed(started):
            thing.stop()
        if args.keep:
            print(f"bench: logs kept in {workdir}")
        else:
            servers.cleanup(workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=20, help="wrk seconds per page, in 1 s runs (20)"
    )
    parser.add_argument("--samples", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and logs")
    args = parser.parse_args(argv)
    print(f"bench: {machine()}", flush=True)
    rows = run(args)
    print(f"\nMeasured on {machine()}\n")
    print(table(rows))
    missed = [name for name, _, _, ok in rows if not ok]
    print(
        f"\n{len(missed)} budget(s) missed: {', '.join(missed)}" if missed else "\nall budgets hold"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
