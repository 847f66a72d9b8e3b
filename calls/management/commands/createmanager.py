"""createmanager USERNAME --company NAME [--email E]; password from PHONEDASH_PASSWORD."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from calls.management.secrets_input import read_secret
from calls.models import Company, Membership


class Command(BaseCommand):
    help = (
        "Create a manager who sees one company's calls. The password is read from "
        "PHONEDASH_PASSWORD or prompted for without echo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--company", required=True, help="the company's name")
        parser.add_argument("--email", default="")

    def handle(self, username: str, company: str, email: str, **options) -> None:
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
        password = read_secret("PHONEDASH_PASSWORD", "Password", confirm=True)
        user = User(username=username, email=email)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            Membership.objects.create(user=user, company=the_company)
        self.stdout.write(f"Created manager {username!r} at {the_company.name!r}.")
