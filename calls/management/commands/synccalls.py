"""synccalls [--once] [--company NAME] [--status [--json]]: the call history's sync worker.

Runs until stopped (SIGTERM or SIGINT: it finishes the company in hand and exits 0). Run as
many as you like, on as many hosts as share the database: they share the companies through
leases (calls.history.worker).
"""

from __future__ import annotations

import json
import signal

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from calls.history import status as history_status
from calls.history.worker import Worker
from calls.management.companies import find_company
from calls.models import Company


class Command(BaseCommand):
    help = (
        "Keep each company's call history in step with Phone.inc. Runs until stopped; "
        "--once passes over every company once, --status says where each stands."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="one pass over every company with history on that no other worker holds, "
            "at once, then exit (for cron and tests)",
        )
        parser.add_argument("--company", metavar="NAME", help="that company only")
        parser.add_argument(
            "--status", action="store_true", help="print where each company's history stands"
        )
        parser.add_argument("--json", action="store_true", help="with --status: as JSON")

    def handle(self, *args, **options) -> None:
        once, name, status = options["once"], options["company"], options["status"]
        if options["json"] and not status:
            raise CommandError("--json goes with --status.")
        chosen = find_company(name) if name is not None else None
        if status:
            self.print_status(chosen, as_json=options["json"])
            return
        if chosen is not None and not chosen.keeps_history:
            raise CommandError(f"{chosen.name!r} keeps no call history (its history is off).")
        worker = Worker(once=once, company=chosen)
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        passes = worker.run()
        if once:
            self.stdout.write(f"{passes} pass{'es' if passes != 1 else ''} made.")

    def print_status(self, company: Company | None, *, as_json: bool) -> None:
        found = history_status.statuses(company)
        if as_json:
            self.stdout.write(json.dumps({"companies": [each.as_json() for each in found]}))
            return
        if not found:
            self.stdout.write("No company keeps a call history.")
            return
        for each in found:
            self.stdout.write(describe(each))


def describe(status: history_status.Status) -> str:
    """A company's status as lines a person reads."""

    def when(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "—"

    age = status.last_pass_age_seconds
    lines = [
        f"{status.name}: {status.level}, {status.days} days kept",
        f"  stored calls: {status.stored:,} (oldest start {when(status.oldest)}, newest "
        f"{when(status.newest)})",
        f"  last good pass: {when(status.last_pass)}"
        + (f" ({age} s ago)" if age is not None else " (none yet)"),
        f"  held by: {status.holder or 'no worker now'}",
        f"  last error: {status.last_error or 'none'}",
    ]
    if status.gaps:
        lines.append(f"  gaps ({len(status.gaps)}):")
        lines += [f"    {when(start)} to {when(end)}" for start, end in status.gaps]
    else:
        lines.append("  gaps: none")
    return "\n".join(lines)
