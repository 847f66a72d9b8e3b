"""`python -m bench.seed COMMAND`: what the bench needs from inside Django, as JSON on stdout.

Run by the bench in a subprocess with the same environment as its gunicorn instances, so it
writes to the same temp database under the same settings:

- `routes`: which of the pages the bench measures have a route in this tree;
- `session USERNAME`: a signed-in session for that user under the settings in force (the
  yardstick's own, so its cookie names its own auth backend), as a Cookie header;
- `tenants COUNT`: that many companies, each with one manager and a signed-in session, and
  a Phone.inc key of its own (`bench-tenant-NNNN`, which the bench's simulator learns);
- `syncing COUNT LEVEL`: that many companies keeping a call history at LEVEL, with the keys
  of the fast canned Phone.inc (bench.fast_phoneinc), all due for a pass now;
- `quiet-pass`: the database queries one quiet pass makes (claim, pass, hand back), counted;
- `table-size`: the stored calls' table with its indexes, in bytes, and how many rows;
- `history CALLS COMPANIES EACH KEY TRANSCRIPTS`: one company (Phone.inc key KEY, keeping
  transcripts) with CALLS synthetic stored calls over 365 days, TRANSCRIPTS of them with a
  transcript, and a manager's signed-in session, beside COMPANIES companies with EACH calls
  apiece (keeping metadata; all for 365 days, seeded as `seedhistory` seeds).
"""

from __future__ import annotations

import io
import json
import sys

import django

PAGES = {"callbacks": "calls:callbacks", "insights": "calls:insights", "export": "calls:export"}


def routes() -> dict[str, bool]:
    from django.urls import NoReverseMatch, reverse

    found = {}
    for page, name in PAGES.items():
        try:
            reverse(name)
        except NoReverseMatch:
            found[page] = False
        else:
            found[page] = True
    return found


def session_cookie(user) -> str:
    """What django.contrib.auth.login() stores for a user, saved as a new session."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def session(username: str) -> str:
    from django.contrib.auth import get_user_model

    return session_cookie(get_user_model()._default_manager.get(username=username))


def tenant_key(number: int) -> str:
    return f"bench-tenant-{number:04d}"


def tenants(count: int) -> list[list[str]]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from calls.models import Company, Membership

    User = get_user_model()
    made = []
    with transaction.atomic():
        for number in range(count):
            company = Company(name=f"Bench tenant {number:04d}", region="US")
            company.set_api_key(tenant_key(number))
            company.save()
            user = User(username=f"bench-tenant-{number:04d}")
            user.set_unusable_password()  # signed in below, never through the login form
            user.save()
            Membership.objects.create(user=user, company=company)
            made.append([tenant_key(number), session_cookie(user)])
    return made


def syncing(count: int, level: str) -> int:
    from django.db import transaction
    from django.utils import timezone

    from bench.fast_phoneinc import key_of
    from calls.history.worker import enable
    from calls.models import Company, SyncState

    with transaction.atomic():
        for number in range(count):
            company = Company(name=f"Bench syncing {number:05d}", history=level)
            company.set_api_key(key_of(number))
            company.save()
            enable(company)
        SyncState.objects.update(due_at=timezone.now())
    return count


def quiet_pass() -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from calls.history.worker import Worker
    from calls.models import SyncState

    SyncState.objects.update(due_at=timezone.now())
    worker = Worker()
    with CaptureQueriesContext(connection) as queries:
        worker.sync(worker.claim(set()))
    return {"passes": worker.passes, "queries": len(queries.captured_queries)}


def table_size() -> dict[str, int]:
    from django.db import connection

    from calls.models import StoredCall

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('calls_storedcall')")
        size = cursor.fetchone()[0]
    return {"bytes": size, "rows": StoredCall.objects.count()}


def history(calls: int, companies: int, each: int, key: str, transcripts: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from calls.models import Company, Membership

    def company(name: str, key: str, level: str = Company.METADATA) -> Company:
        made = Company(name=name, region="US", timezone="America/New_York")
        made.history, made.history_days = level, 365
        made.set_api_key(key)
        made.save()
        return made

    big = company("Bench big", key, Company.TRANSCRIPTS)
    user = get_user_model()(username="bench-big")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, company=big)

    def seed(name: str, count: int, transcripts: int = 0) -> None:  # its report kept off stdout
        quiet = io.StringIO()
        call_command(
            "seedhistory",
            company=name,
            calls=count,
            days=365,
            transcripts=transcripts,
            no_progress=True,
            stdout=quiet,
        )

    seed(big.name, calls, transcripts)
    for number in range(companies):
        seed(company(f"Bench small {number:03d}", f"bench-small-{number:03d}").name, each)
    return {"company": big.pk, "cookie": session_cookie(user)}


def main(argv: list[str]) -> None:
    django.setup()
    command, *args = argv
    if command == "routes":
        answer: object = routes()
    elif command == "session":
        answer = session(args[0])
    elif command == "tenants":
        answer = tenants(int(args[0]))
    elif command == "syncing":
        answer = syncing(int(args[0]), args[1])
    elif command == "quiet-pass":
        answer = quiet_pass()
    elif command == "table-size":
        answer = table_size()
    elif command == "history":
        answer = history(int(args[0]), int(args[1]), int(args[2]), args[3], int(args[4]))
    else:
        sys.exit(f"bench.seed: unknown command {command!r}")
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
