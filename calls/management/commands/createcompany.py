"""createcompany NAME [--region US] [--timezone America/New_York]; key from PHONE_INC_API_KEY."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

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

    def handle(self, name: str, region: str, timezone: str, **options) -> None:
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
        company = Company(name=name, region=region, timezone=timezone)
        company.set_api_key(read_secret("PHONE_INC_API_KEY", "Phone.inc API key"))
        company.save()
        self.stdout.write(f"Created company {name!r} ({region}, {timezone}).")
