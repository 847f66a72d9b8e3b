"""Health checks for load balancers and orchestrators: /healthz and /readyz.

/healthz says the process answers, touching neither database nor cache. /readyz says this
instance can serve pages: its database has the schema and takes writes, and its cache
answers. It also carries the reports the product adds when it starts (`add_report`), such as
Phone.inc's last answer as any worker sharing the cache saw it: a report never asks Phone.inc
(a probe every few seconds must not spend a company's rate limit) and never makes phonedash
unready, since taking instances out of the load balancer would not bring Phone.inc back.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger("phonedash.health")

# A phonedash table every signed-in page reads (the member's company): there once migrated.
SCHEMA_TABLE = "calls_company"


@dataclass(frozen=True, slots=True)
class Report:
    """Something /readyz shows under `name`: what `read()` returns (JSON-ready), or null when
    it fails, or when a check it `needs` did not pass."""

    name: str
    read: Callable[[], object]
    needs: tuple[str, ...] = ()


_reports: dict[str, Report] = {}


def add_report(name: str, read: Callable[[], object], *, needs: tuple[str, ...] = ()) -> None:
    """Show `read()` in /readyz's answer under `name` (the product adds its own at start)."""
    _reports[name] = Report(name, read, needs)


def _read(report: Report, checks: dict[str, str]) -> object:
    if any(checks.get(check) != "ok" for check in report.needs):
        return None
    try:
        return report.read()
    except Exception:
        log.exception("readyz: the %s report failed", report.name)
        return None


class _RolledBack(Exception):
    """Raised inside the probe's transaction so that nothing it did is kept."""


def _check_database() -> str:
    """The schema is there and the database takes writes, or what is wrong with it.

    A read of a phonedash table every signed-in page reads (a database that answers but was
    never migrated fails here), then, in a transaction rolled back, an UPDATE that matches no
    row: SQLite opened read-only and PostgreSQL in a read-only transaction (a standby) refuse
    it all the same, and nothing is written. A SQLite file that does not exist is reported
    before connecting, since connecting would create an empty one.
    """
    missing = _missing_sqlite_file()
    if missing:
        log.warning("readyz: database unavailable: %s", missing)
        return f"unavailable ({missing})"
    table = connection.ops.quote_name(SCHEMA_TABLE)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                cursor.fetchall()
                cursor.execute(f"UPDATE {table} SET id = id WHERE 1 = 0")
            raise _RolledBack
    except _RolledBack:
        return "ok"
    except Exception as error:
        problem = _database_problem(error)
        log.warning("readyz: database unavailable: %s", problem)
        return f"unavailable ({problem})"


def _missing_sqlite_file() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):  # in memory, or a URI (tests)
        return None
    return None if os.path.exists(name) else "the SQLite database file is missing"


def _database_problem(error: Exception) -> str:
    """What a person can act on, from the error: no schema, no writes, or the error's name."""
    text = str(error).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return "the schema is missing: run migrate"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if "unable to open" in text:
        return "the database file cannot be opened for writing"
    return type(error).__name__


def _check_cache() -> str:
    """A write and a read-back of a key of our own (probes from several hosts may overlap)."""
    key, token = f"health:probe:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, token, 10)
        found = cache.get(key)
        cache.delete(key)
    except Exception as error:
        log.warning("readyz: cache unavailable: %s", type(error).__name__)
        return f"unavailable ({type(error).__name__})"
    return "ok" if found == token else "unavailable (wrote a value it could not read back)"


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "cache": _check_cache()}
    ready = all(value == "ok" for value in checks.values())
    reports = {name: _read(report, checks) for name, report in _reports.items()}
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks, **reports},
        status=200 if ready else 503,
    )
