"""purgehistory [--company NAME]: delete now what each company's history no longer keeps.

The sync workers purge every company at least hourly; this is for an operator who lowered a
company's days, or who wants the figures. retention.purge does the deleting, in batches.
"""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError

from calls.history import retention
from calls.management.companies import find_company
from calls.models import Company


class Command(BaseCommand):
    help = (
        "Delete now each company's stored calls that started before its oldest kept day (its "
        "last history_days days, today included, in its time zone) and say how many."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", metavar="NAME", help="that company only")

    def handle(self, *args, company: str | None, **options) -> None:
        if company is not None:
            chosen = find_company(company)
            if not chosen.keeps_history:
                raise CommandError(f"{chosen.name!r} keeps no call history (its history is off).")
            companies = [chosen]
        else:
            companies = list(Company.objects.filter(history__in=Company.KEEPING))
        if not companies:
            self.stdout.write("No company keeps a call history.")
            return
        total = 0
        for each in companies:
            removed = retention.purge(each)
            total += removed
            days = f"{each.history_days} day{'s' if each.history_days != 1 else ''}"
            self.stdout.write(f"{each.name}: {calls(removed)} older than {days} removed")
        self.stdout.write(f"Total: {calls(total)} removed")


def calls(count: int) -> str:
    return f"{count:,} call{'s' if count != 1 else ''}"
