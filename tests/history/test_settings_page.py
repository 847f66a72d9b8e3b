"""/team/history/: a company's admins set what its call history keeps and for how many days,
see where its sync stands and replace its webhook token; managers are refused, another
company's admin sees only their own, every change is in the audit log, a lower level removes
what it no longer keeps at once and off deletes the stored calls only once confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from calls.history import tokens
from calls.models import AuditEvent, Company, Gap, Membership, StoredCall, SyncState
from tests.history.conftest import keeping

URL = "/team/history/"
TOKEN_URL = "/team/history/token/"


def make_admin(user):
    user.membership.role = Membership.ADMIN
    user.membership.save()
    return user


@pytest.fixture
def admin_client(client, alice):
    """alice, an admin of Acme. The page never asks Phone.inc: no simulator is served."""
    make_admin(alice)
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    client = Client()
    client.force_login(bob)
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def stored(company: Company, call_id: str, *, days_ago: int = 0, **fields) -> StoredCall:
    started = timezone.now() - timedelta(days=days_ago, minutes=1)
    return StoredCall.objects.create(
        company=company,
        call_id=call_id,
        direction="inbound",
        state="done",
        started_at=started,
        **fields,
    )


def with_content(company: Company, call_id: str = "c1", **kwargs) -> StoredCall:
    return stored(
        company,
        call_id,
        summary="Asked about an invoice.",
        transcription="Hello, it is about the invoice.",
        segments=[["caller", "Hello, it is about the invoice.", None]],
        **kwargs,
    )


def save(client, history: str, days: int | str = 90, **extra):
    return client.post(URL, {"history": history, "history_days": days, **extra})


def error_beside(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">(.*?)</p>', page, re.S)
    assert match, f"no error slot for {field}"
    return match.group(1)


def hook_url(company: Company) -> str:
    """The webhook URL with the company's token as stored now (the page makes it on first use)."""
    company.refresh_from_db()
    return f"http://testserver/hooks/phoneinc/{tokens.token_of(company)}/"


def test_it_shows_an_admin_the_form_without_status_or_webhook_while_off(admin_client, acme):
    response = admin_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="radio" name="history" value="off"[^>]*checked', page)
    for level in ("metadata", "summaries", "transcripts"):
        assert f'name="history" value="{level}"' in page
    assert re.search(r'name="history_days" value="90"', page)
    assert "<legend>What phonedash keeps of every call</legend>" in page
    assert '<label for="id_history_days">Days kept</label>' in page
    assert "Where the history stands" not in page
    assert "/hooks/phoneinc/" not in page
    assert '<a href="/team/" aria-current="page">Team</a>' in page


def test_it_shows_where_the_history_stands_and_the_webhook_url_while_on(admin_client, acme):
    keeping(acme, Company.SUMMARIES, days=30)
    stored(acme, "c1", days_ago=3)
    stored(acme, "c2")
    now = timezone.now()
    SyncState.objects.filter(company=acme).update(
        last_pass_at=now - timedelta(seconds=30),
        last_error="Phone.inc is not answering just now.",
    )
    Gap.objects.create(company=acme, start=now - timedelta(hours=2), end=now - timedelta(hours=1))

    response = admin_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'name="history" value="summaries"[^>]*checked', page)
    assert re.search(r'name="history_days" value="30"', page)
    facts = page[page.index("Where the history stands") :]
    assert "<dt>Calls stored</dt><dd>2</dd>" in facts
    assert "(30 seconds ago)" in facts
    assert "Phone.inc is not answering just now." in facts
    assert "None holds it just now" in facts
    assert "Gaps in the kept days" in facts and "may be missing" in facts
    assert " EST" in facts or " EDT" in facts  # Acme's own time zone
    assert re.search(rf'<input[^>]*id="hook-url"[^>]*value="{re.escape(hook_url(acme))}"', page)
    assert re.search(r'<input[^>]*id="hook-url"[^>]*readonly', page)


def test_it_links_to_the_page_from_the_team_page(admin_client, simulator):
    assert 'href="/team/history/"' in admin_client.get("/team/").content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("post", TOKEN_URL)],
)
def test_it_refuses_managers_with_403(bob_client, acme, method, path):
    keeping(acme, Company.TRANSCRIPTS)
    token = tokens.token_of(acme)

    response = getattr(bob_client, method)(path, {"history": "off", "confirm": "1"})

    assert response.status_code == 403
    assert "Only your company&#x27;s admins can open this page." in response.content.decode()
    assert token not in response.content.decode()
    acme.refresh_from_db()
    assert acme.history == Company.TRANSCRIPTS
    assert tokens.company_for(token) == acme
    assert not AuditEvent.objects.exclude(action=AuditEvent.SIGN_IN).exists()


