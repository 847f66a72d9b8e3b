"""/audit/ and what writes to it: sign-ins and failed sign-ins, the page for company admins
(newest first, filtered by member and action, 50 a page), its CSV export with inert cells,
and `purgeaudit` removing what is older than PHONEDASH_AUDIT_DAYS."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from calls import audit
from calls.models import AuditEvent, Membership
from tests.conftest import PASSWORD
from tests.site.test_settings import run_check

CALL_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"


def make_admin(user):
    user.membership.role = Membership.ADMIN
    user.membership.save()
    return user


@pytest.fixture
def admin_client(client, alice, simulator):
    make_admin(alice)
    client.force_login(alice)
    AuditEvent.objects.all().delete()  # force_login signed alice in: start from a clean log
    return client


def log(user, action: str, *, ago: timedelta = timedelta(0), **fields) -> AuditEvent:
    event = audit.record(None, action, user=user, **fields)
    if ago:
        AuditEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - ago)
    return event


def sign_in(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_it_logs_a_sign_in_with_its_address(db, alice, acme):
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302

    (event,) = AuditEvent.objects.all()
    assert (event.action, event.user, event.company, event.address) == (
        AuditEvent.SIGN_IN,
        alice,
        acme,
        "203.0.113.7",
    )


def test_it_logs_a_failed_sign_in_under_the_users_company_without_the_password(
    db, alice, charlie, acme
):
    sign_in(Client(), "alice", "not-her-password")
    sign_in(Client(), "nobody-by-this-name", "whatever")

    (event,) = AuditEvent.objects.all()
    assert (event.action, event.user, event.company) == (AuditEvent.SIGN_IN_FAILED, alice, acme)
    for value in (event.detail, event.username, event.call_id):
        assert "not-her-password" not in value and "*" not in value


def test_it_refuses_the_audit_log_to_managers(client, bob, simulator):
    client.force_login(bob)
    for path in ("/audit/", "/audit/export.csv"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Admins only" in response.content.decode()


def test_it_lists_events_newest_first_with_who_what_which_call_and_where(admin_client, alice, bob):
    log(bob, AuditEvent.SIGN_IN, ago=timedelta(hours=2))
    log(bob, AuditEvent.RECORDING_PLAYED, call_id=CALL_ID, ago=timedelta(hours=1))

    page = admin_client.get("/audit/").content.decode()

    table = page.split("<tbody>")[1]
    assert table.index("Played a recording") < table.index("Signed in")
    assert f'href="/calls/{CALL_ID}/"' in page
    assert "2 events." in page


def test_it_shows_another_companys_admin_none_of_acmes_events(client, charlie, bob, simulator):
    make_admin(charlie)
    log(bob, AuditEvent.RECORDING_PLAYED, call_id=CALL_ID)
    client.force_login(charlie)

    page = client.get("/audit/").content.decode()
    export = b"".join(client.get("/audit/export.csv").streaming_content).decode()
    member_filter = client.get("/audit/", {"member": bob.pk})

    assert CALL_ID not in page and "bob" not in page
    assert CALL_ID not in export and "bob" not in export
    assert member_filter.status_code == 400  # bob is no member of Globex's to filter by


def test_it_filters_by_member_and_action(admin_client, alice, bob):
    log(bob, AuditEvent.SIGN_IN)
    log(bob, AuditEvent.RECORDING_PLAYED, call_id=CALL_ID)
    log(alice, AuditEvent.RECORDING_PLAYED, call_id=CALL_ID)

    response = admin_client.get("/audit/", {"member": bob.pk, "action": "recording_played"})

    rows = response.context["rows"]
    assert [(row.event.username, row.event.action) for row in rows] == [("bob", "recording_played")]
    assert "1 event matches" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"member": "99999"}, "member", "Choose a member of your company from the list."),
        ({"member": "x' OR 1=1"}, "member", "Choose a member of your company from the list."),
        ({"action": "deleted_everything"}, "action", "Choose an action from the list."),
    ],
)
def test_it_explains_a_bad_filter_with_400(admin_client, params, field, message):
    for path in ("/audit/", "/audit/export.csv"):
        response = admin_client.get(path, params)
        assert response.status_code == 400
        page = response.content.decode()
        assert f'<p class="field-error" id="id_{field}_error">{message}</p>' in page


def test_it_pages_fifty_events_at_a_time(admin_client, bob):
    AuditEvent.objects.bulk_create(
        AuditEvent(
            company=bob.membership.company,
            user=bob,
            username="bob",
            action=AuditEvent.SIGN_IN,
            detail=f"event {n}",
            created_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(120)
    )

    first = admin_client.get("/audit/")
    last = admin_client.get("/audit/", {"page": 3, "action": "sign_in"})

    assert len(first.context["rows"]) == 50 and len(last.context["rows"]) == 20
    assert first.context["rows"][0].event.detail == "event 0"
    assert last.context["rows"][-1].event.detail == "event 119"
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert 'href="?action=sign_in&amp;page=2" rel="prev"' in last.content.decode()
    for page in ("4", "0", "x"):
        assert admin_client.get("/audit/", {"page": page}).status_code == 404


def test_it_exports_the_filtered_events_as_csv_with_inert_cells(admin_client, alice, bob):
    log(bob, AuditEvent.RECORDING_PLAYED, call_id=CALL_ID, detail='=HYPERLINK("x")')
    log(bob, AuditEvent.MEMBER_CHANGED, detail="+1 415 555 1234")
    log(bob, AuditEvent.MEMBER_CHANGED, detail="-2+3")
    log(alice, AuditEvent.SIGN_IN, detail="@SUM(A1)")

    response = admin_client.get("/audit/export.csv", {"member": bob.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["When", "Member", "Action", "Call", "Detail", "Address"]
    details = [row[4] for row in rows[1:]]
    assert details == ["'-2+3", "+1 415 555 1234", '\'=HYPERLINK("x")']
    assert {row[1] for row in rows[1:]} == {"bob"} and rows[-1][3] == CALL_ID
    assert rows[1][0].endswith("-05:00")  # in the company's time zone


def test_it_offers_the_export_with_the_filters_in_use(admin_client, bob):
    log(bob, AuditEvent.SIGN_IN)
    page = admin_client.get("/audit/", {"action": "sign_in"}).content.decode()
    assert 'href="/audit/export.csv?action=sign_in" download' in page


def test_it_has_no_way_to_change_the_log_on_the_site(admin_client, bob):
    event = log(bob, AuditEvent.SIGN_IN)
    for path in ("/audit/", "/audit/export.csv"):
        assert admin_client.post(path, {"action": ""}).status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).action == AuditEvent.SIGN_IN


def test_it_purges_events_older_than_the_retention(db, bob, settings):
    settings.PHONEDASH_AUDIT_DAYS = 30
    log(bob, AuditEvent.SIGN_IN, ago=timedelta(days=31))
    log(bob, AuditEvent.SIGN_IN, ago=timedelta(days=45))
    kept = log(bob, AuditEvent.SIGN_IN, ago=timedelta(days=29))
    out = io.StringIO()

    call_command("purgeaudit", stdout=out)

    assert out.getvalue().strip() == "Removed 2 audit events older than 30 days."
    assert list(AuditEvent.objects.all()) == [kept]


def test_it_keeps_a_year_by_default(db, bob, settings):
    assert settings.PHONEDASH_AUDIT_DAYS == 365
    log(bob, AuditEvent.SIGN_IN, ago=timedelta(days=364))
    out = io.StringIO()
    call_command("purgeaudit", stdout=out)
    assert "Removed 0 audit events older than 365 days." in out.getvalue()
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("value", ["forever", "0"])
def test_it_refuses_a_bad_retention_at_start_naming_the_variable(value):
    result = run_check(PHONEDASH_DEBUG="1", PHONEDASH_AUDIT_DAYS=value)
    assert result.returncode != 0
    assert "PHONEDASH_AUDIT_DAYS" in result.stderr
