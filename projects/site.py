"""Where people reach Charter: the origin (``https://host:port``) that links in e-mails start with.

``SITE_URL`` from the environment wins. Without it, Charter learns the origin from the requests of
signed-in people (``SiteUrlMiddleware``), so a server started on another host or port mails links
that work, and keeps the last one in the cache, where Celery workers, which have no request,
read it. Before any signed-in request, links fall back to ``DEFAULT_SITE_URL``, the address
``make run`` serves on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
CACHE_KEY = "charter:site-url"


def site_url() -> str:
    """The origin for absolute links: ``SITE_URL``, else the one learned from requests, else the
    development default. Never raises: a cache that is down means the default."""
    configured = getattr(settings, "SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    try:
        learned = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 (a broken cache must not break an e-mail)
        logger.warning("site_url: the cache is unreachable; using %s", DEFAULT_SITE_URL)
        learned = None
    return learned or DEFAULT_SITE_URL


def absolute_url(path: str) -> str:
    """``path`` (starting with ``/``) as an absolute link people can open."""
    return f"{site_url()}{path}"


def site_url_learn(*, origin: str) -> None:
    """Keep ``origin`` as the address people reach Charter at (no expiry)."""
    try:
        cache.set(CACHE_KEY, origin.rstrip("/"), timeout=None)
    except Exception:  # noqa: BLE001 (learning the origin is best effort)
        logger.warning("site_url: could not store %s in the cache", origin)


class SiteUrlMiddleware:
    """Learns the origin of signed-in people's requests while ``SITE_URL`` is not set.

    Only signed-in requests count: they come from the people the links are for, not from a load
    balancer's health check on an internal address. The cache is written when the origin changes
    from the one this process last wrote, not on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.last_learned: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not getattr(settings, "SITE_URL", ""):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                origin = request.build_absolute_uri("/").rstrip("/")
                if origin != self.last_learned:
                    site_url_learn(origin=origin)
                    self.last_learned = origin
        return self.get_response(request)
