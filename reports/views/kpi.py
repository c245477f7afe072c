"""Pages of the reports app: the portfolio dashboard (the landing page) and a project's KPI panel.

The projects app may not import reports (DESIGN §2), so the project overview loads the KPI panel
from here as an htmx fragment, with a plain link to the same URL as its fallback: one view serves
the full page without htmx and just the panel with it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from projects import clock
from projects.money import money
from projects.pdf import PdfUnavailable
from projects.views.base import READ, door
from reports import exports, selectors
from reports.charts import Sparkline, sparkline
from reports.forms import DashboardFilterForm
from reports.models import KpiSnapshot

# --- Portfolio dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Spark:
    """A sparkline and the words that stand in for it (its text alternative)."""

    label: str
    chart: Sparkline
    text: str
    short: str = ""


def _fmt(value: Any, places: int) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):.{places}f}"


def _spark(
    label: str, series: list, *, start, end, places: int, unit: str = "", width: int = 96
) -> Spark:
    chart = sparkline(series, start=start, end=end, width=width)
    if chart.count == 0:
        text = f"{label}: no values yet"
    elif chart.count == 1:
        text = f"{label}: {_fmt(chart.last_value, places)}{unit} (one snapshot)"
    else:
        text = (
            f"{label}: {_fmt(chart.first_value, places)}{unit} → "
            f"{_fmt(chart.last_value, places)}{unit} over {chart.count} snapshots"
        )
    return Spark(label, chart, text, short=unit or label)


@login_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    today = clock.today()
    wanted = request.GET.get("format", "")
    if wanted in ("xlsx", "pdf"):
        return _dashboard_file(request, form, today, wanted)
    page, rows = selectors.dashboard_rows(
        request.user, today=today, page=request.GET.get("page") or 1, **form.filters()
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    start = today - datetime.timedelta(days=selectors.TREND_DAYS)

    def sparks(row: selectors.DashboardRow) -> list[Spark]:
        return [
            _spark("SPI", row.series("spi"), start=start, end=today, places=2, width=72),
            _spark("CPI", row.series("cpi"), start=start, end=today, places=2, width=72),
            _spark(
                "% complete",
                row.series("percent_complete"),
                start=start,
                end=today,
                places=0,
                unit="%",
                width=72,
            ),
        ]

    for row in rows:
        # Built only for a row whose cached HTML is missing or out of date.
        row.spark_factory = sparks
        row.cache_key = row.fragment_key(today)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "trend_weeks": selectors.TREND_DAYS // 7,
        "refresh_seconds": settings.KPI_REFRESH_DEBOUNCE,
        "sort": form.current_sort,
        "is_filtered": form.is_filtered,
        # An empty list costs one more query, to tell "no projects yet" from "no matches".
        "has_any_project": bool(rows) or selectors.has_any_project(request.user),
    }
    template = "reports/portfolio_dashboard.html"
    if request.htmx:
        template += "#project-table"
    return render(request, template, context)


def _dashboard_file(
    request: HttpRequest, form: DashboardFilterForm, today: datetime.date, wanted: str
) -> HttpResponse:
    """The dashboard's rows (filters, grouping and sort as on screen, every page) as Excel or
    PDF, as an attachment."""
    _page, rows = selectors.dashboard_rows(
        request.user, today=today, page=1, per_page=None, **form.filters()
    )
    stamp = today.isoformat()
    if wanted == "xlsx":
        body = exports.dashboard_xlsx(rows, today=today)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        try:
            body = exports.dashboard_pdf(rows, today=today, filters=_filters_text(form))
        except PdfUnavailable as error:
            return HttpResponse(str(error), status=503, content_type="text/plain")
        kind = "application/pdf"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="charter-portfolio-{stamp}.{wanted}"'
    return response


def _filters_text(form: DashboardFilterForm) -> str:
    """The filters in force, as the PDF's subtitle says them."""
    form.is_valid()
    parts = []
    for name in ("q", "type", "methodology", "stage", "health", "group"):
        value = form.cleaned_data.get(name)
        if not value:
            continue
        field = form.fields[name]
        label = dict(getattr(field, "choices", [])).get(value, value)
        parts.append(f"{field.label}: {label}")
    return ", ".join(parts)


# --- A project's KPIs and health -----------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    name: str
    title: str
    value: str
    change: str
    worse: bool
    spark: Spark


