"""createmanager USERNAME --company NAME [--email E] [--role admin|manager] [--line NUMBER ...]
[--no-content]; password from PHONEDASH_PASSWORD or a prompt. The operator chose the password,
so the member keeps it (no change forced at first sign-in, unlike a Team page one)."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from calls.management.secrets_input import read_secret
from calls.models import Company, Membership
from calls.numbers import to_e164


class Command(BaseCommand):
    help = (
        "Create a member who sees one company's calls (a manager unless --role admin; every "
        "line unless --line). The password is read from PHONEDASH_PASSWORD or prompted for "
        "without echo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--company", required=True, help="the company's name")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--role",
            choices=[role for role, _ in Membership.ROLES],
            default=Membership.MANAGER,
            help="admin runs the team and reads the audit log; manager (the default) does not",
        )
        parser.add_argument(
            "--line",
            action="append",
            default=[],
            dest="lines",
            metavar="NUMBER",
            help="a main number the member sees, in any format the company's region reads; "
            "repeat for more; none: every line",
        )
        parser.add_argument(
            "--no-content",
            action="store_true",
            help="may not play recordings or read transcripts",
        )

    def handle(
        self,
        username: str,
        company: str,
        email: str,
        role: str,
        lines: list[str],
        no_content: bool,
        **options,
    ) -> None:
        User = get_user_model()
        username = username.strip()
        try:
            User.username_validator(username)
        except ValidationError:
            raise CommandError(
                f"{username!r} is not a valid username: use letters, digits and @/./+/-/_ only."
            ) from None
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        try:
            the_company = Company.objects.get(name__iexact=company.strip())
        except Company.DoesNotExist:
            raise CommandError(f"There is no company named {company!r}.") from None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"{email!r} is not a valid email address.") from None
        numbers = self.read_lines(lines, the_company.region)
        password = read_secret("PHONEDASH_PASSWORD", "Password", confirm=True)
        user = User(username=username, email=email)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            Membership.objects.create(
                user=user,
                company=the_company,
                role=role,
                lines=numbers,
                can_access_content=not no_content,
            )
        sees = ", ".join(numbers) if numbers else "every line"
        access = "" if not no_content else ", without recordings and transcripts"
        self.stdout.write(f"Created {role} {username!r} at {the_company.name!r}: {sees}{access}.")

    def read_lines(self, lines: list[str], region: str) -> list[str]:
        """The --line numbers as E.164, without repeats; the first unreadable one stops it."""
        numbers: list[str] = []
        for text in lines:
            try:
                number = to_e164(text, region)
            except ValueError:
                raise CommandError(
                    f"--line {text!r} is not a phone number that region {region} reads; "
                    "type the whole number, or start with + and the country code."
                ) from None
            if number not in numbers:
                numbers.append(number)
        return numbers
