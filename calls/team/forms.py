"""The Team page's forms: a new member, and a member's role, lines and access.

Lines are picked from the lines the company's recent calls name, or typed as numbers in any
format the company's region reads; either way they are stored in E.164, the form Phone.inc
sends main numbers in, and an empty choice means every line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from calls.accounts.scope import Line
from calls.forms import DescribedErrors
from calls.models import Membership
from calls.numbers import example_number, to_e164

# Numbers are typed one per line or separated by commas or semicolons; spaces, dots, dashes
# and brackets belong to the numbers themselves.
LINE_SEPARATORS = re.compile(r"[,;\n\r]+")
MAX_TYPED = 500


def parse_lines(text: str, region: str) -> list[str]:
    """Typed numbers as E.164, in order, without repeats; ValidationError naming each one
    that cannot be read in `region`."""
    numbers: list[str] = []
    unreadable: list[str] = []
    for part in LINE_SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        try:
            number = to_e164(part, region)
        except ValueError:
            unreadable.append(part)
            continue
        if number not in numbers:
            numbers.append(number)
    if unreadable:
        quoted = ", ".join(f"“{part}”" for part in unreadable[:5])
        raise ValidationError(
            "We can't read %(numbers)s as a phone number. Type each whole number, e.g. "
            "%(example)s, or start with + and the country code; one per line.",
            params={"numbers": quoted, "example": example_number(region)},
            code="unreadable",
        )
    return numbers


class MemberForm(DescribedErrors, forms.Form):
    role = forms.ChoiceField(
        choices=Membership.ROLES,
        initial=Membership.MANAGER,
        widget=forms.RadioSelect,
        help_text="Admins run the team and read the audit log; managers browse calls.",
    )
    lines = forms.MultipleChoiceField(
        required=False,
        label="Lines seen in recent calls",
        widget=forms.CheckboxSelectMultiple,
    )
    other_lines = forms.CharField(
        required=False,
        max_length=MAX_TYPED,
        label="Other lines",
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "tel", "autocomplete": "off"}),
        help_text="Main numbers to add, one per line, in any format your region reads.",
    )
    can_access_content = forms.BooleanField(
        required=False,
        initial=True,
        label="May play recordings and read transcripts",
    )

    def __init__(self, data=None, *, region: str, lines: Iterable[Line] = (), **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.region = region
        self.fields["lines"].choices = [(line.number, line.label) for line in lines]
        self.fields["other_lines"].widget.attrs["placeholder"] = f"e.g. {example_number(region)}"

    def clean_other_lines(self) -> list[str]:
        return parse_lines(self.cleaned_data["other_lines"], self.region)

    def chosen_lines(self) -> list[str]:
        """Picked and typed lines together, E.164, without repeats; empty: every line."""
        picked = self.cleaned_data.get("lines") or []
        typed = self.cleaned_data.get("other_lines") or []
        return list(dict.fromkeys([*picked, *typed]))


class AddMemberForm(MemberForm):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only; they sign in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    email = forms.EmailField(required=False, max_length=254)

    field_order = ["username", "email", "role", "lines", "other_lines", "can_access_content"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        try:
            User.username_validator(username)
        except ValidationError:
            raise ValidationError(
                "Use letters, digits and @ . + - _ only, without spaces.", code="invalid"
            ) from None
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                "Someone already signs in as “%(username)s”; choose another username.",
                params={"username": username},
                code="taken",
            )
        return username
