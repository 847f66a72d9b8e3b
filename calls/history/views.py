"""/team/history/: a company's admins choose what its call history keeps and for how many days,
see where its sync stands, and read (or replace) the webhook URL Phone.inc posts to.

Every change is in the audit log. A lower level removes at once what it no longer keeps
(calls.history.levels), fewer days delete at once the calls from before them, and turning the
history off, which deletes every stored call, is saved only once the admin confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from calls import audit, responses
from calls.accounts.tenancy import admin_required
from calls.history import retention, tokens
from calls.history.forms import HistoryForm
from calls.history.levels import apply_level
from calls.history.status import BEHIND_AFTER_INTERVALS, status_of
from calls.models import AuditEvent, Company, StoredCall
from phonedash.redaction import register_secret

TEMPLATE = "calls/history_settings.html"


@dataclass(frozen=True, slots=True)
class Change:
    """What a save changed, as the audit log says it ("level transcripts → summaries",
    "days 90 → 30"), and what followed from it, as the admin is told."""

    changes: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@require_http_methods(["GET", "POST"])
@admin_required
def history_settings(request: HttpRequest, company: Company) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {"history": company.history, "history_days": company.history_days}
    form = HistoryForm(data, initial=initial)
    if form.is_bound and form.is_valid():
        level = form.cleaned_data["history"]
        days = form.cleaned_data["history_days"]
        turning_off = company.keeps_history and level == Company.OFF
        if turning_off and not form.cleaned_data["confirm"]:
            stored = StoredCall.objects.filter(company=company).count()
            context = {"company": company, "form": form, "confirming": True, "stored": stored}
            return render(request, TEMPLATE, context)
        change = change_history(company, level, days)
        if change.changes:
            detail = "; ".join(change.changes)
            audit.record(request, AuditEvent.HISTORY_CHANGED, detail=detail)
            messages.success(request, f"Saved: {'; '.join(change.changes + change.effects)}.")
        else:
            messages.info(request, "The settings are as they were: nothing changed.")
        return redirect("calls:history_settings")
    status = 400 if form.is_bound else 200
    return render(request, TEMPLATE, page_context(request, company, form), status=status)


def page_context(request: HttpRequest, company: Company, form: HistoryForm) -> dict:
    """The form, and while the history is on, where its sync stands and the webhook URL."""
    context: dict[str, object] = {"company": company, "form": form}
    if company.keeps_history:
        status = status_of(company)
        late_after = BEHIND_AFTER_INTERVALS * settings.PHONEDASH_SYNC_SECONDS
        age = status.last_pass_age_seconds
        context["status"] = status
        context["behind"] = age is not None and age > late_after
        context["hook_url"] = hook_url(request, company)
    return context


def hook_url(request: HttpRequest, company: Company) -> str:
    """The absolute URL Phone.inc's webhook posts to; its token is hidden from every log."""
    token = tokens.token_of(company)
    register_secret(token)
    return request.build_absolute_uri(reverse("calls:hook", args=[token]))


def change_history(company: Company, level: str, days: int) -> Change:
    """Save the level and days, removing at once what the company no longer keeps."""
    with transaction.atomic():
        # Hold the company's row: two admins saving at once apply one change after the other.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        company.refresh_from_db(fields=["history", "history_days"])
        before_level, before_days = company.history, company.history_days
        changes = []
        if level != before_level:
            changes.append(f"level {before_level} → {level}")
        if days != before_days:
            changes.append(f"days {before_days} → {days}")
        if not changes:
            return Change()
        kept_before = {
            what: company.keeps(what) for what in (Company.SUMMARIES, Company.TRANSCRIPTS)
        }
        company.history, company.history_days = level, days
        company.save(update_fields=["history", "history_days"])
        deleted = apply_level(company, before_level)
    if not company.keeps_history:
        turned_off = before_level != Company.OFF
        effects = (f"{plural(deleted, 'stored call')} deleted",) if turned_off else ()
        return Change(tuple(changes), effects)
    effects = []
    if before_level == Company.OFF:
        effects.append("calls are stored from the sync's next pass")
    lost = [what for what, kept in kept_before.items() if kept and not company.keeps(what)]
    if lost:
        effects.append(f"stored {' and '.join(lost)} were removed")
    if days < before_days:
        purged = retention.purge(company)
        if purged:
            effects.append(f"{plural(purged, 'stored call')} from before those days deleted")
    return Change(tuple(changes), tuple(effects))


post_only = responses.post_only(
    "Use the button",
    "The webhook token is replaced with the button on the call history page of the Team page.",
)


@post_only
@admin_required
def replace_token(request: HttpRequest, company: Company) -> HttpResponse:
    tokens.replace(company)
    audit.record(
        request, AuditEvent.HOOK_TOKEN_REPLACED, detail="the old webhook URL stopped working"
    )
    if company.keeps_history:
        message = (
            "Replaced the webhook token: the old URL stopped working; give Phone.inc the new "
            "one below."
        )
    else:
        message = (
            "Replaced the webhook token: the old URL stopped working; the new one is shown "
            "here while the call history is on."
        )
    messages.success(request, message)
    return redirect("calls:history_settings")
