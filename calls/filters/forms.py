"""The filter form the call list, insights and the export share: every value is checked here,
before anything goes upstream, and a valid form becomes the page's CallQuery."""

from __future__ import annotations

import dataclasses

from django import forms

from calls import phoneinc
from calls.numbers import example_number, to_e164
from calls.phoneinc import DEFAULT_LIMIT, MAX_LIMIT
from calls.sources import CallQuery

DIRECTIONS = [("", "Any direction"), *((d, d.capitalize()) for d in phoneinc.DIRECTIONS)]
# The words of the state badges, so a filtered list shows the state it was filtered by.
STATES = [("", "Any state"), *((state.value, state.label) for state in phoneinc.STATES)]
LIMITS = [DEFAULT_LIMIT, 25, MAX_LIMIT]


class CallFilterForm(forms.Form):
    phone_number = forms.CharField(
        required=False,
        max_length=40,
        label="Phone number",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "inputmode": "tel",
                "autocomplete": "off",
            }
        ),
    )
    direction = forms.ChoiceField(choices=DIRECTIONS, required=False, label="Direction")
    state = forms.ChoiceField(choices=STATES, required=False, label="State")
    limit = forms.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        required=False,
        label="Show",
        widget=forms.Select(choices=[(n, f"{n} calls") for n in LIMITS]),
        error_messages={
            "invalid": "Enter a whole number of calls.",
            "min_value": "Show at least 1 call.",
            "max_value": f"Phone.inc returns at most {MAX_LIMIT} calls.",
        },
    )
    # What the page asks for when the form leaves the limit out.
    default_limit = DEFAULT_LIMIT

    def __init__(self, data=None, *, region: str = "US", **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.region = region
        self.example = example_number(region)
        self.fields["phone_number"].widget.attrs["placeholder"] = f"e.g. {self.example}"
        limit = self.fields["limit"]
        value = str(self.data.get("limit") or "").strip() if self.is_bound else ""
        # Keep a shared link with an unusual limit such as ?limit=17 selectable. ASCII digits
        # only: "²".isdigit() is true, yet int("²") fails.
        wanted = int(value) if value.isascii() and value.isdigit() and len(value) < 4 else None
        if wanted and wanted not in LIMITS and wanted <= MAX_LIMIT:
            limit.widget.choices = [(n, f"{n} calls") for n in sorted({*LIMITS, wanted})]

    def clean_phone_number(self) -> str | None:
        text = self.cleaned_data["phone_number"].strip()
        if not text:
            return None
        try:
            return to_e164(text, self.region)
        except ValueError:
            raise forms.ValidationError(
                "We can't read “%(number)s” as a phone number. Type the whole number, "
                "e.g. %(example)s, or start with + and the country code.",
                params={"number": text, "example": self.example},
                code="unreadable",
            ) from None

    def query(self, *, lines: frozenset[str] = frozenset()) -> CallQuery:
        """The calls this (valid, or unbound) form asks for, on these lines (empty: all)."""
        data = self.cleaned_data if self.is_bound else {}
        return CallQuery(
            phone_number=data.get("phone_number") or None,
            direction=data.get("direction") or None,
            state=data.get("state") or None,
            limit=data.get("limit") or self.default_limit,
            lines=lines,
        )


def read_query(
    form_class: type[CallFilterForm], data, region: str, *, lines: frozenset[str] = frozenset()
) -> tuple[CallFilterForm, CallQuery | None]:
    """The filter form for this query string (bound if it has anything) and the query it asks
    for on the member's lines; None when it does not validate."""
    form = form_class(data or None, region=region)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.query(lines=lines)


def with_limit(query: CallQuery, limit: int) -> CallQuery:
    return dataclasses.replace(query, limit=limit)
