"""Run under the IdP's settings: migrate, then create the client Charter signs in with and the
people the tests name. Arguments arrive as JSON on stdin (tests/sso/provider.py)."""

import json
import sys

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType, RSAKey  # noqa: E402

spec = json.load(sys.stdin)
call_command("migrate", verbosity=0)
if not RSAKey.objects.exists():
    call_command("creatersakey")
client = Client.objects.create(
    name="Charter",
    client_type="confidential",
    client_id=spec["client_id"],
    client_secret=spec["client_secret"],
    redirect_uris=spec["redirect_uris"],
    jwt_alg="RS256",
    require_consent=False,
    reuse_consent=True,
)
client.response_types.add(ResponseType.objects.get(value="code"))
for person in spec["people"]:
    user = User.objects.create_user(
        person["username"],
        person["email"],
        person["password"],
        first_name=person.get("first_name", ""),
        last_name=person.get("last_name", ""),
    )
    for name in person.get("groups", []):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
