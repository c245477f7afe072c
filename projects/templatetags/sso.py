"""The sign-in page's single sign-on part: whether password sign-in is off (projects.sso)."""

from django import template

from projects import sso

register = template.Library()


@register.simple_tag
def sso_only() -> bool:
    """Whether only the identity provider signs people in (break-glass accounts aside)."""
    return sso.sso_only()


@register.simple_tag
def sso_enabled() -> bool:
    """Whether an identity provider is configured (the sign-in page then lists it; without
    one it asks the database nothing)."""
    return sso.enabled()
