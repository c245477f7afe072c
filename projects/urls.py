"""Pages of the projects app: the portfolio, a project's own pages, and the account's API tokens."""

from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("projects/new/", views.project_new, name="create"),
    path("projects/<int:pk>/", views.project_overview, name="overview"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/members/", views.project_members, name="members"),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("projects/<int:pk>/history/", views.project_history, name="history"),
    path("account/tokens/", views.account_tokens, name="account_tokens"),
    path(
        "account/tokens/<str:token_key>/revoke/",
        views.account_token_revoke,
        name="account_token_revoke",
    ),
]
