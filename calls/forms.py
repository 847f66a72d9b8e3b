"""The call list's filter form: every value is checked here, before anything goes upstream."""

from __future__ import annotations

import sys

import phonenumbers
from django import forms
from django.utils.functional import SimpleLazyObject

from calls import memo, phoneinc
from calls.numbers import to_e164
from calls.phoneinc import DEFAULT_LIMIT, MAX_LIMIT
from calls.services import CallFilters

DIRECTIONS = [("", "Any direction"), *((d, d.capitalize()) for d in phoneinc.DIRECTIONS)]
# The words of the state badges, so a filtered list shows the state it was filtered by.
STATES = [("", "Any state"), *((state.value, state.label) for state in phoneinc.STATES)]
LIMITS = [DEFAULT_LIMIT, 25, MAX_LIMIT]
EXAMPLES_KEPT = 64
EXAMPLES_BYTES = 64 * 1024
WIDGETS_KEPT = 512  # typed numbers vary: stay bounded
WIDGETS_BYTES = 2 * 1024 * 1024
_examples: memo.Memo[tuple, str] = memo.Memo(
    "example numbers", entries=EXAMPLES_KEPT, max_bytes=EXAMPLES_BYTES, sizeof=memo.text
)


@_examples.memoise
def example_number(region: str) -> str:
    """A number as people in the region write it, for the placeholder and error messages
    (memoised: every list page shows it, and phonenumbers formats it through regexes)."""
    example = phonenumbers.example_number(region)
    if example is None:
        return "+1 408 555 0199"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def _widget_size(key: tuple, html: str) -> int:
    """The HTML, and the key's reprs of the value, attributes and choices."""
    return sys.getsizeof(html) + sum(sys.getsizeof(part) for part in key if isinstance(part, str))


_widgets: memo.Memo[tuple, str] = memo.Memo(
    "widgets", entries=WIDGETS_KEPT, max_bytes=WIDGETS_BYTES, sizeof=_widget_size
)


class RenderedOnce:
    """A widget whose HTML is memoised by everything it is made of (name, value, attributes,
    choices). Django renders each widget through templates, an include per option: about a
    quarter of a millisecond per select, on every list page, for the same few answers."""

    def render(self, name, value, attrs=None, renderer=None):
        key = (type(self), name, repr(value), repr(attrs), repr(self.attrs))
        key += (repr(getattr(self, "choices", None)),)
        html = _widgets.get(key)
        if html is None:
            html = _widgets.put(key, super().render(name, value, attrs, renderer))
        return html


class SearchInput(RenderedOnce, forms.TextInput):
    pass


class Select(RenderedOnce, forms.Select):
    pass


class CallFilterForm(forms.Form):
    phone_number = forms.CharField(
        required=False,
        max_length=40,
        label="Phone number",
        widget=SearchInput(
            attrs={
                "type": "search",
                "inputmode": "tel",
                "autocomplete": "off",
            }
        ),
    )
    direction = forms.ChoiceField(
        choices=DIRECTIONS, required=False, label="Direction", widget=Select
    )
    state = forms.ChoiceField(choices=STATES, required=False, label="State", widget=Select)
    limit = forms.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        required=False,
        label="Show",
        widget=Select(choices=[(n, f"{n} calls") for n in LIMITS]),
        error_messages={
            "invalid": "Enter a whole number of calls.",
            "min_value": "Show at least 1 call.",
            "max_value": f"Phone.inc returns at most {MAX_LIMIT} calls.",
        },
    )

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

    def filters(self) -> CallFilters:
        if not self.is_bound:
            return CallFilters()
        data = self.cleaned_data
        return CallFilters(
            phone_number=data.get("phone_number") or None,
            direction=data.get("direction") or None,
            state=data.get("state") or None,
            limit=data.get("limit") or DEFAULT_LIMIT,
        )


# What a query asks for, by form, region and query: a warm page is asked for with the same
# query again and again, and building and checking a form (every field deep-copied, every value
# cleaned) took a tenth of such a page's time. Only queries that validate are kept.
QUERIES_KEPT = 1024
QUERIES_BYTES = 1024 * 1024
_queries: memo.Memo[tuple, CallFilters] = memo.Memo(
    "filter queries", entries=QUERIES_KEPT, max_bytes=QUERIES_BYTES, sizeof=memo.deep
)


def read_filters(
    form_class: type[CallFilterForm], query, region: str
) -> tuple[CallFilterForm, CallFilters | None]:
    """The filter form for this query (bound if the query has anything) and the filters it
    asks for, None when it does not validate. For a query seen before and valid, the form
    is only built if something renders it (a page whose content is kept never does)."""
    key = (form_class, region, tuple(sorted((name, tuple(query.getlist(name))) for name in query)))
    filters = _queries.get(key)
    if filters is not None:
        return SimpleLazyObject(lambda: _checked(form_class, query, region)), filters
    form = _checked(form_class, query, region)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, _queries.put(key, form.filters())


def _checked(form_class: type[CallFilterForm], query, region: str) -> CallFilterForm:
    form = form_class(query or None, region=region)
    if form.is_bound:
        form.is_valid()
    return form
