"""The Team page: a company's admins add members, set their role, lines and access, and
deactivate or reactivate them. Every change is in the audit log.

Only the company's own members are found here (another company's is a 404), and the last
active admin of a company can be neither demoted nor deactivated: someone must be able to
run the team.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls import audit
from calls.accounts.scope import Line, lines_seen, named_lines
from calls.accounts.tenancy import admin_required
from calls.models import AuditEvent, Company, Membership
from calls.numbers import as_e164
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.sources import CallQuery, source_for
from calls.team.forms import AddMemberForm, MemberForm
from phonedash.sessions import end_sessions_of

# Letters and digits that cannot be mistaken for one another when read out or copied by hand.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 4, 4
LAST_ADMIN = (
    "{name} is the last active admin of {company}: make another member an admin first, "
    "so that someone can still run the team."
)


@dataclass(frozen=True, slots=True)
class KnownLines:
    """The company's lines as its recent calls name them, and why there are none if so."""

    lines: dict[str, Line]
    error: PhoneIncError | None = None


def known_lines(company: Company) -> KnownLines:
    """Lines seen in the company's 50 most recent calls (the cached answer when there is one);
    none, with the reason, when Phone.inc cannot say: lines can still be typed."""
    try:
        query = CallQuery(limit=MAX_LIMIT)
        listing = source_for(company, query).list(query)
    except PhoneIncError as error:
        return KnownLines({}, error)
    return KnownLines(lines_seen(listing.calls, company.region))


def member_lines(member: Membership, known: dict[str, Line]) -> list[Line]:
    region = member.company.region
    numbers = [as_e164(line, region) or line for line in member.lines or ()]
    return named_lines(numbers, known)


def line_choices(known: dict[str, Line], *members: Membership) -> list[Line]:
    """The lines to pick from: those seen in recent calls, and those members already have."""
    choices = dict(known)
    for member in members:
        for line in member_lines(member, known):
            choices.setdefault(line.number, line)
    return sorted(choices.values(), key=lambda line: (not line.name, line.label.casefold()))


@dataclass(frozen=True, slots=True)
class MemberRow:
    member: Membership
    lines: list[Line]


@require_GET
@admin_required
def team(request: HttpRequest, company: Company) -> HttpResponse:
    members = (
        Membership.objects.filter(company=company)
        .select_related("user", "company")
        .order_by("user__username")
    )
    known = known_lines(company)
    rows = [MemberRow(member, member_lines(member, known.lines)) for member in members]
    context = {"company": company, "rows": rows, "lines_error": known.error}
    return render(request, "calls/team.html", context)


@require_http_methods(["GET", "POST"])
@never_cache  # the answer to a successful POST shows a password, once
@admin_required
def team_add(request: HttpRequest, company: Company) -> HttpResponse:
    known = known_lines(company)
    data = request.POST if request.method == "POST" else None
    form = AddMemberForm(data, region=company.region, lines=line_choices(known.lines))
    if form.is_bound and form.is_valid():
        member, password = add_member(company, form)
        detail = f"{member.user.username}: {describe(member, known.lines)}"
        audit.record(request, AuditEvent.MEMBER_ADDED, detail=detail)
        context = {"company": company, "member": member, "password": password}
        return render(request, "calls/team_added.html", context)
    context = {"company": company, "form": form, "lines_error": known.error, "adding": True}
    return render(request, "calls/team_member.html", context, status=400 if form.is_bound else 200)


def one_time_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def add_member(company: Company, form: AddMemberForm) -> tuple[Membership, str]:
    data = form.cleaned_data
    password = one_time_password()
    with transaction.atomic():
        user = get_user_model().objects.create_user(data["username"], data["email"], password)
        member = Membership.objects.create(
            user=user,
            company=company,
            role=data["role"],
            lines=form.chosen_lines(),
            can_access_content=data["can_access_content"],
            must_change_password=True,
        )
    return member, password


def describe(member: Membership, known: dict[str, Line]) -> str:
    """A member's role, lines and access, as the audit log says them."""
    return "; ".join(
        f"{name} {value}" for name, value in settings_of(member, known).items() if value
    )


def settings_of(member: Membership, known: dict[str, Line]) -> dict[str, str]:
    lines = ", ".join(line.label for line in member_lines(member, known)) or "all"
    return {
        "role": member.get_role_display().lower(),
        "lines": lines,
        "content access": "yes" if member.can_access_content else "no",
    }


