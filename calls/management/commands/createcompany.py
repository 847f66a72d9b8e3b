"""createcompany NAME [--region US] [--timezone America/New_York] [--history LEVEL]
[--history-days N]; key from PHONE_INC_API_KEY."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from calls.history.levels import apply_level
from calls.management.secrets_input import read_secret
from calls.models import Company, validate_region, validate_timezone


class Command(BaseCommand):
    help = (
        "Create a company. Its Phone.inc API key is read from PHONE_INC_API_KEY "
        "or prompted for without echo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--region", default="US", help="ISO 3166 alpha-2 code, e.g. US")
        parser.add_argument(
            "--timezone", default="America/New_York", help="IANA time zone, e.g. Europe/Berlin"
        )
        parser.add_argument(
            "--history",
            choices=[level for level, _ in Company.HISTORY_LEVELS],
            default=Company.OFF,
            metavar="LEVEL",
            help="what the call history keeps of every call: off (the default: Phone.inc's "
            "latest calls only), metadata, summaries or transcripts",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=Company.DEFAULT_HISTORY_DAYS,
            metavar="N",
            help=f"days of history kept, today included ({Company.MIN_HISTORY_DAYS} to "
            f"{Company.MAX_HISTORY_DAYS}; default {Company.DEFAULT_HISTORY_DAYS})",
        )

    def handle(
        self, name: str, region: str, timezone: str, history: str, history_days: int, **options
    ) -> None:
        name, region = name.strip(), region.strip().upper()
        if not name:
            raise CommandError("The company name cannot be empty.")
        if len(name) > 100:
            raise CommandError("The company name can have at most 100 characters.")
        if Company.objects.filter(name__iexact=name).exists():
            raise CommandError(f"A company named {name!r} already exists.")
        try:
            validate_region(region)
            validate_timezone(timezone)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        if not Company.MIN_HISTORY_DAYS <= history_days <= Company.MAX_HISTORY_DAYS:
            raise CommandError(
                f"--history-days must be between {Company.MIN_HISTORY_DAYS} and "
                f"{Company.MAX_HISTORY_DAYS}."
            )
        company = Company(
            name=name,
            region=region,
            timezone=timezone,
            history=history,
            history_days=history_days,
        )
        company.set_api_key(read_secret("PHONE_INC_API_KEY", "Phone.inc API key"))
        with transaction.atomic():
            company.save()
            if company.keeps_history:
                apply_level(company, Company.OFF)  # its place in the sync
        kept = f"; call history: {history}, {history_days} days" if company.keeps_history else ""
        self.stdout.write(f"Created company {name!r} ({region}, {timezone}){kept}.")
