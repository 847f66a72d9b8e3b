"""The search form: what to find (`q`), and the call list's own filters to narrow it (the
period, a line, a direction, an employee), each checked as the list checks it."""

from __future__ import annotations

import base64
import binascii

from django import forms

from calls.filters.forms import CallFilterForm
from calls.search.engine import MAX_OFFSET
from calls.sources import CallQuery
from calls.words.query import MAX_CHARS, WordQuery, parse

# The list's fields a search does not take.
NOT_SEARCHED = ("phone_number", "state", "limit")


class SearchForm(CallFilterForm):
    q = forms.CharField(
        required=False,
        strip=False,
        label="Search what was said",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": 'e.g. refund, "late fee", INV-29437',
                "maxlength": MAX_CHARS,
            }
        ),
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in NOT_SEARCHED:
            del self.fields[name]
        self.order_fields(["q", "period", "from", "to", "line", "direction", "employee"])
        self.fields["q"].widget.attrs["aria-describedby"] = "search-syntax"
        period = self.fields["period"]
        period.choices = [("", "All kept days"), *period.choices[1:]]

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        if len(text) > MAX_CHARS:
            raise forms.ValidationError(
                f"A search is at most {MAX_CHARS} characters; this one has {len(text)}. "
                "Shorten it.",
                code="too_long",
            )
        return text.strip()

    def clean_cursor(self) -> int:
        return read_cursor(self.cleaned_data["cursor"].strip())

    @property
    def words(self) -> WordQuery:
        return parse(self.cleaned_data.get("q", ""))

    @property
    def offset(self) -> int:
        return self.cleaned_data.get("cursor") or 0

    def query(self, *, lines: frozenset[str] = frozenset()) -> CallQuery:
        data = self.cleaned_data
        line = data.get("line")
        return CallQuery(
            direction=data.get("direction") or None,
            lines=frozenset({line}) if line else lines,
            employee=data.get("employee") or None,
            since=self.period.since if self.period else None,
            until=self.period.until if self.period else None,
        )

    def link_params(self) -> dict[str, str]:
        """The search and its filters as a link holds them (no cursor: the first page)."""
        data = self.cleaned_data
        params = {"q": data["q"]} if data.get("q") else {}
        if self.period:
            params.update(self.period.params())
        for name in ("line", "direction", "employee"):
            if data.get(name):
                params[name] = data[name]
        return params


def cursor_of(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> int:
    """The offset a cursor names (0: none); a ValidationError for one we could not have made."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        offset = int(text[1:]) if text[:1] == "o" and text[1:].isascii() else -1
    except (ValueError, binascii.Error, UnicodeDecodeError):
        offset = -1
    if not 0 <= offset <= MAX_OFFSET or len(cursor) > 20:
        raise forms.ValidationError(
            "That page of results cannot be found. Start again from the first page.",
            code="bad_cursor",
        )
    return offset
