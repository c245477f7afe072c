"""Sign-in lockout: django-axes, with a limit per rule, a cool-off that backs off, and answers
that say when to try again.

Axes records each failed sign-in (the page, the admin's login and ``POST /api/v1/auth/tokens/``
all go through ``authenticate()``) in the database, so the lockout works on the embedded default
and never depends on Redis. ``settings.AXES_LOCKOUT_PARAMETERS`` names three rules, each with its
own limit (axes itself has one limit for all):

- one account from one address (``AXES_FAILURE_LIMIT``, 5): a person guessing a password;
- one account from any address (``LOCKOUT_ACCOUNT_FAILURE_LIMIT``, 20): guessing spread over
  many addresses; higher, so that a stranger's few tries cannot lock the owner out;
- one address, any accounts (``LOCKOUT_ADDRESS_FAILURE_LIMIT``, 20): one password tried against
  many accounts (spraying); higher, so that an office behind one NAT address is not locked out
  by a handful of typos.

The cool-off is ``LOCKOUT_COOLOFF`` after a first lockout and doubles with each further lockout
of the same account or address within a day, up to ``LOCKOUT_COOLOFF_MAX``. Tries made while
locked out are refused without being counted, so a person who retries early does not lengthen
their own lockout.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from allauth.account.forms import LoginForm
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_credentials,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

# Lockouts this recent make the next cool-off longer.
BACKOFF_MEMORY = timedelta(days=1)


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address (``AXES_CLIENT_IP_CALLABLE``): ``REMOTE_ADDR``, or behind
    ``TRUSTED_PROXIES`` proxies the address the outermost of them saw in ``X-Forwarded-For``.

    Only hops our own proxies appended are trusted: a client can put anything at the left of
    the header, so reading its first entry would let an attacker pick a new address per try.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def username_for(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account a sign-in names (``AXES_USERNAME_CALLABLE``), so that "Maria",
    "maria" and "maria@example.com" count as tries on one account, as allauth's backend reads
    them. A name no single account has is counted lower-cased.

    The sign-in page's field is ``login`` (allauth passes it on as ``username``, or as
    ``email`` when it holds an "@"); the API's and the admin's is ``username``."""
    if credentials is not None:
        typed = credentials.get("username") or credentials.get("email")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get("username") or data.get("login")
    if not typed:
        return None
    typed = str(typed).strip()
    # Called several times per sign-in: resolve each typed name once per request.
    known = request.__dict__.setdefault("_lockout_usernames", {}) if request is not None else {}
    if typed not in known:
        User = get_user_model()
        matches = list(
            User._default_manager.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
            .order_by("pk")
            .values_list("username", flat=True)[:2]
        )
        known[typed] = matches[0] if len(matches) == 1 else typed.lower()
    return known[typed]


def cool_off(request: HttpRequest | None) -> timedelta:
    """How long a lockout lasts (``AXES_COOLOFF_TIME``): ``LOCKOUT_COOLOFF``, doubled for each
    further lockout of this account or address in the last day, at most ``LOCKOUT_COOLOFF_MAX``.

    Each lockout leaves one failure log marked ``locked_out`` (tries refused while locked out
    are not logged), so counting them counts lockouts.
    """
    base, longest = settings.LOCKOUT_COOLOFF, settings.LOCKOUT_COOLOFF_MAX
    if request is None:
        return base
    username = username_for(request, getattr(request, "axes_credentials", None))
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    subject = Q(ip_address=address) if address else Q(pk__in=[])
    if username:
        subject |= Q(username=username)
    lockouts = AccessFailureLog.objects.filter(
        subject, locked_out=True, attempt_time__gte=_now(request) - BACKOFF_MEMORY
    ).count()
    return min(base * 2 ** max(lockouts - 1, 0), longest)


