"""Weekly status report pages: a project's archive, one report (the preview as recipients will
see it, the manager's summary edited in place, the deliveries with every attempt), and the
writes a manager makes: build this week's report, edit the summary, send now.

Everyone in the project reads; only managers write, through the access door with the manager
role (a closed project's door refuses writes). Every form posts plainly; the summary also saves
in place with htmx.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from projects import clock
from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.pdf import PdfUnavailable
from projects.views.base import READ, WRITE, can, door, error_text
from reports import rendering
from reports.forms import SummaryForm
from reports.models import StatusReport
from reports.selectors import status as selectors
from reports.services import delivery as delivery_services
from reports.services import status as services

PAGE_SIZE = 20


def _can_write(project: Project) -> bool:
    return can(project, Role.MANAGER)


@login_required
def status_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive: every week's report with its health, state and deliveries."""
    project, refused = door(request, pk, READ, Role.MANAGER)
    if refused:
        return refused
    page = Paginator(selectors.status_reports_of(project), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    this_week = services.week_start_for(project, clock.now())
    return render(
        request,
        "reports/status/statusreport_list.html",
        {
            "project": project,
            "area": "status_reports",
            "page": page,
            "reports": page.object_list,
            "this_week": this_week,
            "can_write": _can_write(project),
        },
    )


@login_required
def status_report_build(request: HttpRequest, pk: int) -> HttpResponse:
    """Build (or refresh, while a draft) this week's report, then show it."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    try:
        report = services.status_report_build(project=project, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("reports:status_reports", pk=project.pk)
    if report.is_sent:
        messages.info(request, "This week's report has been sent already; it stays as sent.")
    else:
        messages.success(
            request, f"Report for the week of {rendering.day_label(report.week_start)} built."
        )
    return redirect("reports:status_report", pk=project.pk, report_pk=report.pk)


def _summary_context(
    project: Project, report: StatusReport, *, form: SummaryForm | None = None, editing: bool
) -> dict[str, Any]:
    can_edit = _can_write(project) and not report.is_sent
    error = ""
    if form is not None and form.errors and not can_edit:
        # No editor to show the refusal next to (the report was sent meanwhile): say it here.
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if can_edit and form is None:
        form = SummaryForm(initial={"summary": report.summary, "version": report.version})
    return {
        "project": project,
        "report": report,
        "summary_form": form if can_edit else None,
        "can_edit_summary": can_edit,
        "editing": can_edit and editing,
        "summary_error": error,
    }


def _report_page(
    request: HttpRequest,
    project: Project,
    report: StatusReport,
    *,
    status: int = 200,
    form: SummaryForm | None = None,
    editing: bool = False,
    send_error: str = "",
) -> HttpResponse:
    view = rendering.present(report)
    context = {
        "area": "status_reports",
        "r": view,
        "charts": rendering.svg_charts(view),
        "summary_partial": "reports/status/statusreport_summary.html",
        "deliveries": selectors.deliveries_of(report),
        "can_write": _can_write(project),
        "send_error": send_error,
        "is_this_week": report.week_start == services.week_start_for(project, clock.now()),
        **_summary_context(project, report, form=form, editing=editing),
    }
    return render(request, "reports/status/statusreport_detail.html", context, status=status)


@login_required
def status_report(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The report as recipients will see it, its summary editor and its deliveries."""
    project, refused = door(request, pk, READ, Role.MANAGER)
    if refused:
        return refused
    report = selectors.status_report_of(project, report_pk)
    editing = request.GET.get("edit") == "summary"
    if request.htmx and request.GET.get("part") == "summary":
        return render(
            request,
            "reports/status/statusreport_summary.html",
            _summary_context(project, report, editing=editing),
        )
    return _report_page(request, project, report, editing=editing)


@login_required
def status_report_summary(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """Save the manager's summary (draft only; a stale version is refused). With htmx the
    summary section is swapped in place; without, the page reloads."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    report = selectors.status_report_of(project, report_pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            report = services.status_report_update_summary(
                report=report,
                by=request.user,
                summary=form.cleaned_data["summary"],
                version=form.cleaned_data["version"],
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
    if request.htmx:
        if form.errors:
            context = _summary_context(project, report, form=form, editing=True)
        else:
            context = {**_summary_context(project, report, editing=False), "saved": True}
        return render(request, "reports/status/statusreport_summary.html", context)
    if form.errors:
        return _report_page(request, project, report, status=400, form=form, editing=True)
    messages.success(request, "Summary saved.")
    return redirect(reverse("reports:status_report", args=[project.pk, report.pk]) + "#sr-summary")


@login_required
def status_report_send(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """Send the report now to the communication plan's audience (nobody gets it twice)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    report = selectors.status_report_of(project, report_pk)
    try:
        deliveries = delivery_services.status_report_send(report=report, by=request.user)
    except ValidationError as error:
        return _report_page(request, project, report, status=400, send_error=error_text(error))
    waiting = sum(1 for d in deliveries if d.status != d.Status.SENT)
    messages.success(
        request,
        f"Sending to {len(deliveries)} recipient{'s' if len(deliveries) != 1 else ''}"
        + (f"; {waiting} on the way." if waiting else "; all delivered."),
    )
    return redirect(reverse("reports:status_report", args=[project.pk, report.pk]) + "#deliveries")


@login_required
def status_report_pdf(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The report's PDF, as attached to the e-mail."""
    project, refused = door(request, pk, READ, Role.MANAGER)
    if refused:
        return refused
    report = selectors.status_report_of(project, report_pk)
    try:
        pdf = rendering.render_pdf(report)
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = rendering.pdf_filename_of(report)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def status_report_text(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    """The plain-text e-mail body, as recipients without HTML mail read it."""
    project, refused = door(request, pk, READ, Role.MANAGER)
    if refused:
        return refused
    report = selectors.status_report_of(project, report_pk)
    return HttpResponse(rendering.render_text(report), content_type="text/plain; charset=utf-8")
