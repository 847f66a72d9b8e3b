"""demo: the whole product on one machine — database, simulator, demo logins, dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from calls.models import Company, Membership
from calls.simulator import SEED_COMPANIES, Simulator

DEMO_USERS = {"Acme Corp": ("demo", "phonedash-demo"), "Globex": ("globex", "phonedash-demo")}


class Command(BaseCommand):
    help = (
        "Run phonedash locally against the built-in Phone.inc simulator: migrates the "
        "database, seeds demo companies and managers, and serves http://127.0.0.1:8000."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="dashboard port (8000)")
        parser.add_argument("--simulator-port", type=int, default=8001, help="simulator port")
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and seed, but do not serve"
        )

    def handle(self, port: int, simulator_port: int, no_serve: bool, **options) -> None:
        for name, value in (("--port", port), ("--simulator-port", simulator_port)):
            if not 1 <= value <= 65535:
                raise CommandError(f"{name} must be between 1 and 65535, got {value}.")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            # Without debug, pages name hashed static files from collectstatic's manifest.
            call_command("collectstatic", interactive=False, verbosity=0)
        logins = self.seed()
        if no_serve:
            self.print_logins(logins, port)
            return
        simulator = Simulator()
        try:
            server = simulator.serve(host="127.0.0.1", port=simulator_port)
        except OSError as error:
            raise CommandError(
                f"Cannot start the simulator on port {simulator_port}: {error.strerror}. "
                "Pass --simulator-port to choose another."
            ) from None
        # The dashboard in this process talks to the simulator, and may play its recordings.
        settings.PHONE_INC_API_URL = server.url
        settings.SECURE_CSP = {**settings.SECURE_CSP, "media-src": ["'self'", server.root]}
        self.stdout.write(f"Phone.inc simulator answering at {server.url}")
        self.print_logins(logins, port)
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            server.stop()

    def seed(self) -> list[tuple[str, str, str]]:
        User = get_user_model()
        logins = []
        with transaction.atomic():
            for seed in SEED_COMPANIES:
                company = Company.objects.filter(name=seed.name).first() or Company(name=seed.name)
                company.region, company.timezone = seed.region, seed.timezone
                company.set_api_key(seed.api_key)
                company.save()
                if seed.name not in DEMO_USERS:
                    continue
                username, password = DEMO_USERS[seed.name]
                user = User.objects.filter(username=username).first() or User(username=username)
                user.set_password(password)
                user.save()
                Membership.objects.update_or_create(user=user, defaults={"company": company})
                logins.append((seed.name, username, password))
        return logins

    def print_logins(self, logins, port: int) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"phonedash demo: http://127.0.0.1:{port}/"))
        for company, username, password in logins:
            self.stdout.write(f"  {company}: sign in as {username} / {password}")
        self.stdout.write("Stop with Ctrl-C.\n")
