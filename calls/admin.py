"""Admin for companies and their managers; the API key is write-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count

from calls.history.levels import apply_level
from calls.models import AuditEvent, Company, Membership, Note
from calls.team.forms import parse_lines


class CompanyForm(forms.ModelForm):
    api_key = forms.CharField(
        label="Phone.inc API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Write-only: stored encrypted and never shown again. "
        "Leave empty to keep the current key.",
    )

    class Meta:
        model = Company
        fields = ["name", "api_key", "region", "timezone", "history", "history_days"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a post, the history stays as it is (a form posted before it existed).
        for name in ("history", "history_days"):
            self.fields[name].required = False

    def clean_history(self) -> str:
        return self.cleaned_data["history"] or self.instance.history

    def clean_history_days(self) -> int:
        return self.cleaned_data["history_days"] or self.instance.history_days

    def clean_api_key(self) -> str:
        key = self.cleaned_data["api_key"]
        if not key and not self.instance.api_key_encrypted:
            raise forms.ValidationError("A new company needs its Phone.inc API key.")
        if key and (not key.isascii() or not key.isprintable() or " " in key):
            # Never echoed back: the field is write-only, and the message does not quote it.
            raise forms.ValidationError(
                "An API key has no spaces or special characters; check what was pasted."
            )
        return key

    def save(self, commit: bool = True) -> Company:
        if self.cleaned_data["api_key"]:
            self.instance.set_api_key(self.cleaned_data["api_key"])
        return super().save(commit)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = CompanyForm
    list_display = ["name", "region", "timezone", "manager_count", "history", "created_at"]
    list_filter = ["history"]
    search_fields = ["name"]

    def save_model(self, request, company: Company, form, change: bool) -> None:
        """Saved, then the stored history brought in line with its level: a lower level
        removes at once what it no longer keeps, and off deletes the stored calls."""
        before = Company.objects.filter(pk=company.pk).values_list("history", flat=True).first()
        super().save_model(request, company, form, change)
        apply_level(company, before or Company.OFF)

    def get_queryset(self, request):
        """With each company's number of managers: counted per row, one query per company."""
        return super().get_queryset(request).annotate(Count("memberships"))

    @admin.display(description="managers", ordering="memberships__count")
    def manager_count(self, company: Company) -> int:
        return company.memberships__count


class MembershipForm(forms.ModelForm):
    """The member's lines typed as numbers, one per line, in any format the company's region
    reads; stored in E.164 like the Team page's."""

    lines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Main numbers this member sees, one per line; empty means every line.",
    )

    class Meta:
        model = Membership
        fields = ["company", "role", "lines", "can_access_content", "must_change_password"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["lines"] = "\n".join(self.instance.lines or ()) if self.instance.pk else ""

    def clean_lines(self) -> list[str]:
        company = self.cleaned_data.get("company")
        return parse_lines(self.cleaned_data["lines"], company.region if company else "US")


class MembershipInline(admin.StackedInline):
    model = Membership
    form = MembershipForm
    can_delete = True
    verbose_name = "company, role, lines and access"
    verbose_name_plural = "company, role, lines and access"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by phonedash itself and never edited."""

    list_display = ["created_at", "company", "username", "action", "call_id", "detail", "address"]
    list_filter = ["company", "action"]
    search_fields = ["username", "call_id", "detail"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    """Read-only: notes are members' own, added and deleted on the call's page (where the
    audit log records each); filterable per company."""

    list_display = ["created_at", "company", "author_name", "call_id", "marks_handled", "text"]
    list_filter = ["company", "marks_handled"]
    list_select_related = ["company"]
    search_fields = ["call_id", "author_name", "text"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ManagerAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "company", "role", "is_active", "is_staff", "last_login"]
    list_select_related = ["membership__company"]
    list_filter = ["membership__company", "membership__role", "is_active", "is_staff"]

    @admin.display(description="company", ordering="membership__company__name")
    def company(self, user) -> str:
        membership = getattr(user, "membership", None)
        return membership.company.name if membership else "—"

    @admin.display(description="role", ordering="membership__role")
    def role(self, user) -> str:
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"
