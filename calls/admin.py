"""Admin for companies and their managers; the API key is write-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count

from calls.models import Company, Membership


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
        fields = ["name", "api_key", "region", "timezone"]

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
    list_display = ["name", "region", "timezone", "manager_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request):
        """With each company's number of managers: counted per row, one query per company."""
        return super().get_queryset(request).annotate(Count("memberships"))

    @admin.display(description="managers", ordering="memberships__count")
    def manager_count(self, company: Company) -> int:
        return company.memberships__count


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = True
    verbose_name = "company"
    verbose_name_plural = "company"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ManagerAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "company", "is_active", "is_staff", "last_login"]
    list_select_related = ["membership__company"]
    list_filter = ["membership__company", "is_active", "is_staff"]

    @admin.display(description="company", ordering="membership__company__name")
    def company(self, user) -> str:
        membership = getattr(user, "membership", None)
        return membership.company.name if membership else "—"
