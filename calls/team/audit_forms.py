"""The audit log's filter: by member and by action, each checked against what can be asked."""

from __future__ import annotations

from django import forms

from calls.forms import DescribedErrors
from calls.models import AuditEvent, Company, Membership


class AuditFilterForm(DescribedErrors, forms.Form):
    member = forms.ChoiceField(
        required=False,
        label="Member",
        error_messages={"invalid_choice": "Choose a member of your company from the list."},
    )
    action = forms.ChoiceField(
        required=False,
        label="Action",
        choices=[("", "Any action"), *AuditEvent.ACTIONS],
        error_messages={"invalid_choice": "Choose an action from the list."},
    )

    def __init__(self, data=None, *, company: Company, **kwargs) -> None:
        super().__init__(data, **kwargs)
        members = (
            Membership.objects.filter(company=company)
            .select_related("user")
            .order_by("user__username")
        )
        self.fields["member"].choices = [
            ("", "Everyone"),
            *((str(member.user_id), member.user.get_username()) for member in members),
        ]

    def events(self, company: Company):
        """The company's events this filter asks for, newest first (valid forms only)."""
        events = AuditEvent.objects.filter(company=company)
        if member := self.cleaned_data.get("member"):
            events = events.filter(user_id=int(member))
        if action := self.cleaned_data.get("action"):
            events = events.filter(action=action)
        return events.order_by("-created_at", "-pk")

    def query(self) -> dict[str, str]:
        """The filters in use, for links to other pages of the log and to its export."""
        return {name: value for name, value in self.cleaned_data.items() if value}
