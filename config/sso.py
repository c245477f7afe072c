"""The OpenID Connect provider's allauth settings, built from Charter's OIDC_* variables
(config/settings.py's "Single sign-on" section; the tests build theirs with the same function)."""

from __future__ import annotations

# The provider's id in allauth: the sign-in starts at /accounts/oidc/sso/login/ and the
# identity provider must send people back to /accounts/oidc/sso/login/callback/.
PROVIDER_ID = "sso"


def socialaccount_providers(
    *,
    server_url: str,
    client_id: str,
    client_secret: str,
    name: str,
    scopes: list[str],
    token_auth_method: str = "client_secret_basic",
) -> dict:
    """SOCIALACCOUNT_PROVIDERS for one OpenID Connect provider, or {} when none is configured."""
    if not server_url:
        return {}
    return {
        "openid_connect": {
            # PKCE on top of the client secret: a stolen code is useless without the verifier.
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": name,
                    "client_id": client_id,
                    "secret": client_secret,
                    "settings": {
                        "server_url": server_url,
                        "token_auth_method": token_auth_method,
                        "scope": scopes,
                    },
                }
            ],
        }
    }
