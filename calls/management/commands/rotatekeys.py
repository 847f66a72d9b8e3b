"""Re-encrypt every stored API key with the current PHONEDASH_SECRET_KEY."""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError
from django.db import transaction

from calls.models import Company, encryption


class Command(BaseCommand):
    help = (
        "After rotating PHONEDASH_SECRET_KEY (old key kept in PHONEDASH_SECRET_KEY_FALLBACKS), "
        "re-encrypt every company's API key with the new key."
    )

    def handle(self, **options) -> None:
        failed = []
        with transaction.atomic():
            companies = list(Company.objects.select_for_update())
            for company in companies:
                try:
                    company.api_key_encrypted = encryption.rotate(company.api_key_encrypted)
                except encryption.UndecryptableKey:
                    failed.append(company.name)
                    continue
                company.save(update_fields=["api_key_encrypted"])
        if failed:
            raise CommandError(
                "Could not decrypt the keys of: "
                + ", ".join(failed)
                + ". Add the secret key they were stored with to PHONEDASH_SECRET_KEY_FALLBACKS."
            )
        self.stdout.write(f"Re-encrypted {len(companies)} API key(s) with the current key.")
