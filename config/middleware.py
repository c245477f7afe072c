"""Headers that every response of a signed-in user carries (the CSP comes from django-csp)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user (session or
    API token), so that neither a shared proxy nor the browser's back/forward and disk caches
    keep a copy of project data after the user signs out on a shared computer. Anonymous pages
    (the sign-in page) and static files stay cacheable; a view's own directives are kept, with
    these added."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # DRF puts the user it authenticated (token or session) on the request as well.
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.static_prefix)
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
