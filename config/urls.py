"""Top-level URLs: the pages of each app, the REST API under /api/v1/ and its schema and docs."""

from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from config import health
from config.api_schema import SchemaView
from projects.views import password

urlpatterns = [
    # The portfolio dashboard is the landing page (/); the plain project list is /projects/.
    path("", include("reports.urls")),
    path("", include("projects.urls")),
    path("", include("scheduling.urls")),
    path("", include("stakeholders.urls")),
    path("", include("budgets.urls")),
    path("", include("risks.urls")),
    path("", include("interchange.urls")),
    # Sign-in, sign-out, password reset and change, e-mail addresses, two-factor (2fa/) and
    # sessions (sessions/): django-allauth's pages in Charter's look (templates/allauth/). The
    # names Charter used before allauth stay, on allauth's views and paths.
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    # Forgotten password: a link by e-mail (projects/views/password.py limits how often).
    path("accounts/password/reset/", password.password_reset, name="account_reset_password"),
    path("accounts/password/reset/", password.password_reset, name="password_reset"),
    path("accounts/password/change/", allauth_views.password_change, name="password_change"),
    # The change-password page's address before allauth, for bookmarks.
    path(
        "accounts/password/",
        RedirectView.as_view(pattern_name="password_change", permanent=True),
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Health for the compose file and load balancers, without a login (config/health.py).
    path("healthz/", health.liveness, name="healthz"),
    path("readyz/", health.readiness, name="readyz"),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # Swagger UI from our own static files (drf-spectacular-sidecar), so it works offline (no
    # Redoc page: drf-spectacular's loads Google Fonts). The split view serves Swagger UI's
    # start-up script as a file of its own rather than inline, so a Content-Security-Policy
    # without 'unsafe-inline' lets it run.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/, a 500 raised outside a DRF view and a URL no route matches (404) answer JSON
# too; elsewhere Django's pages.
handler500 = "projects.api.errors.server_error"
handler404 = "projects.api.errors.page_not_found"
