"""demo: the whole product on one machine — database, simulator, demo logins, the call
history's sync worker and the dashboard."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from calls.history.levels import apply_level
from calls.models import Company, Membership
from calls.simulator import SEED_COMPANIES, Simulator

DEMO_PASSWORD = "phonedash-demo"
SALES_LINE = "+14155551234"  # Acme's Sales line in the simulator's seed
# What each demo company's history keeps: (level, days).
HISTORY = {
    "Acme Corp": (Company.TRANSCRIPTS, 90),
    "Globex": (Company.METADATA, Company.DEFAULT_HISTORY_DAYS),
}
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


@dataclass(frozen=True)
class DemoUser:
    company: str
    username: str
    role: str = Membership.MANAGER
    lines: tuple[str, ...] = ()
    what: str = "manager, every line"


DEMO_USERS = (
    DemoUser("Acme Corp", "demo"),
    DemoUser(
        "Acme Corp", "acme-admin", Membership.ADMIN, what="admin: the Team page and the audit log"
    ),
    DemoUser("Acme Corp", "acme-sales", lines=(SALES_LINE,), what="manager of the Sales line only"),
    DemoUser("Globex", "globex"),
)


class Command(BaseCommand):
    help = (
        "Run phonedash locally against the built-in Phone.inc simulator: migrates the "
        "database, seeds demo companies and managers, runs a sync worker for their call "
        "history, and serves http://127.0.0.1:8000."
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
        worker = self.start_worker(server.url)
        self.print_logins(logins, port)
        # Stopped like a terminal's Ctrl-C: the worker and the simulator go with the dashboard.
        signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
            server.stop()

    def start_worker(self, api_url: str) -> subprocess.Popen:
        """One `synccalls` beside the dashboard, as a deployment runs it, on the simulator."""
        env = {**os.environ, "PHONE_INC_API_URL": api_url}
        worker = subprocess.Popen([sys.executable, str(MANAGE), "synccalls"], env=env)
        self.stdout.write(
            "Call history: a sync worker (manage.py synccalls) keeps Acme's and Globex's "
            "history in step every 15 s. Search what Acme's callers said at /calls/search/ "
            '(try: invoice, "charged twice", track*).'
        )
        return worker

    def seed(self) -> list[DemoUser]:
        User = get_user_model()
        companies = {}
        with transaction.atomic():
            for seed in SEED_COMPANIES:
                company = Company.objects.filter(name=seed.name).first() or Company(name=seed.name)
                company.region, company.timezone = seed.region, seed.timezone
                before = company.history
                company.history, company.history_days = HISTORY.get(
                    seed.name, (Company.OFF, Company.DEFAULT_HISTORY_DAYS)
                )
                company.set_api_key(seed.api_key)
                company.save()
                apply_level(company, before)
                companies[seed.name] = company
            for demo in DEMO_USERS:
                user = User.objects.filter(username=demo.username).first()
                user = user or User(username=demo.username)
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                user.save()
                defaults = {
                    "company": companies[demo.company],
                    "role": demo.role,
                    "lines": list(demo.lines),
                    "can_access_content": True,
                    "must_change_password": False,
                }
                Membership.objects.update_or_create(user=user, defaults=defaults)
        return list(DEMO_USERS)

    def print_logins(self, logins: list[DemoUser], port: int) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"phonedash demo: http://127.0.0.1:{port}/"))
        for demo in logins:
            self.stdout.write(
                f"  {demo.company}: sign in as {demo.username} / {DEMO_PASSWORD} ({demo.what})"
            )
        self.stdout.write("Stop with Ctrl-C.\n")
