"""Charter's part of sign-in (django-allauth): who may sign up, who must use two-factor
authentication, and the two-factor check of the API's token sign-in.

Accounts come from invitations (projects.services.invitations), the admin and, later, single
sign-on; allauth's own sign-up page is closed. Sign-in by username or e-mail address is
allauth's backend; failed tries and lockouts are django-axes' (projects.lockout).
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from projects.models import Membership, Role

# Pages a person who must set up two-factor authentication can still reach: the account pages
# (sign-out, two-factor setup, re-authentication), the API (its token sign-in asks for the
# code itself), health checks and static files.
TWO_FACTOR_OPEN_PATHS = ("/accounts/", "/api/", "/static/", "/healthz/", "/readyz/")

TWO_FACTOR_REQUIRED_MESSAGE = {
    "managers": "Project managers must use two-factor authentication in Charter. Set up an "
    "authenticator app to go on.",
    "everyone": "Everyone must use two-factor authentication in Charter. Set up an "
    "authenticator app to go on.",
}


class AccountAdapter(DefaultAccountAdapter):
    """allauth's account adapter, with Charter's rules."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No self-service sign-up: accounts come from invitations and the admin (single sign-on
        decides for itself: ``SocialAccountAdapter``)."""
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """Nothing: failed passwords are counted and locked out by django-axes (per account,
        per address, with back-off), so allauth's own counter, with other limits and another
        message, stays out of the way. Two-factor codes keep allauth's limit."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's social account adapter: where single sign-on's rules go."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """A first sign-in through a configured identity provider may create the account
        (allauth's default asks the account adapter, which refuses every sign-up)."""
        return True


# --- Two-factor authentication -------------------------------------------------------------------


def has_two_factor(user: AbstractBaseUser) -> bool:
    """Whether the person signs in with an authenticator app (TOTP)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def must_use_two_factor(user: AbstractBaseUser) -> bool:
    """Whether ``settings.MFA_REQUIRED`` asks this person for two-factor authentication:
    everyone, or managers (of at least one project)."""
    required = settings.MFA_REQUIRED
    if required == "everyone":
        return True
    if required == "managers":
        return Membership.objects.filter(user=user, role=Role.MANAGER).exists()
    return False


def two_factor_code_valid(user: AbstractBaseUser, code: str) -> bool:
    """Whether ``code`` is the person's current authenticator code or one of their unused
    recovery codes (a recovery code is spent by this check). Tries are limited as on the
    sign-in page (allauth's ``login_failed`` rate); over it, a ValidationError."""
    clear_limit = check_rate_limit(user)
    for authenticator in Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ):
        if authenticator.wrap().validate_code(code):
            clear_limit()
            return True
    return False


class MFAAdapter(DefaultMFAAdapter):
    """allauth's two-factor adapter: a person who must use two-factor authentication cannot
    remove their authenticator app (they can set up a new one by removing it only where it is
    not required)."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and must_use_two_factor(
            authenticator.user
        ):
            return False
        return super().can_delete_authenticator(authenticator)


class TwoFactorRequiredMiddleware:
    """Sends a signed-in person who must use two-factor authentication (``MFA_REQUIRED``) and
    has not set it up to the authenticator setup page, saying why; the account pages, the API,
    health checks and static files stay open. Costs no query while ``MFA_REQUIRED`` is
    ``none``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED != "none"
            and request.user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_OPEN_PATHS)
            and not has_two_factor(request.user)
            and must_use_two_factor(request.user)
        ):
            setup = reverse("mfa_activate_totp")
            if request.headers.get("HX-Request") == "true":
                return HttpResponseClientRedirect(setup)
            messages.warning(request, TWO_FACTOR_REQUIRED_MESSAGE[settings.MFA_REQUIRED])
            return redirect(setup)
        return self.get_response(request)
