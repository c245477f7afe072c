"""The project's Webhooks pages, for its managers: the endpoints with an add form, and each
endpoint's page with its delivery log, "Send test event", "Redeliver", switching it on or off
and deleting it. Writes go through ``interchange.webhooks``, as the API's do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from interchange import webhooks
from interchange.forms import WebhookForm
from interchange.models import Webhook, WebhookDelivery
from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.views.base import READ_WRITE, WRITE, door

DELIVERIES_PER_PAGE = 25


def _webhook(project: Project, webhook_pk: int) -> Webhook:
    return get_object_or_404(Webhook, project=project, pk=webhook_pk)


@login_required
def webhook_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's endpoints and the form to add one (managers only, reading included: the
    addresses may carry the receivers' tokens)."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    if refused:
        return refused
    form = WebhookForm(request.POST or None, initial={"events": ["*"], "is_active": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                webhook = webhooks.webhook_create(
                    project=project,
                    by=request.user,
                    url=data["url"],
                    events=data["events"],
                    secret=data["secret"],
                    is_active=data["is_active"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Webhook added. Its secret, shown this once: {webhook.secret}",
                )
                return redirect("interchange:webhook", pk=project.pk, webhook_pk=webhook.pk)
        status = 400
    hooks = Webhook.objects.filter(project=project).order_by("created_at", "pk")
    return render(
        request,
        "interchange/webhook_list.html",
        {
            "project": project,
            "area": "webhooks",
            "webhooks": hooks,
            "form": form,
            "disable_after": Webhook.DISABLE_AFTER,
        },
        status=status,
    )


@login_required
def webhook_detail(request: HttpRequest, pk: int, webhook_pk: int) -> HttpResponse:
    """One endpoint: its settings (edited here) and its delivery log, newest first."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    if refused:
        return refused
    webhook = _webhook(project, webhook_pk)
    initial = {"url": webhook.url, "events": webhook.events, "is_active": webhook.is_active}
    form = WebhookForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            changes = {key: data[key] for key in ("url", "events", "is_active")}
            if data["secret"]:
                changes["secret"] = data["secret"]
            try:
                webhook = webhooks.webhook_update(
                    webhook=webhook,
                    by=request.user,
                    version=_version(request),
                    **changes,
                )
            except StaleEdit:
                form.add_error(None, "Someone changed this webhook meanwhile; look and try again.")
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, "Webhook saved.")
                return redirect("interchange:webhook", pk=project.pk, webhook_pk=webhook.pk)
        status = 400
    deliveries = Paginator(
        WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-pk"),
        DELIVERIES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "interchange/webhook_detail.html",
        {
            "project": project,
            "area": "webhooks",
            "webhook": webhook,
            "form": form,
            "deliveries": deliveries,
        },
        status=status,
    )


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
def webhook_delete(request: HttpRequest, pk: int, webhook_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    webhook = _webhook(project, webhook_pk)
    webhooks.webhook_delete(webhook=webhook, by=request.user)
    messages.success(request, f"Webhook to {webhook.url} deleted.")
    return redirect("interchange:webhooks", pk=project.pk)


@login_required
def webhook_test(request: HttpRequest, pk: int, webhook_pk: int) -> HttpResponse:
    """Send a ``webhook.test`` event now; the log shows how it went."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    webhook = _webhook(project, webhook_pk)
    webhooks.webhook_send_test(webhook=webhook, by=request.user)
    messages.success(request, "Test event sent; its delivery is at the top of the log.")
    return redirect("interchange:webhook", pk=project.pk, webhook_pk=webhook.pk)


@login_required
def webhook_redeliver(
    request: HttpRequest, pk: int, webhook_pk: int, delivery_pk: int
) -> HttpResponse:
    """Send a delivery's event again (the same ``id``), logged as a new delivery."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    webhook = _webhook(project, webhook_pk)
    delivery = get_object_or_404(WebhookDelivery, webhook=webhook, pk=delivery_pk)
    webhooks.webhook_redeliver(delivery=delivery, by=request.user)
    messages.success(request, f"Event {delivery.event_uid} sent again.")
    return redirect("interchange:webhook", pk=project.pk, webhook_pk=webhook.pk)