def _tiles(
    snapshot: KpiSnapshot, previous: KpiSnapshot | None, history: list, currency: str
) -> list[Tile]:
    start = snapshot.as_of - datetime.timedelta(days=selectors.TREND_DAYS)
    end = snapshot.as_of
    # (field, short name, long name, places, unit, True when a rise is bad news)
    specs = [
        ("percent_complete", "% complete", "Work complete, weighted by duration", 1, "%", False),
        ("spi", "SPI", "Schedule performance index (EV ÷ PV)", 2, "", False),
        ("cpi", "CPI", "Cost performance index (EV ÷ AC)", 2, "", False),
        ("finish_slip_days", "Finish slip", "Working days behind the baseline", 0, "", True),
        ("overdue_tasks", "Overdue tasks", "Open tasks past their finish date", 0, "", True),
        ("risk_exposure", "Risk exposure", "Σ expected monetary value of live risks", 0, "¤", True),
        ("open_issues", "Open issues", "Issues not yet resolved", 0, "", True),
    ]
    tiles = []
    for key, name, title, places, unit, rise_is_bad in specs:
        value = getattr(snapshot, key)
        before = getattr(previous, key) if previous else None
        delta = selectors.change(value, before)
        if unit == "¤":  # money, in the project's currency
            shown = money(value, currency, places=0)
            moved = money(abs(delta), currency, places=0) if delta else ""
            unit = ""
        else:
            shown = f"{_fmt(value, places)}{unit}" if value is not None else "—"
            moved = f"{_fmt(abs(delta), places)}{unit}" if delta else ""
        if delta is None:
            change, worse = "no snapshot a week before", False
        elif delta == 0:
            change, worse = "no change in a week", False
        else:
            sign = "+" if delta > 0 else "−"
            change = f"{sign}{moved} in a week"
            worse = (delta > 0) == rise_is_bad
        series = [(s.as_of, getattr(s, key)) for s in history]
        tiles.append(
            Tile(
                key=key,
                name=name,
                title=title,
                value=shown,
                change=change,
                worse=worse,
                spark=_spark(name, series, start=start, end=end, places=places, unit=unit),
            )
        )
    return tiles


def _figures(snapshot: KpiSnapshot, currency: str) -> list[tuple[str, str, str]]:
    """Every KPI of DESIGN §4 the tiles do not show, as (name, explanation, value) rows."""

    def cash(value: Decimal | None, *, sign: bool = False) -> str:
        return money(value, currency, sign=sign)

    def day(value: datetime.date | None) -> str:
        return f"{value.day} {value:%b %Y}" if value else "—"

    levels = snapshot.open_risks_by_level or {}
    return [
        ("BAC", "Budget at completion", cash(snapshot.bac)),
        ("PV", "Planned value: budgeted cost of the work scheduled so far", cash(snapshot.pv)),
        ("EV", "Earned value: budgeted cost of the work done", cash(snapshot.ev)),
        ("AC", "Actual cost so far", cash(snapshot.ac)),
        ("SV", "Schedule variance (EV − PV)", cash(snapshot.sv, sign=True)),
        ("CV", "Cost variance (EV − AC)", cash(snapshot.cv, sign=True)),
        ("EAC", "Estimate at completion (BAC ÷ CPI)", cash(snapshot.eac)),
        ("VAC", "Variance at completion (BAC − EAC)", cash(snapshot.vac, sign=True)),
        (
            "Forecast finish",
            "The schedule's finish, against the performance baseline's",
            f"{day(snapshot.forecast_finish)} (baseline {day(snapshot.baseline_finish)})"
            if snapshot.baseline_finish
            else f"{day(snapshot.forecast_finish)} (no baseline)",
        ),
        ("Milestones missed", "Open milestones past their date", str(snapshot.milestones_missed)),
        (
            "Milestones due",
            f"Open milestones due in the next {selectors.DUE_SOON_DAYS} days",
            str(snapshot.milestones_due_14d),
        ),
        (
            "Open risks",
            "Live risks by level",
            " · ".join(
                f"{levels.get(level, 0)} {level}" for level in ("critical", "high", "medium", "low")
            ),
        ),
        (
            "Change requests",
            "Submitted and waiting for a decision",
            str(snapshot.pending_change_requests),
        ),
        (
            "Deliverables accepted",
            "Accepted of all deliverables",
            f"{snapshot.deliverables_accepted} of {snapshot.deliverables_total}",
        ),
    ]


@login_required
def project_kpis(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    today = project.today()
    panel = selectors.project_panel(project, today)
    snapshot = panel["snapshot"]
    dimensions = [
        (name.capitalize(), getattr(snapshot, f"health_{name}"), snapshot.health_reasons.get(name))
        for name in ("schedule", "cost", "scope", "risk")
    ]
    context = {
        "project": project,
        "area": "kpis",
        "today": today,
        "tiles": _tiles(snapshot, panel["previous"], panel["history"], project.currency),
        "dimensions": dimensions,
        "figures": _figures(snapshot, project.currency),
        **panel,
    }
    template = "reports/project_dashboard.html"
    if request.htmx:
        template += "#kpi-panel"
    return render(request, template, context)
