"""Reads of the interchange app."""

from __future__ import annotations

from django.db.models import QuerySet

from interchange.models import Import


def imports_for(user) -> QuerySet[Import]:
    """The imports ``user`` uploaded: nobody else's exists for them."""
    return Import.objects.of(user).select_related("project")
