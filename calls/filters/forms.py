"""The filter form the call list, insights and the export share: every value is checked here,
before anything goes upstream or to the database, and a valid form becomes the page's CallQuery.

With the company's call history on, the form has a When control (`period`, or `from` and `to`:
calls.filters.periods) and the history's own filters, `line` and `employee`; without a period,
the page shows Phone.inc's newest calls, as it always did. A period asked of a company that
keeps no history is an error that says so, like any other bad value.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django import forms
from django.utils import timezone

from calls import phoneinc
from calls.filters import periods
from calls.filters.periods import Period, PeriodError
from calls.numbers import example_number, to_e164
from calls.phoneinc import CALL_ID_RE, DEFAULT_LIMIT, MAX_LIMIT
from calls.sources import CallQuery

DIRECTIONS = [("", "Any direction"), *((d, d.capitalize()) for d in phoneinc.DIRECTIONS)]
# The words of the state badges, so a filtered list shows the state it was filtered by.
STATES = [("", "Any state"), *((state.value, state.label) for state in phoneinc.STATES)]
LIMITS = [DEFAULT_LIMIT, 25, MAX_LIMIT]
PERIOD_LIMITS = [25, 50, 100, 200]
PERIOD_DEFAULT_LIMIT = 50  # a page of a period
PERIOD_MAX_LIMIT = 200
WHEN = [("", "Latest"), *periods.NAMED.items(), (periods.CUSTOM, "Custom")]
# Fields only a company that keeps a call history is shown.
HISTORY_FIELDS = ("period", "from", "to", "line", "employee")


class PeriodForm(forms.Form):
    """The When control, for a company that keeps a call history: `period`, or `from` and
    `to` (calls.filters.periods). After validation, `period` is the Period asked for (None:
    Phone.inc's newest calls)."""

    period = forms.ChoiceField(
        choices=WHEN,
        required=False,
        label="When",
        error_messages={"invalid_choice": "“%(value)s” is not a period we know."},
    )
    max_days: int | None = None  # a page's own bound on a period

    def __init__(self, data=None, *, company=None, today: date | None = None, **kwargs) -> None:
        days = data and ((data.get("from") or "").strip() or (data.get("to") or "").strip())
        if days and not (data.get("period") or "").strip():
            data = data.copy()  # the When control reads "Custom" for a range of days
            data["period"] = periods.CUSTOM
        super().__init__(data, **kwargs)
        self.company = company
        self.today = today
        self.period: Period | None = None
        self.has_history = company is not None and company.keeps_history
        # `from` is a Python keyword: these two are added by name.
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.CharField(
                required=False,
                label=label,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        self.order_fields(["period", "from", "to"])
        self.dated = self.is_bound and any(
            str(self.data.get(name) or "").strip() for name in ("period", "from", "to")
        )

    def clean(self):
        data = super().clean()
        if self.company is None or "period" in self.errors:
            return data
        params = {name: self.data.get(name) for name in ("period", "from", "to")}
        if params["period"] == periods.CUSTOM:
            params["period"] = None  # the When control's "Custom": the days in from and to
        today = self.today or timezone.localdate(timezone.now(), self.company.zone)
        try:
            self.period = periods.read(self.company, params, today)
        except PeriodError as error:
            self.add_error("period", str(error))
            return data
        if self.period and self.max_days and self.period.days > self.max_days:
            self.add_error(
                "period",
                f"This page covers at most {self.max_days} days; this period spans "
                f"{self.period.days}. Choose a shorter one.",
            )
            self.period = None
        return data


class CallFilterForm(PeriodForm):
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
    line = forms.CharField(
        required=False,
        max_length=40,
        label="Line",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    employee = forms.CharField(
        required=False,
        max_length=64,
        label="Employee",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "title": "A Phone.inc employee id"}
        ),
    )
    limit = forms.IntegerField(
        min_value=1,
        required=False,
        label="Show",
        widget=forms.Select(choices=[(n, f"{n} calls") for n in LIMITS]),
        error_messages={
            "invalid": "Enter a whole number of calls.",
            "min_value": "Show at least 1 call.",
        },
    )
    # What the page asks for when the form leaves the limit out.
    default_limit = DEFAULT_LIMIT

    def __init__(
        self,
        data=None,
        *,
        region: str = "US",
        company=None,
        lines: frozenset[str] = frozenset(),
        today: date | None = None,
        **kwargs,
    ) -> None:
        super().__init__(data, company=company, today=today, **kwargs)
        self.region = region
        self.scope_lines = lines
        self.example = example_number(region)
        self.fields["phone_number"].widget.attrs["placeholder"] = f"e.g. {self.example}"
        self.fields["line"].widget.attrs["placeholder"] = f"Any line, e.g. {self.example}"
        self.fields["employee"].widget.attrs["placeholder"] = "Anyone"
        dated = self.dated
        choices = PERIOD_LIMITS if dated else LIMITS
        limit = self.fields["limit"]
        value = str(self.data.get("limit") or "").strip() if self.is_bound else ""
        # Keep a shared link with an unusual limit such as ?limit=17 selectable. ASCII digits
        # only: "²".isdigit() is true, yet int("²") fails.
        wanted = int(value) if value.isascii() and value.isdigit() and len(value) < 4 else None
        top = PERIOD_MAX_LIMIT if dated else MAX_LIMIT
        if wanted and wanted not in choices and wanted <= top:
            choices = sorted({*choices, wanted})
        limit.widget.choices = [(n, f"{n} calls") for n in choices]

    @property
    def shown_fields(self):
        """The fields the page renders: the history's own only when the company keeps one."""
        return [f for f in self if self.has_history or f.name not in HISTORY_FIELDS]

    def clean_limit(self) -> int | None:
        limit = self.cleaned_data["limit"]
        if limit is not None and self.dated and limit > PERIOD_MAX_LIMIT:
            raise forms.ValidationError(f"A page shows at most {PERIOD_MAX_LIMIT} calls.")
        if limit is not None and not self.dated and limit > MAX_LIMIT:
            raise forms.ValidationError(f"Phone.inc returns at most {MAX_LIMIT} calls.")
        return limit

    def clean_phone_number(self) -> str | None:
        return self._number("phone_number", "a phone number")

    def clean_line(self) -> str | None:
        number = self._number("line", "a line's phone number")
        if number and self.scope_lines and number not in self.scope_lines:
            raise forms.ValidationError("That line is not one of yours.", code="not_yours")
        return number

    def clean_employee(self) -> str | None:
        text = self.cleaned_data["employee"].strip()
        if not text:
            return None
        if not CALL_ID_RE.fullmatch(text):
            raise forms.ValidationError(
                "An employee is given by their Phone.inc id: letters, digits, - and _ only.",
                code="unreadable",
            )
        return text

    def _number(self, name: str, what: str) -> str | None:
        text = self.cleaned_data[name].strip()
        if not text:
            return None
        try:
            return to_e164(text, self.region)
        except ValueError:
            raise forms.ValidationError(
                "We can't read “%(number)s” as %(what)s. Type the whole number, "
                "e.g. %(example)s, or start with + and the country code.",
                params={"number": text, "what": what, "example": self.example},
                code="unreadable",
            ) from None

    def link_params(self) -> dict[str, str]:
        """The checked filters as a link holds them: the period as asked (`period`, or `from`
        and `to`), numbers in E.164, and the limit only for Phone.inc's newest calls (a
        period's figures and export cover all its calls)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        params = self.period.params() if self.period else {}
        for name in ("phone_number", "direction", "state", "line", "employee"):
            if data.get(name):
                params[name] = data[name]
        if self.period is None:  # the same calls: the limit as asked, or the page's own
            params["limit"] = str(data.get("limit") or self.default_limit)
        return params

    def query(self, *, lines: frozenset[str] = frozenset()) -> CallQuery:
        """The calls this (valid, or unbound) form asks for, on these lines (empty: all): the
        member's lines, narrowed to the line asked for."""
        data = self.cleaned_data if self.is_bound else {}
        line = data.get("line")
        period = self.period
        default = PERIOD_DEFAULT_LIMIT if period else self.default_limit
        return CallQuery(
            phone_number=data.get("phone_number") or None,
            direction=data.get("direction") or None,
            state=data.get("state") or None,
            limit=data.get("limit") or default,
            lines=frozenset({line}) if line else lines,
            employee=data.get("employee") or None,
            since=period.since if period else None,
            until=period.until if period else None,
        )


def read_query(
    form_class: type[CallFilterForm],
    data,
    company,
    *,
    lines: frozenset[str] = frozenset(),
    today: date | None = None,
) -> tuple[CallFilterForm, CallQuery | None]:
    """The filter form for this query string (bound if it has anything) and the query it asks
    for on the member's lines; None when it does not validate. A `before=` cursor (the list's
    further pages) goes into the query as it is: the history reads it, or refuses it."""
    form = form_class(
        data or None, region=company.region, company=company, lines=lines, today=today
    )
    if form.is_bound and not form.is_valid():
        return form, None
    query = form.query(lines=lines)
    cursor = (data.get("before") or "").strip() if data else ""
    if cursor:
        query = dataclasses.replace(query, cursor=cursor[:200])
    return form, query


def with_limit(query: CallQuery, limit: int) -> CallQuery:
    return dataclasses.replace(query, limit=limit)
