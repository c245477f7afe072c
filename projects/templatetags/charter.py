"""Small template helpers shared by Charter's pages."""

from __future__ import annotations

from django import template

from projects import display
from projects.models import Role

register = template.Library()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context: template.Context, name: str, label: str, target: str = "") -> dict:
    """A column header that sorts the table by ``name``; a second click reverses the order.

    The link keeps the page's other query parameters, so filters survive a sort. With
    ``target`` (a CSS selector), htmx swaps just that element and pushes the URL.
    """
    request = context["request"]
    current = context.get("sort") or ""
    if current == name:
        state, next_sort = "ascending", f"-{name}"
    elif current == f"-{name}":
        state, next_sort = "descending", name
    else:
        state, next_sort = "", name
    params = request.GET.copy()
    params["sort"] = next_sort
    params.pop("page", None)
    return {"url": f"?{params.urlencode()}", "label": label, "state": state, "target": target}


@register.inclusion_tag("includes/field_grid.html")
def field_grid(form, names: str, wide: str = "", grid: str = "grid") -> dict:
    """A grid of labelled fields: ``{% field_grid form "title owner notes" wide="title notes" %}``.

    Each field renders through ``includes/field.html``, in the order named; the fields named in
    ``wide`` span the whole row. ``grid`` is the grid's class ("grid grid-4" for four columns).
    """
    wide_names = set(wide.split())
    return {"fields": [(form[name], name in wide_names) for name in names.split()], "grid": grid}


@register.filter
def role_label(value: str) -> str:
    """``"manager"`` → ``"Manager"``; unknown values pass through."""
    try:
        return Role(value).label
    except ValueError:
        return value


@register.filter
def display_name(user) -> str:
    """A person by their full name, else their username; ``None`` is "System"."""
    return display.person_name(user)


@register.filter
def human_date(value, options: str = "") -> str:
    """``{{ d|human_date }}`` → "7 Dec 2026", also for ISO strings frozen in report content;
    ``{{ d|human_date:"weekday" }}`` → "Mon 7 Dec 2026", ``"weekday short"`` → "Mon 7 Dec 26".
    Written in the reader's date format."""
    chosen = options.split()
    return display.human_date(value, weekday="weekday" in chosen, short="short" in chosen)


@register.filter
def timestamp(value, zone: str | None = None) -> str:
    """``{{ t|timestamp:project.time_zone }}`` → "7 Dec 2026, 09:00 CET" (zone always shown)."""
    return display.human_timestamp(value, zone)
