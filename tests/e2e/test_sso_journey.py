"""Browser journey: single sign-on through a real OpenID Connect provider (django-oidc-provider
in its own process on loopback). A newcomer clicks "Sign in with …" on Charter's sign-in page,
signs in at the provider, and comes back signed in to Charter with an account made for them."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from config.sso import socialaccount_providers
from tests.sso.provider import IdentityProvider

pytestmark = pytest.mark.e2e


def test_sign_in_through_the_identity_provider(
    browser_tab: Page, live_server, settings, transactional_db, snap
):
    callback = f"{live_server.url}/accounts/oidc/sso/login/callback/"
    person = {
        "username": "nora",
        "email": "nora@example.com",
        "password": "idp-Secret-42",
        "first_name": "Nora",
        "last_name": "Berg",
        "groups": ["engineering"],
    }
    with IdentityProvider(redirect_uris=[callback], people=[person]) as idp:
        settings.OIDC_SERVER_URL = idp.url
        settings.OIDC_PROVIDER_NAME = "Contoso SSO"
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
            server_url=idp.url,
            client_id=idp.client_id,
            client_secret=idp.client_secret,
            name="Contoso SSO",
            scopes=["openid", "profile", "email", "groups"],
        )
        page = browser_tab
        page.goto("/accounts/login/")
        snap(page, "sso-sign-in")
        page.get_by_role("button", name="Sign in with Contoso SSO").click()
        # The provider's own sign-in page.
        expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
        page.get_by_label("Username").fill("nora")
        page.get_by_label("Password").fill("idp-Secret-42")
        page.get_by_role("button", name="Sign in to the identity provider").click()
        # Back in Charter, signed in: the portfolio (empty for a newcomer) and her name.
        expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
        assert page.url.startswith(live_server.url)
        snap(page, "sso-signed-in")
    nora = get_user_model().objects.get(email="nora@example.com")
    assert (nora.first_name, nora.last_name) == ("Nora", "Berg")
