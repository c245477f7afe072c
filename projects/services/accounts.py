"""A person's own account: their name and time zone."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Profile, validate_time_zone


@transaction.atomic
def profile_update(
    *, user: AbstractBaseUser, first_name: str, last_name: str, time_zone: str
) -> Profile:
    """Change the person's name and time zone (empty: the site's); refused with a message for
    an unknown zone, nothing written."""
    time_zone = time_zone.strip()
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError:
            raise ValidationError({"time_zone": f"{time_zone} is not a time zone."}) from None
    user.first_name = first_name.strip()[:150]
    user.last_name = last_name.strip()[:150]
    user.save(update_fields=["first_name", "last_name"])
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return profile
