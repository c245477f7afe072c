"""Each person's own time zone and date format: timestamps on pages show in the zone (business
dates and rules stay in each project's zone, which pages name explicitly), dates in the format.

Both live on ``Profile`` and are copied into the session at sign-in and when the person changes
them, so the middleware activates them without a query per request.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from projects import display

SESSION_KEY = "charter_time_zone"
DATE_FORMAT_SESSION_KEY = "charter_date_format"


def remember_zone(request: HttpRequest, zone: str) -> None:
    """Keep the person's zone in their session (empty: the site's)."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = zone or ""


def remember_date_format(request: HttpRequest, date_format: str) -> None:
    """Keep the person's date format in their session."""
    if hasattr(request, "session"):
        request.session[DATE_FORMAT_SESSION_KEY] = date_format


def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: copy the person's zone and date format into the new
    session."""
    if request is None or not hasattr(request, "session"):
        return
    if AUTH_SESSION_KEY not in request.session:
        return  # a sign-in without a session (an API token): nothing to remember it in
    from projects.models import Profile

    zone, date_format = Profile.objects.filter(user=user).values_list(
        "time_zone", "date_format"
    ).first() or ("", display.DATE_FORMAT)
    remember_zone(request, zone)
    remember_date_format(request, date_format)


class UserTimeZoneMiddleware:
    """Activate the signed-in person's time zone (the site's otherwise) and date format for the
    request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", {})
        zone = session.get(SESSION_KEY)
        display.activate_date_format(session.get(DATE_FORMAT_SESSION_KEY, display.DATE_FORMAT))
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            display.deactivate_date_format()
