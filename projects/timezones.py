"""Each person's own time zone: timestamps on pages show in it (business dates and rules stay in
each project's zone, which pages name explicitly).

The zone lives in ``Profile.time_zone`` and is copied into the session at sign-in and when the
person changes it, so the middleware activates it without a query per request.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SESSION_KEY = "charter_time_zone"


def remember_zone(request: HttpRequest, zone: str) -> None:
    """Keep the person's zone in their session (empty: the site's)."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = zone or ""


def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: copy the person's zone into the new session."""
    if request is None or not hasattr(request, "session"):
        return
    if AUTH_SESSION_KEY not in request.session:
        return  # a sign-in without a session (an API token): nothing to remember it in
    from projects.models import Profile

    zone = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    remember_zone(request, zone or "")


class UserTimeZoneMiddleware:
    """Activate the signed-in person's time zone for the request (the site's otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
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