def test_it_shows_another_companys_admin_only_their_own(client, charlie, acme, globex):
    keeping(acme, Company.TRANSCRIPTS, days=30)
    keeping(globex, Company.METADATA, days=365)
    acme_token = tokens.token_of(acme)
    make_admin(charlie)
    client.force_login(charlie)

    page = client.get(URL).content.decode()
    saved = save(client, Company.SUMMARIES, 365)

    assert "Globex" in page and "Acme" not in page
    assert re.search(r'name="history_days" value="365"', page)
    assert acme_token not in page and hook_url(globex) in page
    assert saved.status_code == 302
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.history, acme.history_days) == (Company.TRANSCRIPTS, 30)
    assert globex.history == Company.SUMMARIES
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.company == globex


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"history": "weird"}, "history", "Choose one of the levels listed"),
        ({"history": ""}, "history", "Choose what the history keeps."),
        ({"history_days": "0"}, "history_days", "from 1 to 3650"),
        ({"history_days": "3651"}, "history_days", "from 1 to 3650"),
        ({"history_days": "x"}, "history_days", "Enter a whole number of days"),
        ({"history_days": ""}, "history_days", "Enter a whole number of days"),
    ],
)
def test_it_explains_a_bad_value_beside_its_field_with_400(
    admin_client, acme, data, field, message
):
    keeping(acme, Company.TRANSCRIPTS)
    call = with_content(acme)

    response = admin_client.post(URL, {"history": "summaries", "history_days": "30", **data})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in error_beside(page, field)
    assert f'aria-describedby="id_{field}_' in page and "nothing was changed" in page
    acme.refresh_from_db()
    assert (acme.history, acme.history_days) == (Company.TRANSCRIPTS, 90)
    call.refresh_from_db()
    assert call.transcription and call.summary
    assert not events(AuditEvent.HISTORY_CHANGED)


def test_it_turns_the_history_on_and_logs_it(admin_client, alice, acme):
    response = save(admin_client, Company.METADATA, 90)

    assert response.status_code == 302 and response["Location"] == URL
    acme.refresh_from_db()
    assert acme.history == Company.METADATA
    assert SyncState.objects.filter(company=acme).exists()  # its place in the sync
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert (event.user, event.company, event.detail) == (alice, acme, "level off → metadata")
    page = admin_client.get(URL).content.decode()
    assert "Saved: level off → metadata; calls are stored from the sync&#x27;s next pass." in page


def test_it_raises_the_level_and_logs_from_what_to_what(admin_client, acme):
    keeping(acme, Company.METADATA)

    assert save(admin_client, Company.TRANSCRIPTS, 120).status_code == 302

    acme.refresh_from_db()
    assert (acme.history, acme.history_days) == (Company.TRANSCRIPTS, 120)
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.detail == "level metadata → transcripts; days 90 → 120"


def test_it_blanks_stored_transcripts_at_once_when_lowered_to_summaries(admin_client, acme):
    keeping(acme, Company.TRANSCRIPTS)
    call = with_content(acme)

    response = save(admin_client, Company.SUMMARIES, 30)

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.transcription, call.segments) == (None, None)
    assert call.summary == "Asked about an invoice."
    acme.refresh_from_db()
    assert (acme.history, acme.history_days) == (Company.SUMMARIES, 30)
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.detail == "level transcripts → summaries; days 90 → 30"
    page = admin_client.get(URL).content.decode()
    saved = "Saved: level transcripts → summaries; days 90 → 30; stored transcripts were removed."
    assert saved in page


def test_it_blanks_stored_summaries_at_once_when_lowered_to_metadata(admin_client, acme):
    keeping(acme, Company.SUMMARIES)
    call = stored(acme, "c1", summary="Asked about an invoice.")

    assert save(admin_client, Company.METADATA, 90).status_code == 302

    call.refresh_from_db()
    assert call.summary is None
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.detail == "level summaries → metadata"
    assert "stored summaries were removed" in admin_client.get(URL).content.decode()


