"""Login throttling: five failures in fifteen minutes pause signing in, per account and address."""

from __future__ import annotations

import time

import pytest
from django.db import DatabaseError
from django.test import Client

from calls.accounts import login_counters
from calls.models import LoginCounter
from phonedash import proxies
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
THROTTLED = "Too many failed sign-in attempts"
WRONG = "Please enter a correct username and password"


def attempt(username: str, password: str, address: str = "198.51.100.7", url: str = LOGIN):
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def fail(times: int, username: str = "alice", address: str = "198.51.100.7", url: str = LOGIN):
    for _ in range(times):
        response = attempt(username, "wrong password", address, url)
        assert response.status_code == 200
        assert WRONG in response.content.decode()


def assert_refused(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert THROTTLED in page and "15 more minute(s)" in page
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "sessionid" not in response.cookies


def assert_signed_in(response) -> None:
    assert response.status_code == 302, response.content.decode()[:500]
    assert "sessionid" in response.cookies


def test_it_refuses_even_the_right_password_after_five_failures(alice, bob):
    fail(5, "alice")
    assert_refused(attempt("alice", PASSWORD))
    assert_refused(attempt("alice", PASSWORD, address="203.0.113.9")), "the account is locked"
    assert_refused(attempt("bob", PASSWORD)), "and so is the address"


def test_it_lets_four_failures_through(alice):
    fail(4, "alice")
    assert_signed_in(attempt("alice", PASSWORD))


def test_it_locks_an_address_trying_many_accounts(alice, bob, charlie):
    for name in ("mallory", "trent", "alice", "root", "admin"):
        fail(1, name)
    assert_refused(attempt("bob", PASSWORD))
    assert_signed_in(attempt("bob", PASSWORD, address="203.0.113.9"))
    assert_signed_in(attempt("charlie", PASSWORD, address="192.0.2.44"))


def test_it_allows_an_office_behind_one_address_more_failures(alice, bob, settings):
    settings.PHONEDASH_LOGIN_ADDRESS_FAILURES = 20
    for name in ("mallory", "trent", "root", "admin", "carol", "dave"):
        fail(1, name)
    assert_signed_in(attempt("bob", PASSWORD)), "six typos in the office lock nobody out"
    fail(5, "alice")
    assert_refused(attempt("alice", PASSWORD)), "the account limit still holds"


def test_it_warns_once_when_a_proxy_is_not_declared(alice, caplog, monkeypatch):
    monkeypatch.setattr(proxies, "_warned_about_proxies", False)
    for _ in range(2):
        Client(REMOTE_ADDR="127.0.0.1").post(
            LOGIN, {"username": "x", "password": "y"}, headers={"X-Forwarded-For": "1.2.3.4"}
        )
    warnings = [r for r in caplog.records if "PHONEDASH_PROXY_COUNT is 0" in r.getMessage()]
    assert len(warnings) == 1


def test_it_leaves_other_accounts_at_other_addresses_alone(alice, charlie):
    fail(5, "alice")
    assert_refused(attempt("alice", PASSWORD))
    assert_signed_in(attempt("charlie", PASSWORD, address="192.0.2.44"))


def test_it_does_not_count_successful_logins_as_failures(alice):
    fail(3, "alice")
    for _ in range(6):
        assert_signed_in(attempt("alice", PASSWORD))
    fail(1, "alice")
    assert_signed_in(attempt("alice", PASSWORD))
    fail(1, "alice")  # the fifth failure
    assert_refused(attempt("alice", PASSWORD))


def test_it_matches_accounts_whatever_the_case(alice):
    for name in ("alice", "Alice", "ALICE ", "aLiCe", "alice"):
        fail(1, name, address=f"203.0.113.{len(name) + ord(name[1])}")
    assert_refused(attempt("alice", PASSWORD, address="192.0.2.1"))


def test_it_throttles_the_admin_login_too(admin_user):
    fail(5, "admin", url="/admin/login/")
    response = attempt("admin", "password", url="/admin/login/")  # pytest-django's password
    assert_refused(response)
    assert_refused(attempt("admin", "password")), "one counter for both login pages"


def test_it_lets_the_admin_in_below_the_limit(admin_user):
    fail(4, "admin", url="/admin/login/")
    response = attempt("admin", "password", url="/admin/login/")
    assert response.status_code == 302 and "sessionid" in response.cookies


def test_it_follows_the_configured_numbers(alice, settings):
    settings.PHONEDASH_LOGIN_FAILURES = 2
    settings.PHONEDASH_LOGIN_LOCKOUT_MINUTES = 3
    fail(2, "alice")
    response = attempt("alice", PASSWORD)
    assert response.status_code == 429
    assert "3 more minute(s)" in response.content.decode()
    assert 2 * 60 < int(response["Retry-After"]) <= 3 * 60


# --- Time --------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Time travel: the counters (in the database) read the time from time.time()."""
    offset = [0.0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(minutes: float) -> None:
        offset[0] += minutes * 60

    return advance


def test_it_unlocks_when_the_lockout_is_over(alice, clock):
    fail(5, "alice")
    clock(14)
    still_locked = attempt("alice", PASSWORD)
    assert still_locked.status_code == 429
    assert "1 more minute(s)" in still_locked.content.decode()
    clock(1.1)
    assert_signed_in(attempt("alice", PASSWORD))


def test_it_forgets_failures_older_than_the_window(alice, clock):
    fail(4, "alice")
    clock(15.1)
    fail(4, "alice")
    assert_signed_in(attempt("alice", PASSWORD))
    fail(1, "alice")  # the fifth within this window
    assert attempt("alice", PASSWORD).status_code == 429


def test_it_ignores_a_lock_whose_deadline_passed(alice):
    """A lock another host set with its clock a little ahead is over when its time is."""
    for key in login_counters.keys_for("alice", "198.51.100.7"):
        LoginCounter.objects.create(key=key, locked_until=time.time() - 5, window_started=0)
    assert_signed_in(attempt("alice", PASSWORD))


# --- Addresses ---------------------------------------------------------------------------------


def test_it_ignores_forwarded_for_without_a_proxy(alice):
    """With no proxy configured, a client cannot dodge the address lock with a header."""
    for n in range(5):
        Client(REMOTE_ADDR="198.51.100.7").post(
            LOGIN,
            {"username": f"user{n}", "password": "x"},
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        )
    assert attempt("alice", PASSWORD).status_code == 429


def test_it_reads_the_address_the_proxy_appended(alice, settings):
    settings.PHONEDASH_PROXY_COUNT = 1
    for n in range(5):
        Client(REMOTE_ADDR="10.0.0.1").post(
            LOGIN,
            {"username": f"user{n}", "password": "x"},
            headers={"X-Forwarded-For": f"1.2.3.{n}, 198.51.100.7"},  # spoofed, then real
        )
    behind_proxy = Client(REMOTE_ADDR="10.0.0.1")
    locked = behind_proxy.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert locked.status_code == 429
    other = behind_proxy.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert other.status_code == 302


# --- Counted before the check ------------------------------------------------------------------


def test_it_counts_attempts_being_checked_against_the_limit(db, monkeypatch):
    """Five attempts in flight hold every place: a sixth is not checked until they end."""
    monkeypatch.setattr(login_counters, "BUSY_WAIT_SECONDS", 0.2)
    in_flight = [login_counters.reserve("alice", "198.51.100.7") for _ in range(5)]
    with pytest.raises(login_counters.Busy):
        login_counters.reserve("alice", "203.0.113.9")
    in_flight.pop().released()  # that one was the right password
    in_flight.append(login_counters.reserve("alice", "203.0.113.9"))
    for reservation in in_flight:
        reservation.failed()
    with pytest.raises(login_counters.Paused) as paused:
        login_counters.reserve("alice", "192.0.2.1")
    assert 14 * 60 < paused.value.seconds <= 15 * 60


def test_it_keeps_no_username_or_address_in_clear(alice):
    fail(1, "alice")
    keys = list(LoginCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2 and not any("alice" in k or "198.51.100.7" in k for k in keys)


def test_it_refuses_unchecked_when_the_counters_cannot_be_written(alice, monkeypatch):
    def unwritable(*args, **kwargs):
        raise DatabaseError("attempt to write a readonly database")

    monkeypatch.setattr(login_counters, "reserve", unwritable)
    response = attempt("alice", PASSWORD)
    assert response.status_code == 503 and "sessionid" not in response.cookies
    assert "Signing in is not possible right now" in response.content.decode()


# --- Password change ---------------------------------------------------------------------------

CHANGE = "/accounts/password_change/"
NEW_PASSWORD = "a-brand-new-passphrase-42"
WRONG_OLD = "Your old password was entered incorrectly"


def change_password(client: Client, old: str, url: str = CHANGE):
    new = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(url, {"old_password": old, **new})


def assert_change_refused(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords" in page and "15 more minute(s)" in page
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


def test_it_pauses_password_changes_after_five_wrong_old_passwords(alice):
    member = Client(REMOTE_ADDR="198.51.100.7")
    member.force_login(alice)
    for _ in range(5):
        response = change_password(member, "wrong password")
        assert response.status_code == 400 and WRONG_OLD in response.content.decode()
    assert_change_refused(change_password(member, PASSWORD))
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD), "the right old password was not even checked"
    assert_refused(attempt("alice", PASSWORD, address="203.0.113.9")), "and signing in, too"


def test_it_changes_the_password_below_the_limit(alice):
    member = Client(REMOTE_ADDR="198.51.100.7")
    member.force_login(alice)
    for _ in range(4):
        assert change_password(member, "wrong password").status_code == 400
    assert change_password(member, PASSWORD).status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_it_throttles_the_admins_password_change_too(admin_client):
    url = "/admin/password_change/"
    for _ in range(5):
        response = change_password(admin_client, "wrong password", url)
        assert response.status_code == 200 and WRONG_OLD in response.content.decode()
    assert_change_refused(change_password(admin_client, "password", url))
