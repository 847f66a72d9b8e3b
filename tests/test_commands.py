"""createcompany, createmanager and rotatekeys: success, and a one-line reason for bad input."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from calls.models import Company
from tests.conftest import ACME_KEY, PASSWORD

KEY = "pk_live_createcompany_0123456789"


def create_company(*args, key: str | None = KEY, monkeypatch=None) -> str:
    if key is None:
        monkeypatch.delenv("PHONE_INC_API_KEY", raising=False)
    else:
        monkeypatch.setenv("PHONE_INC_API_KEY", key)
    out = io.StringIO()
    call_command("createcompany", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_company_with_an_encrypted_key(db, monkeypatch):
    output = create_company(
        "Initech", "--region", "de", "--timezone", "Europe/Berlin", monkeypatch=monkeypatch
    )
    company = Company.objects.get(name="Initech")
    assert (company.region, company.timezone) == ("DE", "Europe/Berlin")
    assert company.api_key == KEY
    assert KEY not in company.api_key_encrypted
    assert KEY not in output


def test_it_uses_sensible_defaults(db, monkeypatch):
    create_company("Initech", monkeypatch=monkeypatch)
    company = Company.objects.get(name="Initech")
    assert (company.region, company.timezone) == ("US", "America/New_York")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["Acme Corp"], "A company named 'Acme Corp' already exists."),
        (["acme corp"], "A company named 'acme corp' already exists."),
        (["New", "--region", "XX"], "'XX' is not a region"),
        (["New", "--timezone", "Mars/Base"], "'Mars/Base' is not an IANA time zone"),
        (["  "], "The company name cannot be empty."),
    ],
)
def test_it_refuses_bad_input_with_a_reason(acme, monkeypatch, args, reason):
    with pytest.raises(CommandError, match=reason.replace("(", r"\(")):
        create_company(*args, monkeypatch=monkeypatch)
    assert Company.objects.count() == 1


def test_it_never_takes_the_key_from_argv(db, monkeypatch):
    with pytest.raises(CommandError):
        create_company("Initech", "--api-key", "x", monkeypatch=monkeypatch)


def test_it_asks_for_the_key_in_a_terminal_only(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="Set PHONE_INC_API_KEY"):
        create_company("Initech", key=None, monkeypatch=monkeypatch)
    assert not Company.objects.exists()


def test_it_prompts_without_echo(db, monkeypatch):
    monkeypatch.delenv("PHONE_INC_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "  typed-key-123456  ")
    call_command("createcompany", "Initech", stdout=io.StringIO())
    assert Company.objects.get(name="Initech").api_key == "typed-key-123456"


def create_manager(*args, password: str = PASSWORD, monkeypatch) -> str:
    monkeypatch.setenv("PHONEDASH_PASSWORD", password)
    out = io.StringIO()
    call_command("createmanager", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_manager_at_a_company(acme, monkeypatch):
    output = create_manager(
        "dana", "--company", "acme corp", "--email", "dana@example.com", monkeypatch=monkeypatch
    )
    user = get_user_model().objects.get(username="dana")
    assert user.check_password(PASSWORD)
    assert user.membership.company == acme
    assert "Created manager 'dana' at 'Acme Corp'" in output


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (["dana", "--company", "Nope"], PASSWORD, "There is no company named 'Nope'."),
        (["alice", "--company", "Acme Corp"], PASSWORD, "A user named 'alice' already exists."),
        (["da na", "--company", "Acme Corp"], PASSWORD, "is not a valid username"),
        (["dana", "--company", "Acme Corp", "--email", "nope"], PASSWORD, "not a valid email"),
        (["dana", "--company", "Acme Corp"], "123", "This password is too short"),
    ],
)
def test_it_refuses_bad_manager_input(alice, monkeypatch, args, password, reason):
    with pytest.raises(CommandError, match=reason):
        create_manager(*args, password=password, monkeypatch=monkeypatch)
    assert get_user_model().objects.count() == 1


def test_it_requires_the_company_option(acme, monkeypatch):
    with pytest.raises(CommandError, match="--company"):
        create_manager("dana", monkeypatch=monkeypatch)


def test_it_makes_a_manager_of_every_line_with_content_by_default(acme, monkeypatch):
    create_manager("dana", "--company", "Acme Corp", monkeypatch=monkeypatch)
    member = get_user_model().objects.get(username="dana").membership
    assert (member.role, member.lines, member.can_access_content) == ("manager", [], True)
    assert not member.must_change_password  # the operator chose this password


def test_it_sets_role_lines_in_local_formats_and_no_content(acme, globex, monkeypatch):
    output = create_manager(
        "dana",
        "--company",
        "Acme Corp",
        "--role",
        "admin",
        "--line",
        "(415) 555-1234",
        "--line",
        "415.555.2000",
        "--line",
        "+1 415 555 1234",
        "--no-content",
        monkeypatch=monkeypatch,
    )
    create_manager(
        "erin", "--company", "Globex", "--line", "020 7946 0958", monkeypatch=monkeypatch
    )

    dana = get_user_model().objects.get(username="dana").membership
    assert (dana.role, dana.lines, dana.can_access_content) == (
        "admin",
        ["+14155551234", "+14155552000"],
        False,
    )
    assert get_user_model().objects.get(username="erin").membership.lines == ["+442079460958"]
    assert "Created admin 'dana' at 'Acme Corp': +14155551234, +14155552000" in output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--line", "555"], "--line '555' is not a phone number that region US reads"),
        (["--line", "call me"], "--line 'call me' is not a phone number"),
        (["--role", "owner"], "invalid choice: 'owner'"),
    ],
)
def test_it_refuses_a_bad_line_or_role_in_one_line(acme, monkeypatch, args, reason):
    with pytest.raises(CommandError, match=reason) as refused:
        create_manager("dana", "--company", "Acme Corp", *args, monkeypatch=monkeypatch)
    assert "\n" not in str(refused.value)
    assert not get_user_model().objects.filter(username="dana").exists()


def test_it_reencrypts_keys_after_a_secret_key_rotation(acme, settings):
    old_secret, stored = settings.SECRET_KEY, acme.api_key_encrypted
    new_secret = "a-brand-new-secret-key-for-the-rotation-test-0123456789"
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[old_secret]):
        acme.refresh_from_db()
        assert acme.api_key  # the old key still decrypts through the fallback
        call_command("rotatekeys", stdout=io.StringIO())
        acme.refresh_from_db()
        assert acme.api_key_encrypted != stored
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[]):
        acme.refresh_from_db()
        assert acme.api_key == ACME_KEY  # readable with the new key alone


def test_it_names_the_companies_it_cannot_rotate(acme, settings):
    with (
        override_settings(SECRET_KEY="x" * 50, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(CommandError, match="Could not decrypt the keys of: Acme Corp"),
    ):
        call_command("rotatekeys", stdout=io.StringIO())