def test_it_deletes_calls_from_before_fewer_days_at_once(admin_client, acme):
    keeping(acme, Company.METADATA, days=90)
    stored(acme, "old", days_ago=40)
    stored(acme, "new")

    assert save(admin_client, Company.METADATA, 30).status_code == 302

    assert list(StoredCall.objects.values_list("call_id", flat=True)) == ["new"]
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.detail == "days 90 → 30"
    assert "1 stored call from before those days deleted" in admin_client.get(URL).content.decode()


def test_it_asks_before_turning_the_history_off_and_changes_nothing(admin_client, acme):
    keeping(acme, Company.TRANSCRIPTS)
    with_content(acme, "c1")
    with_content(acme, "c2")

    response = save(admin_client, Company.OFF, 90)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Turn the call history off?" in page
    assert "deletes the 2 calls stored for Acme Corp" in page
    confirm = page[page.index('id="confirm-title"') :].split("</form>")[0]
    assert '<input type="hidden" name="confirm" value="1">' in confirm
    assert '<input type="hidden" name="history" value="off">' in confirm
    assert '<input type="hidden" name="history_days" value="90">' in confirm
    acme.refresh_from_db()
    assert acme.history == Company.TRANSCRIPTS
    assert StoredCall.objects.filter(company=acme).count() == 2
    assert not events(AuditEvent.HISTORY_CHANGED)


def test_it_turns_the_history_off_once_confirmed_deleting_the_stored_calls(
    admin_client, acme, globex
):
    keeping(acme, Company.TRANSCRIPTS)
    keeping(globex, Company.METADATA)
    with_content(acme, "c1")
    with_content(acme, "c2")
    stored(globex, "g1")

    response = save(admin_client, Company.OFF, 90, confirm="1")

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.history == Company.OFF
    assert not StoredCall.objects.filter(company=acme).exists()
    assert not SyncState.objects.filter(company=acme).exists()
    assert StoredCall.objects.filter(company=globex).count() == 1
    (event,) = events(AuditEvent.HISTORY_CHANGED)
    assert event.detail == "level transcripts → off"
    page = admin_client.get(URL).content.decode()
    assert "Saved: level transcripts → off; 2 stored calls deleted." in page
    assert "/hooks/phoneinc/" not in page


def test_it_says_nothing_changed_and_logs_nothing(admin_client, acme):
    keeping(acme, Company.SUMMARIES, days=30)

    assert save(admin_client, Company.SUMMARIES, 30).status_code == 302

    assert not events(AuditEvent.HISTORY_CHANGED)
    assert "nothing changed" in admin_client.get(URL).content.decode()


def test_it_replaces_the_webhook_token_and_logs_it_without_the_token(admin_client, alice, acme):
    keeping(acme, Company.TRANSCRIPTS)
    old = tokens.token_of(acme)

    response = admin_client.post(TOKEN_URL)

    assert response.status_code == 302 and response["Location"] == URL
    acme.refresh_from_db()
    new = tokens.token_of(acme)
    assert new != old
    assert tokens.company_for(old) is None and tokens.company_for(new) == acme
    (event,) = events(AuditEvent.HOOK_TOKEN_REPLACED)
    assert (event.user, event.company) == (alice, acme)
    assert old not in event.detail and new not in event.detail
    page = admin_client.get(URL).content.decode()
    assert "Replaced the webhook token" in page
    assert hook_url(acme) in page and old not in page


def test_it_answers_405_to_a_get_of_the_token_route(admin_client, acme):
    keeping(acme, Company.TRANSCRIPTS)
    token = tokens.token_of(acme)

    response = admin_client.get(TOKEN_URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Use the button" in response.content.decode()
    assert tokens.company_for(token) == acme
    assert not events(AuditEvent.HOOK_TOKEN_REPLACED)


def test_it_needs_a_csrf_token_for_every_change(alice, acme):
    keeping(acme, Company.TRANSCRIPTS)
    call = with_content(acme)
    token = tokens.token_of(acme)
    make_admin(alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert save(client, Company.OFF, 90, confirm="1").status_code == 403
    assert save(client, Company.SUMMARIES, 30).status_code == 403
    assert client.post(TOKEN_URL).status_code == 403

    acme.refresh_from_db()
    assert (acme.history, acme.history_days) == (Company.TRANSCRIPTS, 90)
    assert StoredCall.objects.get(pk=call.pk).transcription
    assert tokens.company_for(token) == acme
    assert not events(AuditEvent.HISTORY_CHANGED) and not events(AuditEvent.HOOK_TOKEN_REPLACED)
