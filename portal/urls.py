from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from consent import api as consent_api
from portal.kernel.api.app import (
    bad_request,
    build_api,
    docs_urls,
    not_found_urls,
    server_error,
)
from rights import api as rights_api

from .accounts import email_views, enrolment_views, idle, views

# The API for the company's own systems (docs/api.md): each app's router.
api = build_api([rights_api.router, consent_api.router])


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page links; send them to the icon.

    The address is looked up per request: with hashed static names in
    production it exists only once collectstatic has run.
    """

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


account_patterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/done/", views.signup_done, name="signup_done"),
    path("accounts/verify/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("accounts/verify/resend/", views.resend_verification, name="resend_verification"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("accounts/code/", views.step_up, name="step_up"),
    path("accounts/session/keep/", idle.session_keep, name="session_keep"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/", views.account, name="account"),
    path("my-data/", views.my_data, name="my_data"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/email/", email_views.email_change, name="email_change"),
    path(
        "account/email/confirm/<uidb64>/<token>/",
        email_views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("account/authenticator/", views.totp_setup, name="totp_setup"),
    path("account/authenticator/remove/", views.totp_remove, name="totp_remove"),
    path(
        "staff/authenticator/<uidb64>/<token>/",
        enrolment_views.staff_enrol,
        name="staff_enrol",
    ),
]

urlpatterns = [
    path("", include((account_patterns, "portal"))),
    path("", include("consent.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include(docs_urls(api))),
    path("api/v1/", api.urls),
    path("api/", include(not_found_urls())),
    path("favicon.ico", FaviconView.as_view()),
    path("admin/", admin.site.urls),
    path("requests/", include("rights.requesters.urls")),
    path("requests/", include("rights.urls")),
    path("", include("rights.public_urls")),
    path("connectors/", include("rights.connectors.urls")),
]

# Django's own 400 and 500 answers: the site's pages, problem details under /api/.
handler400 = bad_request
handler500 = server_error

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
