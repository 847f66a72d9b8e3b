"""The history page's form: what the company's history keeps, and for how many days.

Turning the history off deletes every stored call, so that change is saved only when the form
comes back with `confirm` set, from the page that said how many calls would go.
"""

from __future__ import annotations

from django import forms

from calls.forms import DescribedErrors
from calls.models import Company

DAYS_RANGE = (
    f"Enter a whole number of days from {Company.MIN_HISTORY_DAYS} to "
    f"{Company.MAX_HISTORY_DAYS} (ten years)."
)


class HistoryForm(DescribedErrors, forms.Form):
    history = forms.ChoiceField(
        label="What phonedash keeps of every call",
        choices=Company.HISTORY_LEVELS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the history keeps.",
            "invalid_choice": "Choose one of the levels listed: off, calls, summaries or "
            "transcripts.",
        },
    )
    history_days = forms.IntegerField(
        label="Days kept",
        min_value=Company.MIN_HISTORY_DAYS,
        max_value=Company.MAX_HISTORY_DAYS,
        help_text="How many days of calls to keep, today included, counted in your company’s "
        "time zone; calls that started before the first of them are deleted.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": DAYS_RANGE,
            "invalid": DAYS_RANGE,
            "min_value": DAYS_RANGE,
            "max_value": DAYS_RANGE,
        },
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The days' help says what "kept" means: read out with the field, error or not.
        self.fields["history_days"].widget.attrs["aria-describedby"] = "id_history_days_helptext"
