"""`python -m bench`: measure every speed budget side by side in one run, on this machine.

Starts the simulator (in this process), a throwaway Redis (the cache the dashboard's two
workers share, so "warm" means warm for both and single flight works across them), a temp
SQLite database with the demo's companies and logins, collectstatic into a temp folder, and
three gunicorn instances with the deployed flags (gunicorn.conf.py, 2 gthread workers × 4
threads): the dashboard as deployed, the dashboard with PHONEDASH_CACHE_SECONDS=0 for cold
pages, and the yardstick (bench.yardstick). Prints each figure beside its budget, writes them
as Markdown to bench/results/last-run.md, and exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench import figures, history, measure, report, servers, sync, tenants, throughput
from bench.figures import Row
from bench.throughput import LIST_50, Page
from calls.simulator import Simulator

DEMO_LOGIN = ("demo", "phonedash-demo")  # seeded by `manage.py demo --no-serve`
# The newer pages, measured when their routes exist: (route, table name, path, content check).
NEWER_PAGES = (
    ("callbacks", "callbacks board", "/calls/callbacks/", throughput.html_check('id="board"')),
    ("insights", "insights", "/calls/insights/", throughput.html_check('id="results"')),
    ("export", "CSV export (50 rows)", "/calls/export.csv?limit=50", throughput.csv_check),
)
STEPS = (
    "board",
    "economy",
    "weight",
    "cold",
    "warm",
    "transcript",
    "tenants",
    "memory",
    "sync",
    "history",
)
YARDSTICK = (
    "yardstick: bench.yardstick's login-required view returning 'ok' (Django's session, auth "
    "and login-required middleware only; database sessions in the same SQLite file; same "
    "Django; gunicorn.conf.py with 2 gthread workers × 4 threads)"
)


def warm_pages(args, run: figures.Run, yardstick: Page) -> list[Row]:
    pages = [Page("50-call list", run.warm, LIST_50, run.cookie, throughput.list_check, 0.5)]
    missing = []
    for route, name, path, check in NEWER_PAGES:
        if run.routes.get(route):
            pages.append(Page(name, run.warm, path, run.cookie, check, 0.4))
        else:
            missing.append(name)
    before = run.upstream()
    throughput.measure_rounds(yardstick, pages, args.rounds)
    run.notes.append(throughput.note(yardstick, pages))
    run.notes.append(
        f"{args.rounds} interleaved rounds; Phone.inc requests meanwhile (answers expiring "
        f"after the deployed 15 s): {run.upstream() - before}"
    )
    rows: list[Row] = []
    for page in pages:
        ratio = statistics.median(page.ratios)
        rows.append(
            (f"warm {page.name} ÷ ok", f"{ratio:.2f}", f"≥ {page.budget:.2f}", ratio >= page.budget)
        )
    rows += [(f"warm {name} ÷ ok", "not built", "≥ 0.40", None) for name in missing]
    return rows


def run(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
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
        servers.prepare(env)
        routes = servers.seed(env, "routes")
        yard_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.yardstick.settings"}
        print("bench: serving …", flush=True)
        warm = servers.Gunicorn("warm", {**env, "REDIS_URL": redis.url(0)}, workdir)
        started.append(warm)
        # Nothing cached, and a member's search quota above the 33 cold lists one member
        # asks for in a few seconds here (the quota is still counted on every one).
        cold_env = {
            **env,
            "REDIS_URL": redis.url(1),
            "PHONEDASH_CACHE_SECONDS": "0",
            "PHONEDASH_SEARCHES_PER_MINUTE": "1000",
        }
        cold = servers.Gunicorn("cold", cold_env, workdir)
        started.append(cold)
        yard = servers.Gunicorn("yardstick", yard_env, workdir, app="bench.yardstick.wsgi")
        started.append(yard)
        cookie = measure.login(warm.url, *DEMO_LOGIN)
        yardstick = Page(
            "ok",
            yard,
            "/ok",
            servers.seed(yard_env, "session", DEMO_LOGIN[0]),
            throughput.text_check("ok"),
            None,
        )
        bench = figures.Run(sim, redis, warm, cold, cookie, args.samples, routes)
        bench.notes.append(YARDSTICK)
        tenant_env = {**env, "REDIS_URL": redis.url(0)}
        # In the order they run: the board first, while nothing is cached yet.
        steps = {
            "board": lambda: figures.callbacks_upstream(bench),
            "economy": lambda: figures.economy(bench),
            "weight": lambda: figures.weight(bench),
            "cold": lambda: figures.cold_list(bench),
            "warm": lambda: warm_pages(args, bench, yardstick),
            "transcript": lambda: figures.long_transcript(bench, short_id, long_id),
            "tenants": lambda: tenants.tenants(bench, tenant_env, args.tenants),
            "memory": lambda: figures.memory(bench),
            "sync": lambda: sync_figures(workdir, bench.notes, args.quick, started),
            "history": lambda: history_figures(
                workdir, simulator.url, redis.url(3), yardstick, bench.notes, args, started
            ),
        }
        found: dict[str, list[Row]] = {}
        for name, step in steps.items():
            if args.only and name not in args.only:
                continue
            print(f"bench: {name} …", flush=True)
            found[name] = step()
        order = (
            "warm",
            "weight",
            "transcript",
            "cold",
            "economy",
            "board",
            "memory",
            "tenants",
            "sync",
            "history",
        )
        rows = [row for name in order for row in found.get(name, [])]
        return rows, bench.notes
    finally:
        for thing in reversed(started):
            thing.stop()
        if args.keep:
            print(f"bench: logs kept in {workdir}")
        else:
            servers.cleanup(workdir)


def sync_figures(workdir: Path, notes: list[str], quick: bool, started: list) -> list[Row]:
    """The call history's sync, on a throwaway PostgreSQL (the history's budgets are
    PostgreSQL's)."""
    postgres = servers.Postgres(workdir)
    started.append(postgres)
    return sync.figures(workdir, postgres, notes, quick)


