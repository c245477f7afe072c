"""The signed-in person's notifications: the bell, the list, their choices, unsubscribing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from projects.forms import NotificationSettingsForm
from projects.models import Notification, Profile
from projects.services import notifications as service
from projects.timezones import remember_zone

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell's unread count (htmx polls it; the first paint has it from the context)."""
    return render(
        request,
        "projects/notification_bell.html",
        {"unread_notifications": service.unread_count(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; ``?unread=1`` for the unread only; POST marks all read."""
    if request.method == "POST":
        count = service.notifications_mark_all_read(by=request.user)
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
        return redirect("projects:notifications")
    unread_only = request.GET.get("unread") == "1"
    rows = service.notifications_for(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "notification": notification,
            "sentence": service.describe(notification.event),
        }
        for notification in page
    ]
    return render(
        request,
        "projects/notification_list.html",
        {"page": page, "items": items, "unread_only": unread_only},
    )


def _mine(request: HttpRequest, notification_pk: int) -> Notification:
    notification = service.notifications_for(request.user).filter(pk=notification_pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


@login_required
@require_http_methods(["GET"])
def notification_open(request: HttpRequest, notification_pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = _mine(request, notification_pk)
    service.notification_mark_read(notification=notification, by=request.user)
    target = service.link_of(notification.event)
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return redirect(target)


@login_required
@require_http_methods(["POST"])
def notification_read(request: HttpRequest, notification_pk: int) -> HttpResponse:
    notification = _mine(request, notification_pk)
    service.notification_mark_read(notification=notification, by=request.user)
    if request.headers.get("HX-Request"):
        item = {"notification": notification, "sentence": service.describe(notification.event)}
        response = render(request, "projects/notification_item.html", {"item": item})
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect(request.POST.get("next") or "projects:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """How I hear of each kind of notification, and my time zone (the digest's 08:00)."""
    profile = Profile.objects.filter(user=request.user).first()
    initial = {
        **service.preferences_of(request.user),
        "time_zone": profile.time_zone if profile else "",
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        choices = {reason: form.cleaned_data[reason] for reason in Notification.Reason.values}
        try:
            service.preferences_update(
                user=request.user, choices=choices, time_zone=form.cleaned_data["time_zone"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            remember_zone(request, form.cleaned_data["time_zone"])
            messages.success(request, "Notification settings saved.")
            return redirect("projects:notification_settings")
    return render(request, "projects/notification_settings.html", {"form": form})


@csrf_exempt  # the signed token is the authority: mail clients' one-click POST has no cookie
@require_http_methods(["GET", "POST"])
def notifications_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058): POST turns e-mail off for that kind of notification
    (it stays in Charter); GET shows the button, so a link scanner changes nothing."""
    kind = None
    done = False
    error = ""
    if request.method == "POST":
        try:
            _user, reason = service.unsubscribe(token=token)
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            kind = Notification.Reason(reason).label
            done = True
    else:
        try:
            kind = Notification.Reason(service.unsubscribe_reason(token)).label
        except ValidationError as refused:
            error = refused.messages[0]
    return render(
        request,
        "projects/notification_unsubscribe.html",
        {"kind": kind, "done": done, "error": error, "token": token},
        status=400 if error else 200,
    )
