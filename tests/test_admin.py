"""The admin's company list: what it shows per company, at a cost that does not grow with them."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Company
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
