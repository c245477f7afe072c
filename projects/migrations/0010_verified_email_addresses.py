"""Every account's e-mail address, as allauth's verified primary address.

Sign-in now asks for a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory"). The
addresses people had before were set by an administrator or proved by an invitation link, so
they count as verified; without this, everyone would be sent a confirmation link at their next
sign-in. Where two accounts share an address (allowed before), the older account gets it verified
and the other one confirms by link, as allauth keeps one verified owner per address.
"""

from django.conf import settings
from django.db import migrations


def verify_existing_addresses(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    with_address = set(EmailAddress.objects.values_list("user_id", flat=True))
    rows = []
    for user_id, email in (
        User.objects.exclude(email="").order_by("pk").values_list("pk", "email").iterator()
    ):
        address = email.strip()
        if not address or user_id in with_address:
            continue
        first = address.lower() not in taken
        taken.add(address.lower())
        rows.append(EmailAddress(user_id=user_id, email=address, verified=first, primary=True))
    EmailAddress.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0009_events_notifications_mail"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(verify_existing_addresses, migrations.RunPython.noop)]
