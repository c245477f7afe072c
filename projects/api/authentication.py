"""The API's token authentication (``DEFAULT_AUTHENTICATION_CLASSES``).

Settings name it, so DRF imports this module while its own ``views`` module is still loading: it
must not import DRF's views, generics or viewsets (nor ``projects.api.base``).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's token check, without its sweep of the caller's other tokens on every request.

    The check is knox's own: the token's first 8 characters find its row (with the user), the
    SHA-512 digest is compared in constant time, and an expired token is deleted and refused.
    Knox also reads every other token of the user on each request to delete the expired ones:
    a query and a loop per request, for what the hourly ``purge_expired_api_tokens`` does
    anyway (an expired token is refused whether or not it is still stored).
    """

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Delete the token and answer True if it has expired (knox's test for this token)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The schema's ``knoxApiToken`` security scheme, for this class as for knox's."""

    target_class = TokenAuthentication
