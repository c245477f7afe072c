"""A person's own account: their name, time zone and date format, their verified e-mail
addresses."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.display import DateFormat
from projects.models import Profile, validate_time_zone


@transaction.atomic
def profile_update(
    *,
    user: AbstractBaseUser,
    first_name: str,
    last_name: str,
    time_zone: str,
    date_format: str | None = None,
) -> Profile:
    """Change the person's name, time zone (empty: the site's) and date format (None: keep
    it); refused with a message for an unknown zone or format, nothing written."""
    time_zone = time_zone.strip()
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError:
            raise ValidationError({"time_zone": f"{time_zone} is not a time zone."}) from None
    defaults = {"time_zone": time_zone}
    if date_format is not None:
        if date_format not in DateFormat.values:
            raise ValidationError({"date_format": f"{date_format} is not a date format."})
        defaults["date_format"] = date_format
    user.first_name = first_name.strip()[:150]
    user.last_name = last_name.strip()[:150]
    user.save(update_fields=["first_name", "last_name"])
    profile, _ = Profile.objects.update_or_create(user=user, defaults=defaults)
    return profile


@transaction.atomic
def email_address_verify(*, user: AbstractBaseUser, email: str) -> EmailAddress:
    """Record ``email`` as a verified address of ``user``, primary when it is their account's
    address and they have no other primary: the person proved it by following a link mailed to
    it (an invitation). Verifying again changes nothing."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    address.verified = True
    if (user.email or "").lower() == email.lower():
        address.primary = not (
            EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).exists()
        )
    address.save()
    return address
