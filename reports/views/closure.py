"""Closure pages: the closure (checklist, final review, sign-off, reopen, post-implementation
review) and the closure report as a page and a PDF.

Every write goes through the access door with the role it needs; on a closed project the door
refuses them all (403 "… is closed and read-only.") except the two a closed project allows here:
a manager's reopen and the post-implementation review, which only exists once the project is
closed. Forms post plainly; the checklist's ticks also swap in place with htmx.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Objective, Project, Role
from projects.pdf import PdfUnavailable, html_to_pdf
from projects.views.base import READ, WRITE, door, error_text
from reports.forms import ClosureForm, ReopenForm, ReviewForm, SubmitForm, TickForm
from reports.models import Closure, ClosureItem
from reports.selectors import closure as selectors
from reports.services import closure as services


def _rights(project: Project, closure: Closure | None) -> dict[str, bool]:
    role = Role(project.my_role)
    is_open = closure is not None and closure.status == Closure.Status.OPEN
    return {
        "can_start": role == Role.MANAGER and closure is None and not project.is_closed,
        "can_tick": role.covers(Role.MEMBER) and is_open and not project.is_closed,
        "can_manage": role == Role.MANAGER and is_open and not project.is_closed,
        "can_withdraw": role == Role.MANAGER
        and closure is not None
        and closure.status == Closure.Status.AWAITING_SIGN_OFF,
        "can_reopen": role == Role.MANAGER and project.is_closed,
        "can_review": role == Role.MANAGER and project.is_closed,
    }


def _page(
    request: HttpRequest,
    project: Project,
    *,
    status: int = 200,
    closure_form: ClosureForm | None = None,
    submit_form: SubmitForm | None = None,
    reopen_form: ReopenForm | None = None,
    review_form: ReviewForm | None = None,
    tick_errors: dict[int, str] | None = None,
) -> HttpResponse:
    closure = selectors.closure_of(project)
    today = project.today()
    rows = selectors.checklist(closure) if closure else []
    review = selectors.review_of(project) if project.is_closed else None
    rights = _rights(project, closure)
    context = {
        "project": project,
        "area": "closure",
        "closure": closure,
        "rows": rows,
        "open_count": len(selectors.open_items(rows)),
        "final": selectors.final_review(
            project, as_of=today, narrative=closure.narrative if closure else ""
        ),
        "approval": closure.approval if closure else None,
        "reopenings": list(selectors.reopen_records(project)[:10]),
        "review": review,
        "tick_errors": tick_errors or {},
        **rights,
    }
    if closure is not None and rights["can_manage"]:
        candidates = services.sponsor_candidates(project)
        context["sponsors"] = candidates
        context["closure_form"] = closure_form or ClosureForm.for_closure(closure)
        context["submit_form"] = submit_form or SubmitForm(candidates=candidates)
    if rights["can_reopen"]:
        context["reopen_form"] = reopen_form or ReopenForm()
    if review is not None:
        objectives = list(Objective.objects.filter(project=project).order_by("position", "id"))
        context["benefits"] = selectors.benefit_rows(project, review)
        if rights["can_review"]:
            context["review_form"] = review_form or _review_form(review, objectives)
    template = "reports/closure/closure_page.html"
    if request.htmx and request.htmx.target == "checklist":
        template += "#checklist"
    return render(request, template, context, status=status)


def _review_form(review, objectives: list[Objective], data=None) -> ReviewForm:
    initial = {"held_on": review.held_on, "summary": review.summary, "version": review.version}
    for b in review.benefits.all():
        initial[f"value_{b.objective_id}"] = b.realised_value
        initial[f"note_{b.objective_id}"] = b.note
    return ReviewForm(data, initial=initial, objectives=objectives)


def _closure_or_404(project: Project) -> Closure:
    closure = selectors.closure_of(project)
    if closure is None:
        raise Http404(f"Closure of {project.key} has not started.")
    return closure


@login_required
def closure(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return _page(request, project)


@login_required
def closure_start(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    try:
        services.closure_start(project=project, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Closure started: {project.key} is now in closing.")
    return redirect("reports:closure", pk=project.pk)


@login_required
def closure_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Tick or untick one checklist item (with its note); htmx swaps the checklist."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    item = get_object_or_404(ClosureItem, closure__project=project, pk=item_pk)
    form = TickForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.closure_item_tick(
                item=item,
                by=request.user,
                done=form.cleaned_data["done"],
                note=form.cleaned_data["note"] if "note" in request.POST else None,
                version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleEdit) as exc:
            error = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
    else:
        error = "Choose done or not done."
    if request.htmx:
        return _page(request, project, tick_errors={item.pk: error} if error else None)
    if error:
        messages.error(request, f"{item.title}: {error}")
        return _page(request, project, status=400, tick_errors={item.pk: error})
    return redirect(reverse("reports:closure", args=[project.pk]) + f"#item-{item.pk}")


@login_required
def closure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    closure = _closure_or_404(project)
    form = ClosureForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.closure_update(closure=closure, by=request.user, version=version, **data)
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Closure saved.")
            return redirect("reports:closure", pk=project.pk)
    return _page(request, project, status=400, closure_form=form)


@login_required
def closure_submit(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    closure = _closure_or_404(project)
    form = SubmitForm(request.POST, candidates=services.sponsor_candidates(project))
    if form.is_valid():
        try:
            closure = services.closure_submit(
                closure=closure,
                by=request.user,
                sponsor=form.cleaned_data["sponsor"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error, aliases={"stakeholder": "sponsor", "approver": "sponsor"})
        else:
            messages.success(
                request,
                f"Closure report sent to {form.cleaned_data['sponsor'].name} for sign-off.",
            )
            return redirect("reports:closure", pk=project.pk)
    return _page(request, project, status=400, submit_form=form)


@login_required
def closure_work_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager cancels the work left (saying why) or takes the cancellation back."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    closure = _closure_or_404(project)
    cancel = request.POST.get("cancel", "true") != "false"
    try:
        services.closure_work_cancel(
            closure=closure, by=request.user, reason=request.POST.get("reason", ""), cancel=cancel
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            "Work left cancelled; the checklist counts it as closed."
            if cancel
            else "Cancellation taken back; the work left is open again.",
        )
    return redirect(f"{reverse('reports:closure', args=[project.pk])}#checklist")


@login_required
def closure_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    closure = _closure_or_404(project)
    try:
        services.closure_withdraw(closure=closure, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Submission withdrawn; the checklist is open again.")
    return redirect("reports:closure", pk=project.pk)


@login_required
def closure_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager reopens a closed project: one of the two writes a closed project accepts."""
    project, refused = door(request, pk, WRITE, Role.MANAGER, allow_closed=True)
    if refused:
        return refused
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.closure_reopen(
                project=project, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_errors(form, error, aliases={"stage": "reason"})
        else:
            messages.success(request, f"{project.key} is reopened and back in closing.")
            return redirect("reports:closure", pk=project.pk)
    return _page(request, project, status=400, reopen_form=form)


@login_required
def closure_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the post-implementation review (the project is closed by then)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER, allow_closed=True)
    if refused:
        return refused
    review = selectors.review_of(project)
    if review is None:
        raise Http404(f"{project.key} has no post-implementation review scheduled.")
    objectives = list(Objective.objects.filter(project=project).order_by("position", "id"))
    form = _review_form(review, objectives, data=request.POST)
    if form.is_valid():
        try:
            services.review_record(
                project=project,
                by=request.user,
                held_on=form.cleaned_data["held_on"],
                summary=form.cleaned_data["summary"],
                benefits=form.benefits(),
                version=form.cleaned_data["version"],
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Post-implementation review recorded.")
            return redirect("reports:closure", pk=project.pk)
    return _page(request, project, status=400, review_form=form)


def _report_context(project: Project) -> dict:
    closure = _closure_or_404(project)
    report, frozen = selectors.report_of(closure, as_of=project.today())
    return {
        "project": project,
        "area": "closure",
        "closure": closure,
        "report": report,
        "frozen": frozen,
    }


@login_required
def closure_report(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return render(request, "reports/closure/report_page.html", _report_context(project))


@login_required
def closure_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    context = _report_context(project)
    html = render(request, "reports/closure/report_print.html", context).content.decode()
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{project.key}-closure-report.pdf"'
    return response
