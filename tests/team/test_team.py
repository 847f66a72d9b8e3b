"""/team/: a company's admins add members, set their role, lines and access, deactivate and
reactivate them; managers are refused, another company's members are a 404, the last active
admin stays, and a one-time password must be changed at first sign-in."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from calls.models import AuditEvent, Membership
from tests.conftest import PASSWORD

SALES = "+14155551234"
SUPPORT = "+14155552000"


def make_admin(user):
    user.membership.role = Membership.ADMIN
    user.membership.save()
    return user


@pytest.fixture
def admin_client(client, alice, simulator):
    make_admin(alice)
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob, simulator):
    client = Client()
    client.force_login(bob)
    return client


def member_url(user, action: str = "") -> str:
    return f"/team/{user.membership.pk}/" + (f"{action}/" if action else "")


def events(action: str):
    return list(AuditEvent.objects.filter(action=action))


def error_beside(page: str, field: str) -> str:
    """The text of the message slot beside a field."""
    match = re.search(rf'<p class="field-error" id="id_{field}_error">(.*?)</p>', page, re.S)
    assert match, f"no error slot for {field}"
    return match.group(1)


def add(client, **fields):
    data = {"username": "dana", "email": "", "role": "manager", "can_access_content": "on"}
    return client.post("/team/add/", {**data, **fields})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/team/"),
        ("get", "/team/add/"),
        ("post", "/team/add/"),
        ("get", "/team/{id}/"),
        ("post", "/team/{id}/"),
        ("post", "/team/{id}/deactivate/"),
        ("post", "/team/{id}/reactivate/"),
    ],
)
def test_it_refuses_managers_with_403(bob_client, alice, method, path):
    url = path.format(id=alice.membership.pk)
    response = getattr(bob_client, method)(url, {"role": "admin", "username": "eve"})

    assert response.status_code == 403
    assert "Only your company&#x27;s admins can open this page." in response.content.decode()
    assert Membership.objects.get(user=alice).role == Membership.MANAGER
    assert not Membership.objects.filter(user__username="eve").exists()


def test_it_lists_members_with_role_lines_access_and_state(admin_client, alice, bob, acme):
    bob.membership.lines = [SALES, "(212) 555-7000"]
    bob.membership.can_access_content = False
    bob.membership.save()
    bob.is_active = False
    bob.save()

    response = admin_client.get("/team/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 members of Acme Corp" in page
    bob_row = page[page.index(">bob</a>") :].split("</tr>")[0]
    assert "Manager" in bob_row and "Not allowed" in bob_row and "Deactivated" in bob_row
    assert "Sales +1 415-555-1234" in bob_row and "Front desk +1 212-555-7000" in bob_row
    assert "Never" in bob_row
    alice_row = page[page.index(">alice</a>") :].split("</tr>")[0]
    assert "Admin" in alice_row and "All lines" in alice_row and "Active" in alice_row
    assert "<time" in alice_row  # signed in: when


def test_it_shows_the_team_and_audit_log_in_the_navigation_of_admins_only(admin_client, bob_client):
    admin_page = admin_client.get("/team/").content.decode()
    manager_page = bob_client.get("/calls/").content.decode()

    assert '<a href="/team/" aria-current="page">Team</a>' in admin_page
    assert '<a href="/audit/">Audit log</a>' in admin_page
    assert 'href="/team/"' not in manager_page and 'href="/audit/"' not in manager_page


def test_it_offers_the_lines_seen_in_recent_calls(admin_client):
    page = admin_client.get("/team/add/").content.decode()

    for label in ("Sales +1 415-555-1234", "Support +1 415-555-2000"):
        assert label in page
    assert f'value="{SALES}"' in page


def test_it_adds_a_member_with_a_one_time_password_shown_once(admin_client, alice, acme):
    response = add(
        admin_client,
        username="dana",
        email="dana@example.com",
        lines=[SALES],
        other_lines="(415) 555-2000\n+1 212 555 7000",
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r"<code>([^<]+)</code>", response.content.decode()).group(1)
    member = Membership.objects.select_related("user").get(user__username="dana")
    assert member.company == acme and member.role == Membership.MANAGER
    assert member.lines == [SALES, SUPPORT, "+12125557000"]
    assert member.can_access_content and member.must_change_password
    assert member.user.check_password(password) and len(password) >= 16
    assert password not in admin_client.get("/team/").content.decode()
    (event,) = events(AuditEvent.MEMBER_ADDED)
    assert event.user == alice and event.company == acme
    assert event.detail.startswith("dana: role manager; lines Sales +1 415-555-1234, ")
    assert password not in event.detail


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "has space"}, "username", "Use letters, digits and @ . + - _ only"),
        ({"username": "BOB"}, "username", "Someone already signs in as “BOB”"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"role": "owner"}, "role", "Select a valid choice."),
        ({"lines": ["+19999999999"]}, "lines", "Select a valid choice."),
        ({"other_lines": "415 555"}, "other_lines", "We can&#x27;t read “415 555” as a phone"),
    ],
)
def test_it_explains_a_bad_field_beside_it_with_400(admin_client, bob, fields, field, message):
    before = Membership.objects.count()
    response = add(admin_client, **fields)

    assert response.status_code == 400
    assert message in error_beside(response.content.decode(), field)
    assert f'aria-describedby="id_{field}_error' in response.content.decode()
    assert Membership.objects.count() == before
    assert not events(AuditEvent.MEMBER_ADDED)


def test_it_needs_a_csrf_token_for_every_change(alice, bob, simulator):
    make_admin(alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    posts = [
        ("/team/add/", {"username": "dana", "role": "manager"}),
        (member_url(bob), {"role": "admin"}),
        (member_url(bob, "deactivate"), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert not Membership.objects.filter(user__username="dana").exists()
    bob.refresh_from_db()
    assert bob.is_active and bob.membership.role == Membership.MANAGER


def test_it_changes_role_lines_and_access_and_logs_what_changed(admin_client, alice, bob):
    response = admin_client.post(
        member_url(bob), {"role": "admin", "lines": [SALES], "other_lines": ""}
    )

    assert response.status_code == 302 and response["Location"] == "/team/"
    member = Membership.objects.get(user=bob)
    assert (member.role, member.lines, member.can_access_content) == ("admin", [SALES], False)
    (event,) = events(AuditEvent.MEMBER_CHANGED)
    assert event.user == alice
    assert event.detail == (
        "bob: role manager → admin; lines all → Sales +1 415-555-1234; content access yes → no"
    )
    assert "Saved bob" in admin_client.get("/team/").content.decode()


def test_it_logs_nothing_when_nothing_changed(admin_client, bob):
    data = {"role": "manager", "can_access_content": "on"}
    assert admin_client.post(member_url(bob), data).status_code == 302
    assert not events(AuditEvent.MEMBER_CHANGED)


def test_it_shows_a_members_form_filled_in(admin_client, bob):
    bob.membership.lines = [SUPPORT]
    bob.membership.save()
    page = admin_client.get(member_url(bob)).content.decode()

    assert re.search(rf'value="{re.escape(SUPPORT)}"[^>]*checked', page)
    assert re.search(r'value="manager"[^>]*checked', page)
    assert "Deactivate bob" in page


def test_it_keeps_the_last_active_admin(admin_client, alice, bob):
    demote = admin_client.post(member_url(alice), {"role": "manager"})
    deactivate = admin_client.post(member_url(alice, "deactivate"))

    assert demote.status_code == deactivate.status_code == 400
    message = "alice is the last active admin of Acme Corp"
    assert message in error_beside(demote.content.decode(), "role")
    assert message in deactivate.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and alice.membership.role == Membership.ADMIN
    assert not events(AuditEvent.MEMBER_CHANGED) and not events(AuditEvent.MEMBER_DEACTIVATED)


def test_it_does_not_count_a_deactivated_admin_as_one_who_can_run_the_team(
    admin_client, alice, bob
):
    make_admin(bob)
    bob.is_active = False
    bob.save()
    assert admin_client.post(member_url(alice), {"role": "manager"}).status_code == 400


def test_it_lets_an_admin_step_down_once_another_admin_is_active(admin_client, alice, bob):
    make_admin(bob)
    assert admin_client.post(member_url(alice), {"role": "manager"}).status_code == 302
    assert Membership.objects.get(user=alice).role == Membership.MANAGER


def test_it_ends_a_deactivated_members_open_session_at_once(admin_client, alice, bob, bob_client):
    assert bob_client.get("/calls/").status_code == 200
    bob_sessions = Session.objects.count()

    response = admin_client.post(member_url(bob, "deactivate"))

    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    refused = bob_client.get("/calls/")
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    assert Session.objects.count() == bob_sessions - 1  # alice's stays
    assert admin_client.get("/team/").status_code == 200
    (event,) = events(AuditEvent.MEMBER_DEACTIVATED)
    assert (event.user, event.detail) == (alice, "bob")

    assert admin_client.post(member_url(bob, "reactivate")).status_code == 302
    bob.refresh_from_db()
    assert bob.is_active
    assert bob_client.get("/calls/").status_code == 302  # the ended session stays ended
    (event,) = events(AuditEvent.MEMBER_REACTIVATED)
    assert (event.user, event.detail) == (alice, "bob")
    assert Client().login(username="bob", password=PASSWORD)


def test_it_logs_nothing_for_deactivating_someone_already_inactive(admin_client, bob):
    bob.is_active = False
    bob.save()
    assert admin_client.post(member_url(bob, "deactivate")).status_code == 302
    assert admin_client.post(member_url(bob, "reactivate")).status_code == 302
    assert admin_client.post(member_url(bob, "reactivate")).status_code == 302
    assert not events(AuditEvent.MEMBER_DEACTIVATED)
    assert len(events(AuditEvent.MEMBER_REACTIVATED)) == 1


def test_it_answers_405_to_a_get_of_a_change(admin_client, bob):
    assert admin_client.get(member_url(bob, "deactivate")).status_code == 405
    assert admin_client.get(member_url(bob, "reactivate")).status_code == 405


@pytest.mark.parametrize(
    ("method", "action"),
    [("get", ""), ("post", ""), ("post", "deactivate"), ("post", "reactivate")],
)
def test_it_answers_404_for_another_companys_member(
    charlie, alice, client, simulator, method, action
):
    make_admin(charlie)
    client.force_login(charlie)
    response = getattr(client, method)(member_url(alice, action), {"role": "manager"})

    assert response.status_code == 404
    alice.refresh_from_db()
    assert alice.is_active and alice.membership.role == Membership.MANAGER


def test_it_shows_another_companys_admin_none_of_acmes_members(
    charlie, alice, bob, client, simulator
):
    make_admin(charlie)
    client.force_login(charlie)
    page = client.get("/team/").content.decode()

    assert "1 member of Globex" in page and "charlie" in page
    assert "alice" not in page and "bob" not in page


def test_it_still_adds_members_when_phone_inc_cannot_list_the_lines(admin_client, simulator):
    simulator.set_fault(status=503)

    form = admin_client.get("/team/add/")
    added = add(admin_client, other_lines="415-555-1234")

    assert form.status_code == 200
    assert "Recent lines could not be loaded from Phone.inc just now" in form.content.decode()
    assert added.status_code == 200
    assert Membership.objects.get(user__username="dana").lines == [SALES]
    assert admin_client.get("/team/").status_code == 200


def sign_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_it_makes_a_new_member_choose_a_password_at_first_sign_in(admin_client, simulator):
    page = add(admin_client, username="dana").content.decode()
    one_time = re.search(r"<code>([^<]+)</code>", page).group(1)
    dana = Client()

    assert sign_in(dana, "dana", one_time).status_code == 302
    for path in ("/calls/", "/team/"):
        response = dana.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_change/"
    htmx = dana.get("/calls/", headers={"HX-Request": "true", "HX-Target": "results"})
    assert htmx["HX-Redirect"] == "/accounts/password_change/"
    form = dana.get("/accounts/password_change/").content.decode()
    assert "You signed in with a one-time password." in form

    weak = dana.post(
        "/accounts/password_change/",
        {"old_password": one_time, "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 400
    assert Membership.objects.get(user__username="dana").must_change_password
    kept = dana.post(
        "/accounts/password_change/",
        {"old_password": one_time, "new_password1": one_time, "new_password2": one_time},
    )
    assert kept.status_code == 400
    assert "this is the password you have now" in kept.content.decode()
    assert Membership.objects.get(user__username="dana").must_change_password

    new = "a-password-of-danas-own-choosing"
    changed = dana.post(
        "/accounts/password_change/",
        {"old_password": one_time, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert not Membership.objects.get(user__username="dana").must_change_password
    assert dana.get("/calls/").status_code == 200  # still signed in, and free to go
    assert sign_in(Client(), "dana", new).status_code == 302


def test_it_leaves_other_members_password_change_optional(client, alice, simulator):
    client.force_login(alice)
    assert client.get("/calls/").status_code == 200
    page = client.get("/accounts/password_change/").content.decode()
    assert "one-time password" not in page and "Cancel" in page


def test_it_is_one_company_per_member_even_for_a_new_username(admin_client, charlie):
    response = add(admin_client, username="charlie")
    assert response.status_code == 400
    assert Membership.objects.get(user=charlie).company.name == "Globex"


def test_it_gives_each_new_member_a_password_of_their_own(admin_client):
    first = re.search(r"<code>([^<]+)</code>", add(admin_client, username="e1").content.decode())
    second = re.search(r"<code>([^<]+)</code>", add(admin_client, username="e2").content.decode())
    assert first.group(1) != second.group(1)
