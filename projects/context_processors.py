"""Template context shared by every page: the user's projects for the top bar's switcher."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from projects.selectors import projects_for

# The switcher lists this many projects; a PMO member of 1,000 finds the rest on "All projects"
# (every page would otherwise load and draw 1,000 links).
SWITCHER_LIMIT = 25


def navigation(request: HttpRequest) -> dict:
    # Lazy: pages that never show the switcher (login, errors) never run the query. One query
    # reads one project more than is shown, to know whether there are more.
    first = SimpleLazyObject(
        lambda: list(
            projects_for(request.user)
            .only("pk", "key", "name")
            .order_by("key")[: SWITCHER_LIMIT + 1]
        )
    )
    return {
        "switcher_projects": SimpleLazyObject(lambda: first[:SWITCHER_LIMIT]),
        "switcher_more": SimpleLazyObject(lambda: len(first) > SWITCHER_LIMIT),
    }
