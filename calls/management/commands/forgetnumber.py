"""forgetnumber NUMBER --company NAME: erase a caller from a company's history.

Deletes every stored call whose other party is that number, and the notes on them
(retention.forget_number), then files an audit event that says how many calls went. The number
itself is personal data the operator was asked to erase: it is never echoed, logged or audited.
"""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError

from calls import audit
from calls.callbacks.notes import notes_changed
from calls.history import retention
from calls.management.companies import find_company
from calls.models import AuditEvent
from calls.numbers import to_e164


class Command(BaseCommand):
    help = (
        "Delete every stored call of a company whose other party is NUMBER, and the notes on "
        "those calls; say how many, and record it in the company's audit log (without the "
        "number)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "number", help="in any format the company's region reads, e.g. (408) 555-0199"
        )
        parser.add_argument("--company", metavar="NAME", required=True, help="the company's name")

    def handle(self, *args, number: str, company: str, **options) -> None:
        chosen = find_company(company)
        try:
            e164 = to_e164(number, chosen.region)
        except ValueError:
            raise CommandError(
                f"NUMBER is not a phone number that region {chosen.region} reads: type the whole "
                "number, or start with + and the country code. Nothing was deleted."
            ) from None
        removed = retention.forget_number(chosen, e164)
        notes_changed(chosen.pk)
        audit.record(
            None,
            AuditEvent.NUMBER_FORGOTTEN,
            company=chosen,
            detail=f"An operator (forgetnumber) deleted {calls(removed)} and the notes on them.",
        )
        gone = f"{calls(removed)} with that number and the notes on them"
        self.stdout.write(f"{chosen.name}: deleted {gone}.")


def calls(count: int) -> str:
    return f"{count:,} stored call{'s' if count != 1 else ''}"
