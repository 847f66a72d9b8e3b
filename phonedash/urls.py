from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from calls.views import call_list
from phonedash import health
from phonedash.login_throttle import (
    ThrottledAdminAuthenticationForm,
    ThrottledLoginView,
    admin_login,
)

admin.site.site_header = "phonedash administration"
admin.site.site_title = "phonedash admin"
admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.login = admin_login  # before admin.site.urls below, which routes to it

urlpatterns = [
    path("", call_list.index, name="index"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("calls/", include("calls.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = "phonedash.error_pages.bad_request"
handler403 = "phonedash.error_pages.permission_denied"
handler404 = "phonedash.error_pages.page_not_found"
handler500 = "phonedash.error_pages.server_error"
