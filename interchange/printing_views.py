"""The printables as pages: the Gantt as PDF or PNG, the risk register and the RACI matrix as
PDF (``interchange.printing``). Any member may download them, on a closed project too; anyone
else gets 404 from the door. A bad parameter is a 400 that says what to ask for."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from interchange import printing
from projects.models import Project
from projects.pdf import PdfUnavailable
from projects.views.base import READ, door


def printable_response(
    project: Project, kind: str, make: Callable[[], bytes], *, extension: str = "pdf"
) -> HttpResponse:
    """The file ``make`` makes, downloaded as ``<KEY>-<kind>-<date>.<extension>``."""
    content = make()
    types = {"pdf": "application/pdf", "png": "image/png"}
    response = HttpResponse(content, content_type=types[extension])
    filename = f"{project.key}-{kind}-{project.today().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refusal(error: ValidationError | PdfUnavailable) -> HttpResponse:
    if isinstance(error, PdfUnavailable):
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    text = " ".join(message for messages in error.message_dict.values() for message in messages)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


def _print(
    request: HttpRequest, pk: int, kind: str, make: Callable[[Project], bytes], extension: str
) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    try:
        return printable_response(project, kind, lambda: make(project), extension=extension)
    except (ValidationError, PdfUnavailable) as error:
        return _refusal(error)


@login_required
def gantt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole plan as a PDF: ``?paper=A4|A3`` (landscape), ``?baseline=<id>|none``.

    A plan of more than ``printing.SYNC_PAGES`` pages is printed by a worker: this page says
    so and polls ``?job=<token>`` (htmx, or a refresh without JavaScript), which answers with
    the PDF once it is ready."""
    if "job" in request.GET:
        return _gantt_job(request, pk, request.GET["job"])
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    try:
        options = printing.GanttOptions.of(request.GET)
        pages = printing.gantt_page_count(project, options.paper)
        if pages <= printing.SYNC_PAGES:
            return printable_response(
                project, "gantt", lambda: printing.gantt_pdf(project, options), extension="pdf"
            )
    except (ValidationError, PdfUnavailable) as error:
        return _refusal(error)
    token = printing.gantt_job_start(project, request.user, request.GET, pages)
    return redirect(f"{request.path}?{urlencode({'job': token})}")


def _gantt_job(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The PDF a worker printed, or the page that waits for it."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    job = printing.gantt_job(project, request.user, token)
    if job is None:
        raise Http404("This download has expired: ask for the PDF again.")
    if job["pdf"] is not None or job["error"]:
        if request.htmx:  # the poll: the browser fetches the file (or the reason) itself
            return HttpResponseClientRedirect(request.get_full_path())
        if job["error"]:
            return HttpResponse(job["error"], status=400, content_type="text/plain; charset=utf-8")
        return printable_response(project, "gantt", lambda: job["pdf"], extension="pdf")
    template = "interchange/print/gantt_waiting.html"
    if request.htmx:
        template += "#waiting"
    return render(request, template, {"project": project, "job": job, "area": "gantt"})


@login_required
def gantt_png(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the printed Gantt as a PNG: ``?page=<n>`` (the first by default),
    ``?dpi=`` (150 by default), and the PDF's ``paper`` and ``baseline``."""
    return _print(
        request,
        pk,
        "gantt",
        lambda project: printing.gantt_png(project, printing.GanttOptions.of(request.GET)),
        "png",
    )


@login_required
def risk_register_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The risk register as a PDF: ``?paper=A4|A3`` (landscape)."""
    return _print(
        request,
        pk,
        "risk-register",
        lambda project: printing.risk_register_pdf(
            project, printing.paper_of(request.GET.get("paper"))
        ),
        "pdf",
    )


@login_required
def raci_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The RACI matrix as a PDF: ``?paper=A4|A3`` (landscape)."""
    return _print(
        request,
        pk,
        "raci",
        lambda project: printing.raci_pdf(project, printing.paper_of(request.GET.get("paper"))),
        "pdf",
    )
