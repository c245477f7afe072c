"""The sign-in page's single sign-on part: whether password sign-in is off (projects.sso)."""

from django import template

from projects import sso

register = template.Library()


@register.simple_tag
def sso_only() -> bool:
    """Whether only the identity provider signs people in (break-glass accounts aside)."""
    return sso.sso_only()
