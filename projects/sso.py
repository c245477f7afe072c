"""Single sign-on with OpenID Connect (allauth's ``openid_connect`` provider).

One identity provider (Microsoft Entra ID, Google Workspace, Okta, Keycloak, …) is configured by
environment variables read in config/settings.py ("Single sign-on"; the README lists them):

- **First sign-in.** The provider's e-mail, when it says the address is verified
  (``email_verified``, or every address when ``OIDC_TRUST_EMAIL`` is set for providers such as
  Entra ID that do not send the claim), links the sign-in to the existing account with that
  verified address (allauth's e-mail authentication, connected automatically). Otherwise a new
  account is created from the provider's names and ``preferred_username``. An unverified address
  never reaches an existing account.
- **Groups → default role.** ``OIDC_GROUP_ROLES`` (``pmo=manager,engineering=member``) maps the
  provider's groups (claim ``OIDC_GROUPS_CLAIM``) to a role. The strongest mapped role is the
  person's *default role*: a manager who adds them to a project without naming a role gives them
  that role (``projects.services.project.membership_add``). Read afresh from the claims the
  provider sent at the person's last sign-in, so a change of groups takes effect at the next one.
- **SSO only.** With ``OIDC_SSO_ONLY`` no password opens Charter (the page, the admin, the API's
  token sign-in), except the break-glass accounts named in ``OIDC_BREAK_GLASS_USERS``, so an
  outage at the provider does not lock the administrators out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from projects import auth

# The strongest first: a person in two mapped groups gets the stronger role.
_ROLE_ORDER = ("manager", "member", "viewer")


def enabled() -> bool:
    """Whether an identity provider is configured."""
    return bool(getattr(settings, "OIDC_SERVER_URL", ""))


def sso_only() -> bool:
    return enabled() and bool(getattr(settings, "OIDC_SSO_ONLY", False))


def provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or "single sign-on"


def is_break_glass(identifier: str) -> bool:
    """Whether ``identifier`` (a username or an e-mail address, any case) names one of the
    break-glass accounts that keep password sign-in under SSO only."""
    names = [name.strip().lower() for name in settings.OIDC_BREAK_GLASS_USERS if name.strip()]
    if not identifier or not names:
        return False
    identifier = identifier.strip().lower()
    if identifier in names:
        return True
    if "@" not in identifier:
        return False
    usernames = (
        get_user_model()
        ._default_manager.filter(email__iexact=identifier)
        .values_list("username", flat=True)
    )
    return any(username.lower() in names for username in usernames)


def password_sign_in_allowed(identifier: str) -> bool:
    """Whether a password may open the account ``identifier`` names (everyone, unless SSO only)."""
    return not sso_only() or is_break_glass(identifier)


def groups_of(user: AbstractBaseUser) -> list[str]:
    """The groups the provider said ``user`` belongs to at their last sign-in (none for an
    account that never signed in through it)."""
    from allauth.socialaccount.models import SocialAccount

    claim = settings.OIDC_GROUPS_CLAIM
    groups: list[str] = []
    for account in SocialAccount.objects.filter(user=user, provider=settings.OIDC_PROVIDER_ID):
        data = account.extra_data or {}
        for part in (data.get("userinfo"), data.get("id_token"), data):
            if isinstance(part, dict) and isinstance(part.get(claim), list):
                groups.extend(str(group) for group in part[claim])
                break
    return groups


def role_for_groups(groups: list[str]) -> str | None:
    """The strongest role ``OIDC_GROUP_ROLES`` maps any of ``groups`` to, else None."""
    mapping = settings.OIDC_GROUP_ROLES
    roles = {mapping[group] for group in groups if group in mapping}
    return next((role for role in _ROLE_ORDER if role in roles), None)


def default_role(user: AbstractBaseUser) -> str | None:
    """The role a new membership of ``user`` gets when nobody names one (see the module)."""
    if not enabled() or not settings.OIDC_GROUP_ROLES:
        return None
    return role_for_groups(groups_of(user))


def provider_origin() -> str:
    """The identity provider's origin (``https://login.example.com``), or "" when none."""
    parts = urlsplit(getattr(settings, "OIDC_SERVER_URL", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class FormActionMiddleware:
    """Lets the sign-in pages' forms lead to the identity provider: the "Sign in with …" button
    POSTs to Charter, which redirects to the provider, and browsers hold that redirect to the
    page's CSP ``form-action`` ('self' everywhere else). Listed after django-csp's middleware,
    so the update is on the response before the header is built."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origin = provider_origin() if enabled() else ""
        if origin and request.path.startswith("/accounts/"):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update
        return response


class SocialAccountAdapter(auth.SocialAccountAdapter):
    """Single sign-on's rules on top of the accounts' adapter (see the module)."""

    def authenticate_by_email(self, sociallogin):
        if getattr(settings, "OIDC_TRUST_EMAIL", False):
            # The provider vouches for its addresses without the email_verified claim.
            for address in sociallogin.email_addresses:
                address.verified = True
        return super().authenticate_by_email(sociallogin)


class PasswordsOffBackend:
    """Under SSO only, stops a password sign-in to any but a break-glass account.

    Listed after axes' backend and before the one that checks passwords: raising
    PermissionDenied ends ``authenticate()`` for every way in that uses it (the sign-in page,
    the admin, the API's token sign-in), and the failure is counted like any other."""

    def authenticate(self, request, password=None, **credentials):
        if password is None or not sso_only():
            return None
        identifier = (
            credentials.get("username") or credentials.get("email") or credentials.get("login")
        )
        if not password_sign_in_allowed(str(identifier or "")):
            raise PermissionDenied(f"Password sign-in is off: sign in with {provider_name()}.")
        return None

    # No get_user: this backend never signs anyone in, so no session names it (and a test
    # client's force_login, which takes the first backend that has get_user, passes it by).
