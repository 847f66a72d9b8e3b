"""The callbacks board's filters: every value is checked here, before anything goes upstream."""

from __future__ import annotations

from django import forms

from calls.accounts.scope import Scope
from calls.filters.forms import PeriodForm
from calls.numbers import to_e164

ALL = "all"
OPEN = "open"
SHOW = [(ALL, "Open and handled"), (OPEN, "Open only")]
# A manager reads the board to see both what is left to do and how fast the team called back:
# both show by default, open rows first.
DEFAULT_SHOW = ALL
DEFAULT_PERIOD = "7d"  # with the history on: the board's days unless told
MAX_DAYS = 90  # a board of a longer period is a 400


class CallbackFilterForm(PeriodForm):
    """The board's filters: what to show, the line, and with the history on, the period."""

    max_days = MAX_DAYS

    show = forms.ChoiceField(
        choices=SHOW,
        required=False,
        label="Show",
        error_messages={"invalid_choice": "Choose to show open callbacks only, or all of them."},
    )
    line = forms.CharField(required=False, max_length=40, label="Line")
    # Set by the board's own link and request: look up the numbers of older missed calls.
    check = forms.ChoiceField(
        choices=[("", "No"), ("1", "Yes")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "check is 1 or left out."},
    )

    def __init__(
        self, data=None, *, region: str = "US", scope: Scope | None = None, company=None
    ) -> None:
        super().__init__(data, company=company)
        self.region = region
        self.scope = scope

    def clean_line(self) -> str | None:
        text = self.cleaned_data["line"].strip()
        if not text:
            return None
        try:
            number = to_e164(text, self.region)
        except ValueError:
            raise forms.ValidationError(
                "We can't read “%(line)s” as a line's phone number; pick a line from the list.",
                params={"line": text},
                code="unreadable",
            ) from None
        if self.scope is not None and self.scope.is_limited and number not in self.scope.lines:
            raise forms.ValidationError(
                "That line is not one of yours; pick a line from the list.", code="not_yours"
            )
        return number

    @property
    def show_value(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("show") or DEFAULT_SHOW

    @property
    def line_value(self) -> str | None:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("line")

    @property
    def check_value(self) -> bool:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("check") == "1"
