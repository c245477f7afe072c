"""Forgotten password: allauth's reset page, with the reset e-mail limited per address and per
network so the form cannot be used to flood an inbox (allauth's own reset limit is off in
settings: it answers a limited address with a 429, telling a stranger the address was asked
for)."""

from __future__ import annotations

import hashlib
import logging

from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect

from projects.lockout import client_ip

logger = logging.getLogger(__name__)

# Reset e-mails per hour: to one address (a person who lost the first one asks again, not ten
# times), and from one network address (a script trying many addresses).
RESETS_PER_ADDRESS = 3
RESETS_PER_NETWORK = 10
WINDOW_SECONDS = 3600


def _count(key: str) -> int:
    """This hour's count under ``key`` after adding one; 0 when the cache does not answer, so
    an outage never blocks a person from resetting their password."""
    try:
        cache.add(key, 0, WINDOW_SECONDS)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 (whatever the cache raises: allow, and say so)
        logger.warning("password reset limit: the cache is unreachable; not limiting")
        return 0


class PasswordResetView(AllauthPasswordResetView):
    """Ask for a reset link. The answer is the same whether the address has an account or not,
    and whether its hourly limit is reached (then nothing is sent); a network over its limit is
    told to wait."""

    def form_valid(self, form) -> HttpResponse:
        network = client_ip(self.request) or "unknown"
        if _count(f"password-reset:ip:{network}") > RESETS_PER_NETWORK:
            logger.warning("password reset: too many requests from %s", network)
            form.add_error(
                None,
                "Too many reset requests from your network. Try again in an hour, or ask an "
                "administrator.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        address = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(address.encode()).hexdigest()
        if _count(f"password-reset:email:{digest}") > RESETS_PER_ADDRESS:
            logger.warning("password reset: hourly limit reached for one address from %s", network)
            return HttpResponseRedirect(self.get_success_url())  # nothing sent
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
