"""The audit trail pages: a project's history across every app, and one record's history.

Both go through the access door first (``projects.views.base.door``): a non-member gets 404
whatever the method. The reads live in ``projects.history``; with htmx the filters send back only
the table.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from projects.forms import HistoryFilterForm
from projects.history import HistoryFilter, history_page, tracked_models
from projects.views.base import READ, door


@login_required
def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change of the project's records, newest first, filterable by area, person, record."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    form = HistoryFilterForm(request.GET, project=project)
    filters = HistoryFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = HistoryFilter(area=data["area"], user_id=data["user"], model=data["model"])
    page = history_page(project, filters, request.GET.get("page"))
    template = "projects/project_history.html"
    if request.htmx:
        template += "#history-table"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "history",
            "page": page,
            "form": form,
            "filtered": filters != HistoryFilter(),
            "query": _without_page(request.GET),
        },
    )


@login_required
def record_history(request: HttpRequest, pk: int, model: str, object_pk: int) -> HttpResponse:
    """Every change of one record (a task, a risk, …) of the project, newest first."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    tracked = tracked_models().get(model)
    if tracked is None:
        raise Http404("No such kind of record.")
    filters = HistoryFilter(model=tracked.label, object_id=object_pk)
    page = history_page(project, filters, request.GET.get("page"))
    if not page.paginator.count:
        raise Http404("No such record in this project.")  # another project's id looks the same
    return render(
        request,
        "projects/record_history.html",
        {
            "project": project,
            "area": "history",
            "page": page,
            "subject": page.object_list[0].subject,
            "tracked": tracked,
            "query": "",
        },
    )


def _without_page(query: QueryDict) -> str:
    """The query string of the current filters, for the pager's links."""
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()
