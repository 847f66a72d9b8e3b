"""The authentication backend: Django's own, loading the signed-in user with their company.

Every page needs the user's company (to scope what it shows) and the layout names it, so the
user, their membership and the company come in the one query that loads the user anyway,
instead of one more query per page. Passwords, permissions and `is_active` are ModelBackend's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class CompanyUserBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("membership__company")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
