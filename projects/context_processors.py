"""Template context shared by every page: the user's projects for the top bar's switcher."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from projects.selectors import projects_for


def navigation(request: HttpRequest) -> dict:
    # Lazy: pages that never show the switcher (login, errors) never run the query.
    return {
        "switcher_projects": SimpleLazyObject(
            lambda: list(projects_for(request.user).only("pk", "key", "name").order_by("key"))
        )
    }