def find_member(company: Company, member_id: int) -> Membership:
    """One of the company's members; anyone else's is a 404, as if there were none."""
    members = Membership.objects.select_related("user", "company")
    return get_object_or_404(members, pk=member_id, company=company)


def is_last_active_admin(member: Membership) -> bool:
    if not (member.is_admin and member.user.is_active):
        return False
    others = Membership.objects.filter(
        company=member.company, role=Membership.ADMIN, user__is_active=True
    ).exclude(pk=member.pk)
    return not others.exists()


def lock_team(company: Company) -> None:
    """Inside a transaction: hold the company's row so that two admins changing the team at
    once cannot both leave it without an admin (on databases that lock rows)."""
    Company.objects.select_for_update().filter(pk=company.pk).first()


@require_http_methods(["GET", "POST"])
@admin_required
def team_member(request: HttpRequest, company: Company, member_id: int) -> HttpResponse:
    member = find_member(company, member_id)
    known = known_lines(company)
    form = member_form(member, known, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        changes = ""
        with transaction.atomic():
            lock_team(company)
            member = find_member(company, member_id)
            demoting = form.cleaned_data["role"] != Membership.ADMIN
            if demoting and is_last_active_admin(member):
                form.add_error("role", LAST_ADMIN.format(name=member.user, company=company))
            else:
                changes = change_member(member, form, known.lines)
        if not form.errors:
            if changes:
                detail = f"{member.user.username}: {changes}"
                audit.record(request, AuditEvent.MEMBER_CHANGED, detail=detail)
                messages.success(request, f"Saved {member.user.username}: {changes}.")
            else:
                messages.info(request, f"Nothing to change for {member.user.username}.")
            return redirect("team")
    context = {"company": company, "member": member, "form": form, "lines_error": known.error}
    status = 400 if form.is_bound else 200
    return render(request, "calls/team_member.html", context, status=status)


def member_form(member: Membership, known: KnownLines, data=None) -> MemberForm:
    """The form for a member's role, lines and access, filled in with what they have now."""
    initial = {
        "role": member.role,
        "lines": [line.number for line in member_lines(member, known.lines)],
        "can_access_content": member.can_access_content,
    }
    lines = line_choices(known.lines, member)
    return MemberForm(data, region=member.company.region, lines=lines, initial=initial)


def change_member(member: Membership, form: MemberForm, known: dict[str, Line]) -> str:
    """Apply the form to the member; what changed, as "role manager → admin; …" (or "")."""
    before = settings_of(member, known)
    member.role = form.cleaned_data["role"]
    member.lines = form.chosen_lines()
    member.can_access_content = form.cleaned_data["can_access_content"]
    after = settings_of(member, known)
    changed = [
        f"{name} {before[name]} → {after[name]}" for name in after if before[name] != after[name]
    ]
    if changed:
        member.save(update_fields=["role", "lines", "can_access_content"])
    return "; ".join(changed)


@require_POST
@admin_required
def deactivate(request: HttpRequest, company: Company, member_id: int) -> HttpResponse:
    with transaction.atomic():
        lock_team(company)
        member = find_member(company, member_id)
        user = member.user
        if is_last_active_admin(member):
            return refuse(request, company, member, LAST_ADMIN.format(name=user, company=company))
        if not user.is_active:
            messages.info(request, f"{user.username} was already deactivated.")
            return redirect("team")
        user.is_active = False
        user.save(update_fields=["is_active"])
        end_sessions_of(user.pk)
    audit.record(request, AuditEvent.MEMBER_DEACTIVATED, detail=user.username)
    messages.success(
        request, f"Deactivated {user.username}: they are signed out and cannot sign in."
    )
    return redirect("team")


@require_POST
@admin_required
def reactivate(request: HttpRequest, company: Company, member_id: int) -> HttpResponse:
    member = find_member(company, member_id)
    user = member.user
    if user.is_active:
        messages.info(request, f"{user.username} is already active.")
        return redirect("team")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(request, AuditEvent.MEMBER_REACTIVATED, detail=user.username)
    messages.success(request, f"Reactivated {user.username}: they can sign in again.")
    return redirect("team")


def refuse(
    request: HttpRequest, company: Company, member: Membership, message: str
) -> HttpResponse:
    """The member's page again, with why the change cannot be made (400)."""
    known = known_lines(company)
    context = {
        "company": company,
        "member": member,
        "form": member_form(member, known),
        "lines_error": known.error,
        "refusal": message,
    }
    return render(request, "calls/team_member.html", context, status=400)