def _now(request: HttpRequest) -> datetime:
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def _rule_limit(rule: str | list[str], request: HttpRequest, credentials: dict | None) -> int:
    if rule == "username":
        return settings.LOCKOUT_ACCOUNT_FAILURE_LIMIT
    if rule == "ip_address":
        return settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
    return get_failure_limit(request, credentials)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per rule (see the module docstring)."""

    def _rules(self, request: HttpRequest, credentials: dict | None):
        rules = get_lockout_parameters(request, credentials)
        return zip(rules, self.get_user_attempts(request, credentials), strict=True)

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Failures on the scale of ``AXES_FAILURE_LIMIT``: the rule nearest its own limit,
        shifted so that it reaches ``AXES_FAILURE_LIMIT`` exactly when it reaches that limit
        (axes compares this number with ``AXES_FAILURE_LIMIT`` alone)."""
        limit = get_failure_limit(request, credentials)
        worst = 0
        for rule, attempts in self._rules(request, credentials):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if failures:
                worst = max(worst, failures + limit - _rule_limit(rule, request, credentials))
        return worst

    def retry_after(self, request: HttpRequest, credentials: dict | None = None) -> timedelta:
        """How long until no rule locks this request out any more.

        A rule holds while the failures in its window reach its limit; its newest rows that
        reach the limit keep it locked until the oldest of them leaves the window.
        """
        window = get_cool_off(request)
        now = _now(request)
        until = now
        for rule, attempts in self._rules(request, credentials):
            limit, total = _rule_limit(rule, request, credentials), 0
            rows = attempts.order_by("-attempt_time").values_list(
                "attempt_time", "failures_since_start"
            )
            for attempt_time, failures in rows:
                total += failures
                if total >= limit:
                    until = max(until, attempt_time + window)
                    break
        return until - now

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful sign-in, forget the failures of this account from this address.

        Not axes' reset of every rule's rows: that would also clear the address's failures on
        other accounts, so a sprayer with one account of their own could sign in to it every
        few tries and never be locked out.
        """
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count

    def user_logged_in(self, sender, request: HttpRequest, user, **kwargs) -> None:
        """Axes' own, except that a sign-in which opens no session (an API token) is logged
        without one: axes would create an empty session just to hash its key, and the token's
        answer would carry a session cookie nobody asked for."""
        session = getattr(request, "session", None)
        if session is None or session.session_key is not None:
            super().user_logged_in(sender, request, user, **kwargs)
            return
        credentials = get_credentials(user.get_username())
        self.clean_expired_user_attempts(request, credentials)
        if not settings.AXES_DISABLE_ACCESS_LOG:
            AccessLog.objects.create(
                username=user.get_username(),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
            )
        if settings.AXES_RESET_ON_SUCCESS:
            self.reset_user_attempts(request, credentials)

    def user_logged_out(self, sender, request: HttpRequest, user, **kwargs) -> None:
        """Axes' own, except for a sign-out without a session (revoking API tokens): there is
        no session's sign-in to close, and axes would create an empty session to look for it."""
        session = getattr(request, "session", None)
        if session is None or session.session_key is not None:
            super().user_logged_out(sender, request, user, **kwargs)

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict | None = None
    ) -> int:
        """Delete attempts older than the longest cool-off.

        Axes deletes those older than this request's own cool-off, which would also delete the
        attempts of an account whose backed-off cool-off is longer.
        """
        threshold = timezone.now() - settings.LOCKOUT_COOLOFF_MAX
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=threshold).delete()
        return count


def lockout_message(wait: timedelta) -> str:
    """ "Too many failed sign-ins. Try again in N minutes." (rounded up, at least one)."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins. Try again in %(n)d minute.",
        "Too many failed sign-ins. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def wait_seconds(wait: timedelta) -> int:
    """A ``Retry-After`` value: whole seconds, rounded up, at least one."""
    return max(1, math.ceil(wait.total_seconds()))


def retry_after(request: HttpRequest, credentials: dict | None = None) -> timedelta:
    """How long this locked-out request's caller must wait (the configured handler's answer)."""
    return AxesProxyHandler.get_implementation().retry_after(request, credentials)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The sign-in page again (``AXES_LOCKOUT_CALLABLE``), with 429, ``Retry-After`` and a
    message that says when to try again, instead of axes' bare text."""
    wait = retry_after(request, credentials)
    typed = request.POST.get("login") or request.POST.get("username", "")
    form = LoginForm(request=request, initial={"login": typed})
    next_url = request.POST.get("next", "")
    context = {
        "form": form,
        "lockout": lockout_message(wait),
        "redirect_field": format_html('<input type="hidden" name="next" value="{}">', next_url)
        if next_url
        else "",
    }
    response = render(request, "account/login.html", context, status=429)
    response["Retry-After"] = str(wait_seconds(wait))
    return response