def history_figures(workdir, api_url, redis_url, yardstick, notes, args, started) -> list[Row]:
    """The pages over the call history, on a throwaway PostgreSQL holding a year of a busy
    company's calls (bench.history)."""
    postgres = servers.Postgres(workdir)
    started.append(postgres)
    return history.figures(
        workdir,
        postgres,
        api_url,
        redis_url,
        yardstick,
        notes,
        quick=args.quick,
        rounds=args.rounds,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rounds", type=int, default=7, help="interleaved rounds of 2 s wrk runs (7)"
    )
    parser.add_argument("--samples", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--tenants", type=int, default=1000, help="companies for memory (1000)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and logs")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer rounds, companies, calls and seconds: a check that every "
        "figure can be taken, in under 3 minutes",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=None,
        help="a comma-separated subset of the steps, while working on one figure (the "
        "results file is then left alone): " + ", ".join(STEPS),
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.samples, args.tenants = 2, 10, 100
    started, load_before = report.now(), report.load()
    print(f"bench: {report.machine()}; load average {load_before}", flush=True)
    rows, notes = run(args)
    print()
    for note in notes:
        print(f"  {note}")
    print(f"\nMeasured on {report.machine()}; load average {report.load()}\n")
    print(report.table(rows))
    written = None if args.only else report.write(rows, notes, started, load_before)
    missed = [name for name, _, _, ok in rows if ok is False]
    unbuilt = [name for name, _, _, ok in rows if ok is None]
    if written:
        print(f"\nMarkdown for the README: {written}")
    if unbuilt:
        print(f"not built yet: {', '.join(unbuilt)}")
    print(f"{len(missed)} budget(s) missed: {', '.join(missed)}" if missed else "all budgets hold")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
