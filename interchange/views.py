"""Pages of a plan import (upload, the preview polled while the file is read, confirm), and
calendar feeds: the feeds themselves and the page where a person manages theirs."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from interchange import feeds, selectors, services
from interchange.forms import ImportForm
from interchange.models import CalendarFeed, Import
from interchange.selectors import imports_for
from projects.forms import attach_errors
from projects.models import Role
from projects.selectors import get_project_for
from scheduling.models import Task


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a plan, for a new project or (``?project=``) into an empty one I manage."""
    project_pk = request.GET.get("project") or request.POST.get("project")
    project = get_project_for(request.user, project_pk, need=Role.MANAGER) if project_pk else None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.import_create(
                by=request.user,
                file=form.cleaned_data["file"],
                project=project,
                name=form.cleaned_data["name"],
                key=form.cleaned_data["key"].upper(),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            return redirect("interchange:import_detail", upload.pk)
    has_tasks = project is not None and Task.objects.filter(project=project).exists()
    return render(
        request,
        "interchange/import_form.html",
        {"form": form, "target": project, "target_has_tasks": has_tasks},
    )


@login_required
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's status and, once read, what it would do; htmx polls it while pending."""
    upload = get_object_or_404(imports_for(request.user).defer("data"), pk=pk)
    template = "interchange/import_detail.html"
    if request.htmx:
        template += "#import-status"
    return render(request, template, {"upload": upload, "Status": Import.Status})


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(imports_for(request.user).defer("data"), pk=pk)
    if upload.project_id is not None:
        get_project_for(request.user, upload.project_id, need=Role.MANAGER)
    try:
        project = services.import_confirm(upload=upload, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"Nothing was imported: {text}")
        return redirect("interchange:import_detail", upload.pk)
    messages.success(request, f"The plan was imported into {project.key}.")
    return redirect(project)


# --- calendar feeds ---------------------------------------------------------------------------

# Calendar programs fetch a subscription every hour or so; a client that asks more often gets its
# own copy for this long, and an unchanged feed answers 304 to a conditional request.
FEED_MAX_AGE = 15 * 60


def _feed_or_404(token: str) -> CalendarFeed:
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    return feed


def _calendar_response(request: HttpRequest, body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    # The address is a secret: no shared cache keeps the answer, no search engine lists it.
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    response["X-Robots-Tag"] = "noindex"
    return get_conditional_response(request, etag=response["ETag"], response=response)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's calendar (no session: the secret in the URL is the credential)."""
    feed = _feed_or_404(token)
    services.calendar_feed_used(feed=feed)
    return _calendar_response(request, feeds.person_feed_ics(feed.user))


@require_safe
def project_calendar_feed(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """One project's milestones and gates, for a member of it (404 for anyone else)."""
    feed = _feed_or_404(token)
    project = selectors.feed_projects(feed.user).filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    services.calendar_feed_used(feed=feed)
    return _calendar_response(request, feeds.project_feed_ics(project))


def _feed_page(request: HttpRequest, *, token: str = "") -> HttpResponse:
    context: dict = {"feed": selectors.calendar_feed_of(request.user)}
    if token:
        url = request.build_absolute_uri(reverse("interchange:calendar_feed", args=[token]))
        context["url"] = url
        context["webcal_url"] = "webcal://" + url.split("://", 1)[1]
        context["project_feeds"] = [
            (
                project,
                request.build_absolute_uri(
                    reverse("interchange:project_calendar_feed", args=[token, project.pk])
                ),
            )
            for project in selectors.feed_projects(request.user).order_by("key").only("key", "name")
        ]
    return render(request, "interchange/calendarfeed_detail.html", context)


@login_required
@require_http_methods(["GET"])
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    """My calendar feed: whether I have one, and buttons to create, reset or revoke it."""
    return _feed_page(request)


@login_required
@require_POST
def calendar_feed_create(request: HttpRequest) -> HttpResponse:
    """Make my feed (or reset it: the old address stops) and show its address, this once."""
    had_one = selectors.calendar_feed_of(request.user) is not None
    _feed, token = services.calendar_feed_create(user=request.user)
    if had_one:
        messages.success(request, "Your calendar feed has a new address; the old one stopped.")
    else:
        messages.success(request, "Your calendar feed is ready.")
    return _feed_page(request, token=token)


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    if services.calendar_feed_revoke(user=request.user):
        messages.success(
            request, "Your calendar feed is revoked: calendars subscribed to it get nothing new."
        )
    return redirect("interchange:calendar_feed_page")
