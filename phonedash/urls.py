from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from calls.accounts import password
from calls.accounts.login_throttle import (
    ThrottledAdminAuthenticationForm,
    ThrottledLoginView,
    admin_login,
    admin_password_change,
)
from calls.call_list import views as call_list
from calls.team import audit_views as audit_log
from calls.team import views as team
from phonedash import health

admin.site.site_header = "phonedash administration"
admin.site.site_title = "phonedash admin"
admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.login = admin_login  # before admin.site.urls below, which routes to it
admin.site.password_change = admin_password_change

urlpatterns = [
    path("", call_list.index, name="index"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", password.password_change, name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("calls.urls")),
    path("team/", team.team, name="team"),
    path("team/add/", team.team_add, name="team_add"),
    path("team/<int:member_id>/", team.team_member, name="team_member"),
    path("team/<int:member_id>/deactivate/", team.deactivate, name="team_deactivate"),
    path("team/<int:member_id>/reactivate/", team.reactivate, name="team_reactivate"),
    path("audit/", audit_log.audit_log, name="audit"),
    path("audit/export.csv", audit_log.audit_export, name="audit_export"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = "phonedash.error_pages.bad_request"
handler403 = "phonedash.error_pages.permission_denied"
handler404 = "phonedash.error_pages.page_not_found"
handler500 = "phonedash.error_pages.server_error"
