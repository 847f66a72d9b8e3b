"""The authentication backend loads the signed-in user's company in the same query."""

from __future__ import annotations

from calls.auth import CompanyUserBackend
from calls.models import company_of


def test_it_loads_the_company_with_the_user(alice, acme, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = CompanyUserBackend().get_user(alice.pk)
        assert company_of(user) == acme


def test_it_knows_a_user_without_a_company_in_that_query(
    django_user_model, django_assert_num_queries
):
    loner = django_user_model.objects.create_user("loner", password="x-long-enough-password")
    with django_assert_num_queries(1):
        assert company_of(CompanyUserBackend().get_user(loner.pk)) is None


def test_it_still_refuses_an_inactive_user(alice):
    alice.is_active = False
    alice.save()
    assert CompanyUserBackend().get_user(alice.pk) is None


def test_it_finds_the_company_of_a_user_loaded_elsewhere(
    alice, acme, django_user_model, django_assert_num_queries
):
    user = django_user_model.objects.get(pk=alice.pk)
    with django_assert_num_queries(1):  # membership and company together
        assert company_of(user) == acme
        assert company_of(user) == acme


def test_it_signs_in_through_the_login_page(client, alice, simulator):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert client.get("/calls/").status_code == 200
