"""The Watch button on a record's page: ``{% watch_button record %}``."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from projects.views.watch import watch_context

register = template.Library()


@register.simple_tag(takes_context=True)
def watch_button(context: template.Context, record) -> SafeString:
    request = context["request"]
    return render_to_string(
        "projects/watch_button.html",
        watch_context(request, context["project"], record),
        request=request,
    )
