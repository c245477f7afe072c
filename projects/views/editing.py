"""What every form page shares: a write through a service whose refusal shows on the form, and
the page that shows the form.

A page binds its form (an edit's form carries the version it was read at), and on a valid POST
calls ``form_write`` with the service: it answers the record written, or None with the reason
on the form, a stale version at its top and a rule's message next to its field, so the page
renders the form again with ``form_page``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project

T = TypeVar("T")


def form_write(
    form: forms.BaseForm,
    service: Callable[..., T],
    /,
    aliases: dict[str, str] | None = None,
    **arguments: Any,
) -> T | None:
    """What ``service(**arguments)`` wrote, or None with its refusal shown on ``form``: a stale
    version at the top of the form, a rule's message next to its field (``aliases`` renames the
    service's field names to the form's, as in ``attach_errors``)."""
    try:
        return service(**arguments)
    except StaleEdit as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        attach_errors(form, error, aliases)
    return None


def form_write_changes(
    form: forms.BaseForm, service: Callable[..., T], /, unchanged: T, **arguments: Any
) -> T | None:
    """``form_write`` of an edit: the form's changed fields and the version it was read at. When
    nothing changed there is no write (no new version, no history entry): ``unchanged``, the
    record as it was, comes back."""
    changes = form.changes()
    if not changes:
        return unchanged
    version = form.cleaned_data["version"]
    return form_write(form, service, **arguments, version=version, **changes)


def form_page(
    request: HttpRequest,
    template: str,
    project: Project,
    area: str,
    form: forms.BaseForm,
    **record: Any,
) -> HttpResponse:
    """A project's form page: the form, and the record it edits (none where it adds one)."""
    return render(request, template, {"project": project, "area": area, "form": form, **record})


def write_done(
    request: HttpRequest,
    project: Project,
    status: str,
    region: Callable[..., HttpResponse],
    page: str,
) -> HttpResponse:
    """After a write from a page with an htmx region: htmx gets the region back with the status
    (``region(request, project, status=status)``); without JavaScript the status becomes a
    message and the browser goes back to the project's ``page``."""
    if request.htmx:
        return region(request, project, status=status)
    messages.success(request, status)
    return redirect(page, pk=project.pk)
