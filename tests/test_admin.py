"""The admin: the company list (what it shows per company, at a cost that does not grow with
them), each user's role, lines and access inline, and the audit log, read-only."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import audit
from calls.admin import MembershipForm
from calls.models import AuditEvent, Company
from tests.conftest import make_company


def manager_counts(response) -> dict[str, str]:
    name = r'<th class="field-name"><a [^>]*>([^<]+)</a></th>'
    count = r'<td class="field-manager_count">(\d+)</td>'
    return dict(re.findall(f"{name}.*?{count}", response.content.decode()))


def test_it_counts_each_companys_managers(admin_client, alice, bob, charlie):
    make_company("Initech", "pk_initech_0123456789abcdef")
    response = admin_client.get("/admin/calls/company/")
    assert response.status_code == 200
    assert manager_counts(response) == {"Acme Corp": "2", "Globex": "1", "Initech": "0"}


def test_it_lists_companies_in_the_same_number_of_queries_however_many(admin_client, alice):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get("/admin/calls/company/").status_code == 200
        return len(context)

    few = queries()
    for number in range(10):
        make_company(f"Company {number}", f"pk_company_{number}_0123456789abcdef")
    assert queries() == few


def test_it_sorts_companies_by_their_number_of_managers(admin_client, alice, bob, charlie):
    response = admin_client.get("/admin/calls/company/?o=-4")
    assert list(manager_counts(response)) == ["Acme Corp", "Globex"]
    response = admin_client.get("/admin/calls/company/?o=4")
    assert list(manager_counts(response)) == ["Globex", "Acme Corp"]


def test_it_deletes_companies_chosen_in_the_list(admin_client, alice, charlie, acme, globex):
    response = admin_client.post(
        "/admin/calls/company/",
        {"action": "delete_selected", "_selected_action": [acme.pk, globex.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Company.objects.exists()


def test_it_shows_each_users_role_lines_and_access_inline(admin_client, alice):
    alice.membership.lines = ["+14155551234"]
    alice.membership.save()
    page = admin_client.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()

    assert 'name="membership-0-role"' in page and 'value="manager" selected' in page
    assert re.search(r'<textarea name="membership-0-lines"[^>]*>\s*\+14155551234</textarea>', page)
    assert 'name="membership-0-can_access_content"' in page
    listing = admin_client.get("/admin/auth/user/").content.decode()
    assert '<td class="field-role">Manager</td>' in listing


def test_it_reads_lines_typed_in_the_admin_in_the_companys_region(acme, globex):
    data = {"company": acme.pk, "role": "admin", "lines": "(415) 555-1234\n415.555.2000"}
    form = MembershipForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lines"] == ["+14155551234", "+14155552000"]

    bad = MembershipForm({"company": globex.pk, "role": "manager", "lines": "0207"})
    assert not bad.is_valid() and "We can't read “0207”" in bad.errors["lines"][0]


def test_it_shows_the_audit_log_read_only(admin_client, alice):
    event = audit.record(None, AuditEvent.SIGN_IN, user=alice)
    assert admin_client.get("/admin/calls/auditevent/").status_code == 200
    change = admin_client.get(f"/admin/calls/auditevent/{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert admin_client.get("/admin/calls/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/calls/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
