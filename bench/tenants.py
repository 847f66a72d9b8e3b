"""How memory grows with tenants: many companies, each with a cached 50-call answer.

Each bench tenant is a company of its own with its own Phone.inc account in the simulator
(50 calls of its own: no two tenants' answers are alike, so nothing can be shared between
them that real tenants would not share), one manager and a signed-in session. Each tenant's
manager opens the 50-call list once; then the figures are the dashboard workers' RSS and the
cache's size, before and after, per company.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bench import measure, seed
from bench.figures import ACME_KEY, Row, Run
from bench.servers import seed as run_seed
from bench.throughput import LIST_50
from calls.simulator import Simulator
from calls.simulator.companies import PROFILES, SeedCompany
from calls.simulator.store import Account

CALLS_EACH = 50
CLIENTS = 8  # as many requests at once as the two workers have threads


def add_accounts(sim: Simulator, count: int) -> None:
    """Simulator accounts `bench-tenant-NNNN`, each with 50 calls of its own.

    The simulator has three seeded companies and no way to add one: the bench registers
    accounts in its table directly, made like Acme's (numbers, staff) but with calls drawn
    afresh for each.
    """
    template = PROFILES[ACME_KEY]
    for number in range(count):
        key = seed.tenant_key(number)
        company = SeedCompany(f"Bench tenant {number:04d}", key, "US", "America/New_York")
        profile = dataclasses.replace(template, company=company, history=0, live_every=None)
        sim._accounts[key] = Account(profile)  # noqa: SLF001 - see the docstring
        for n in range(CALLS_EACH):
            sim.add_call(
                key,
                direction="outbound" if n % 3 == 0 else "inbound",
                started_at=sim.start - timedelta(minutes=7 * n + number % 7),
            )


def cache_keys(run: Run) -> set[bytes]:
    return set(run.redis.client(0).scan_iter(count=1000))


def tenants(run: Run, env: dict[str, str], count: int) -> list[Row]:
    add_accounts(run.sim, count)
    logins = run_seed(env, "tenants", str(count))
    pids = run.warm.worker_pids()
    rss_before = sum(measure.rss_mb(pid) for pid in pids)
    redis_before, keys_before = run.redis.used_memory(), cache_keys(run)

    def visit(login: list[str]) -> None:
        response = measure.get_ok(measure.client(login[1]), run.warm.url + LIST_50)
        if measure.rows(response.text) != CALLS_EACH:
            raise measure.BenchError(f"a tenant's list shows {measure.rows(response.text)} calls")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(visit, logins))
    rss = {pid: measure.rss_mb(pid) for pid in pids}
    grown = sum(rss.values()) - rss_before
    new_keys = cache_keys(run) - keys_before
    client = run.redis.client(0)
    key_bytes = sum(client.memory_usage(key, samples=0) or 0 for key in new_keys)
    redis_grown = run.redis.used_memory() - redis_before
    run.notes.append(
        f"{count} tenants, each list seen once: dashboard workers "
        + ", ".join(f"{size:.0f} MB" for size in rss.values())
        + f" (+{grown:.1f} MB in all, {1024 * grown / count:.1f} KB per company); Redis "
        f"+{redis_grown / 1024**2:.1f} MB used_memory, {len(new_keys)} new keys, "
        f"MEMORY USAGE {key_bytes / count / 1024:.1f} KB per company"
    )
    return [
        (
            f"{count:,} tenants: worker RSS (largest) / growth per company",
            f"{max(rss.values()):.0f} MB / {1024 * grown / count:.1f} KB",
            "reported",
            True,
        ),
        (
            f"{count:,} tenants: cache per company (MEMORY USAGE)",
            f"{key_bytes / count / 1024:.1f} KB ({len(new_keys) / count:.1f} keys)",
            "reported",
            True,
        ),
    ]
