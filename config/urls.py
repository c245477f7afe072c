"""Top-level URLs: the pages of each app, the REST API under /api/v1/ and its schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
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
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Forgotten password: a link by e-mail (projects/views/password.py limits how often).
    path("accounts/password/reset/", password.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("accounts/password/", password.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
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
