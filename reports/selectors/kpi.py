"""Reads of KPI snapshots and health: the portfolio dashboard, a project's KPI panel, the API.

Project data is reached only through ``projects.selectors`` (the access door, DESIGN §3); the
dashboard reads the latest snapshot of every project, so it never computes KPIs itself and costs
the same number of queries for 3 projects as for 1,000.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.template.loader import get_template
from django.utils import translation

from projects import display, rag
from projects.models import Project
from projects.selectors import User, projects_for
from reports.models import HealthThresholds, KpiSnapshot, Rag
from reports.services.kpi import kpi_snapshot_refresh
from risks.models import ForecastRun, Risk
from risks.simulation import chance_percent
from scheduling.models import Task
from stakeholders import selectors as stakeholder_selectors

TREND_DAYS = 56  # eight weeks of history behind each sparkline
# Rows per page: a portfolio of 1,000 projects is read a page at a time, sorted and filtered
# over all of them, so the page costs the same to build and to read as one of 50 projects.
DASHBOARD_PAGE_SIZE = 50
DUE_SOON_DAYS = 14
NOT_COMPUTED = "none"  # the health filter's value for projects without a snapshot yet

# Sort name → the annotation it orders by (see ``dashboard_rows``).
DASHBOARD_SORTS = {
    "key": "key",
    "name": "name",
    "health": "health_rank",
    "complete": "kpi_percent",
    "spi": "kpi_spi",
    "cpi": "kpi_cpi",
    "finish": "kpi_forecast",
    "slip": "kpi_slip",
    "target": "kpi_p_target",
    "budget": "kpi_p_budget",
    "milestone": "next_milestone_date",
    "risk": "top_risk_score",
}


# How the dashboard groups its rows ("" by default: open projects, then closed ones apart).
DASHBOARD_GROUPS = [
    ("", "Open, then closed"),
    ("type", "Type"),
    ("sponsor", "Sponsor"),
    ("stage", "Stage"),
    ("programme", "Programme"),
    ("none", "No grouping"),
]
_STAGE_ORDER = [stage for stage, _ in Project.Stage.choices]


def _group_order(group: str) -> Any:
    """The expression rows are ordered by first, so each group's rows come together."""
    if group == "none":
        return None
    if group == "type":
        return F("type")
    if group == "sponsor":  # named sponsors A–Z, then the projects without one
        return Case(When(sponsor="", then=Value("\uffff")), default=Lower("sponsor"))
    if group == "stage":
        return Case(
            *(When(stage=stage, then=Value(i)) for i, stage in enumerate(_STAGE_ORDER)),
            output_field=IntegerField(),
        )
    if group == "programme":  # programmes by key, then the projects in none
        return F("programme__key").asc(nulls_last=True)
    return Case(When(stage=Project.Stage.CLOSED, then=Value(1)), default=Value(0))


def group_label(project: Project, group: str) -> str:
    """The heading of the group ``project`` falls in."""
    if group == "none":
        return ""
    if group == "type":
        return project.get_type_display()
    if group == "sponsor":
        return project.sponsor or "No sponsor"
    if group == "stage":
        return project.get_stage_display()
    if group == "programme":
        programme = project.programme
        return f"{programme.key} · {programme.name}" if programme else "No programme"
    return "Closed projects" if project.is_closed else "Open projects"


# --- the portfolio dashboard ---------------------------------------------------------------------

# What a dashboard row shows of its project (fields and annotations): see fragment_key.
_ROW_PROJECT_FIELDS = (
    "pk",
    "key",
    "name",
    "methodology",
    "stage",
    "target_finish",
    "next_milestone_name",
    "next_milestone_date",
    "top_risk_title",
    "top_risk_score",
    "top_risk_level",
    "forecast_run",
    "forecast_target",
    "forecast_budget",
)


@functools.cache
def _template_digest() -> str:
    """The dashboard template's source, hashed once a process: a deploy that changes the row's
    markup never reuses rows cached by the code before it."""
    source = get_template("reports/portfolio_dashboard.html").template.source
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@dataclass
class DashboardRow:
    """One project on the dashboard: its latest snapshot (None before the first) and history."""

    project: Project
    snapshot: KpiSnapshot | None
    history: list[tuple[datetime.date, KpiSnapshot | dict[str, Any]]] = field(default_factory=list)
    # Builds the row's sparklines when the row is rendered (not when its cached HTML is reused).
    spark_factory: Callable[[DashboardRow], list[Any]] | None = None
    # The heading of the row's group ("" when not grouped).
    group: str = ""

    def series(self, name: str) -> list[tuple[datetime.date, Any]]:
        return [(day, values[name]) for day, values in self.history]

    @cached_property
    def sparks(self) -> list[Any]:
        return self.spark_factory(self) if self.spark_factory else []

    def fragment_key(self, today: datetime.date) -> str:
        """A digest of everything the row's HTML shows, for the cached row fragment: the
        project's own fields and annotations, every field of its snapshot, its history, the
        red flags of its thresholds (SPI, CPI, the chance of the target), today (missed
        milestones, the sparklines' span), the
        language, the reader's date format (the row writes its dates in it) and the template's
        source. Any change to any of them is another key."""
        project = self.project
        snapshot = self.snapshot
        parts = (
            _template_digest(),
            translation.get_language(),
            display.active_date_format(),
            today,
            *(getattr(project, name, None) for name in _ROW_PROJECT_FIELDS),
            None
            if snapshot is None
            else tuple(getattr(snapshot, f.attname) for f in snapshot._meta.concrete_fields),
            self.spi_is_red,
            self.cpi_is_red,
            self.target_chance_is_low,
            tuple(
                (day, values["percent_complete"], values["spi"], values["cpi"])
                for day, values in self.history
            ),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    @property
    def spi_is_red(self) -> bool:
        """SPI in the red band of this project's thresholds (the health rule's own bands)."""
        spi = self.snapshot.spi if self.snapshot else None
        return spi is not None and rag.rate_spi(spi, self._thresholds()) == rag.Rag.RED

    @property
    def cpi_is_red(self) -> bool:
        cpi = self.snapshot.cpi if self.snapshot else None
        return cpi is not None and rag.rate_cpi(cpi, self._thresholds()) == rag.Rag.RED

    @property
    def target_chance(self) -> int | None:
        """The chance of finishing by the target, in whole percent (rounded down), or None."""
        chance = self.snapshot.p_target_finish if self.snapshot else None
        return None if chance is None else chance_percent(chance)

    @property
    def budget_chance(self) -> int | None:
        chance = self.snapshot.p_budget if self.snapshot else None
        return None if chance is None else chance_percent(chance)

    @property
    def target_chance_is_low(self) -> bool:
        """Under the project's threshold: what turns its schedule amber (the health rule's)."""
        chance = self.snapshot.p_target_finish if self.snapshot else None
        return (
            chance is not None
            and rag.rate_target_chance(chance, self._thresholds()) != rag.Rag.GREEN
        )

    @property
    def target_chance_why(self) -> str:
        """Why the chance of the target is missing (the dash's hover text), "" when it is not:
        read from what the latest finished forecast measured (``dashboard_rows``' annotations),
        never guessed."""
        if self.target_chance is not None:
            return ""
        project = self.project
        target = _day(project.target_finish)
        if self.snapshot is None:
            return "Not computed yet: no KPI snapshot of this project"
        if getattr(project, "forecast_run", None) is None:
            return f"No forecast has run yet, so nothing measured the target {target}"
        measured = getattr(project, "forecast_target", None)
        if measured is None:
            return f"The latest forecast measured no target; the next run measures {target}"
        if measured != project.target_finish:
            return (
                f"The latest forecast measured the target {_day(measured)}, not {target}; "
                "the next run measures the new one"
            )
        return "The latest forecast finished after this snapshot; the next refresh shows it"

    @property
    def budget_chance_why(self) -> str:
        """Why the chance of the budget is missing, "" when it is not (as above)."""
        if self.budget_chance is not None:
            return ""
        if self.snapshot is None:
            return "Not computed yet: no KPI snapshot of this project"
        if getattr(self.project, "forecast_run", None) is None:
            return "No forecast has run yet, so nothing measured the budget"
        if getattr(self.project, "forecast_budget", None) is None:
            return "No budget to hold the cost to: neither a BAC nor an approved budget"
        return "The latest forecast finished after this snapshot; the next refresh shows it"

    def _thresholds(self) -> rag.Thresholds:
        # Fetched with the page (select_related); a project without settings has the defaults.
        try:
            return self.project.health_thresholds.as_rules()
        except HealthThresholds.DoesNotExist:
            return rag.Thresholds()


def _day(day: datetime.date | None) -> str:
    return "(none)" if day is None else f"{day.day} {day:%b %Y}"


def _latest_snapshot() -> FilteredRelation:
    """Each project's latest snapshot as one LEFT JOIN (on the (project, as_of) index): its
    columns sort and filter the dashboard without a subquery per column and row."""
    latest_day = KpiSnapshot.objects.filter(project=OuterRef("pk")).order_by("-as_of")
    return FilteredRelation(
        "kpi_snapshots", condition=Q(kpi_snapshots__as_of=Subquery(latest_day.values("as_of")[:1]))
    )


def dashboard_rows(
    user: User,
    *,
    today: datetime.date,
    search: str = "",
    type: str = "",
    methodology: str = "",
    stage: str = "",
    health: str = "",
    sort: str = "key",
    group: str = "",
    page: int | str = 1,
    per_page: int | None = DASHBOARD_PAGE_SIZE,
) -> tuple[Page, list[DashboardRow]]:
    """One page of my projects with their latest KPIs, next milestone, top risk and eight
    weeks of SPI, CPI and % complete, filtered and sorted over all of them: four queries (count,
    page, snapshots, history) whatever the number of projects. A closed project shows its final
    snapshot (nothing refreshes it) and neither a next milestone nor a top risk."""
    qs = projects_for(user).search(search).select_related("health_thresholds", "programme")
    if type:
        qs = qs.filter(type=type)
    if methodology:
        qs = qs.filter(methodology=methodology)
    if stage:
        qs = qs.filter(stage=stage)
    milestones = (
        Task.objects.filter(project=OuterRef("pk"), duration=0)
        .exclude(status=Task.Status.DONE)
        .order_by("finish_date", "id")
    )
    risks = Risk.objects.filter(project=OuterRef("pk")).live().by_rank()
    # The latest finished forecast: what its chances measured, for the reason of a dash.
    forecast = ForecastRun.objects.filter(
        project=OuterRef("pk"), status=ForecastRun.Status.DONE
    ).order_by("-created_at", "-id")

    def unless_closed(value: Subquery) -> Case:
        # A closed project has no next milestone nor top risk: its figures are the final ones.
        return Case(When(stage=Project.Stage.CLOSED, then=Value(None)), default=value)

    qs = (
        qs.annotate(latest=_latest_snapshot())
        .annotate(
            snapshot_pk=F("latest__pk"),
            kpi_health=F("latest__health"),
            kpi_percent=F("latest__percent_complete"),
            kpi_spi=F("latest__spi"),
            kpi_cpi=F("latest__cpi"),
            kpi_forecast=F("latest__forecast_finish"),
            kpi_slip=F("latest__finish_slip_days"),
            kpi_p_target=F("latest__p_target_finish"),
            kpi_p_budget=F("latest__p_budget"),
            next_milestone_name=unless_closed(Subquery(milestones.values("name")[:1])),
            next_milestone_date=unless_closed(Subquery(milestones.values("finish_date")[:1])),
            top_risk_title=unless_closed(Subquery(risks.values("title")[:1])),
            top_risk_score=unless_closed(Subquery(risks.values("score")[:1])),
            top_risk_level=unless_closed(Subquery(risks.values("level")[:1])),
            forecast_run=Subquery(forecast.values("pk")[:1]),
            forecast_target=Subquery(forecast.values("target_finish")[:1]),
            forecast_budget=Subquery(forecast.values("budget")[:1]),
        )
        .annotate(
            # Worst first when sorted ascending: red, amber, green, then not computed yet.
            health_rank=Case(
                When(kpi_health=Rag.RED, then=Value(0)),
                When(kpi_health=Rag.AMBER, then=Value(1)),
                When(kpi_health=Rag.GREEN, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
    )
    if health == NOT_COMPUTED:
        qs = qs.filter(snapshot_pk__isnull=True)
    elif health:
        qs = qs.filter(kpi_health=health)
    descending = sort.startswith("-")
    column = F(DASHBOARD_SORTS.get(sort.lstrip("-"), "key"))
    ordering = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    first = _group_order(group)
    orderings = [ordering, "key"] if first is None else [first, ordering, "key"]
    qs = qs.order_by(*orderings)
    # No page size: every row (the exports), still as one page.
    paged = Paginator(qs, per_page or max(qs.count(), 1)).get_page(page)
    projects = list(paged.object_list)

    snapshots = KpiSnapshot.objects.in_bulk([p.snapshot_pk for p in projects if p.snapshot_pk])
    history: dict[int, list] = {p.pk: [] for p in projects}
    since = today - datetime.timedelta(days=TREND_DAYS)
    points = (
        KpiSnapshot.objects.filter(project__in=list(history), as_of__gte=since, as_of__lte=today)
        .order_by("project_id", "as_of")
        .values("project_id", "as_of", "percent_complete", "spi", "cpi")
    )
    for point in points:
        history[point["project_id"]].append((point["as_of"], point))
    return paged, [
        DashboardRow(p, snapshots.get(p.snapshot_pk), history[p.pk], group=group_label(p, group))
        for p in projects
    ]


def has_any_project(user: User) -> bool:
    return projects_for(user).exists()


# --- one project ---------------------------------------------------------------------------------


def latest_snapshot(project: Project) -> KpiSnapshot | None:
    return KpiSnapshot.objects.filter(project=project).order_by("-as_of").first()


def current_snapshot(project: Project, today: datetime.date) -> KpiSnapshot:
    """The latest snapshot; a project that has none yet (just created, and the nightly task has
    not run) gets today's computed now, with the very service the task calls."""
    return latest_snapshot(project) or kpi_snapshot_refresh(project=project, as_of=today)


def kpi_history(project: Project, *, until: datetime.date, days: int) -> list[KpiSnapshot]:
    """The project's snapshots of the ``days`` days up to ``until``, oldest first (one query)."""
    since = until - datetime.timedelta(days=days)
    return list(
        KpiSnapshot.objects.filter(project=project, as_of__gt=since, as_of__lte=until).order_by(
            "as_of"
        )
    )


def project_panel(project: Project, today: datetime.date) -> dict[str, Any]:
    """Everything the project's KPI panel shows: the snapshot and its history, milestones due
    and missed, overdue tasks, top risks, pending approvals and overdue actions."""
    snapshot = current_snapshot(project, today)
    history = kpi_history(project, until=snapshot.as_of, days=TREND_DAYS)
    week_ago = snapshot.as_of - datetime.timedelta(days=7)
    previous = next((s for s in reversed(history) if s.as_of <= week_ago), None)
    tasks = Task.objects.for_project(project)
    open_milestones = tasks.milestones().exclude(status=Task.Status.DONE)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    return {
        "snapshot": snapshot,
        "history": history,
        "previous": previous,
        "upcoming_milestones": list(
            open_milestones.filter(finish_date__gte=today, finish_date__lte=soon).order_by(
                "finish_date", "id"
            )
        ),
        "missed_milestones": list(
            open_milestones.filter(finish_date__lt=today).order_by("finish_date", "id")
        ),
        "overdue_tasks": list(
            tasks.filter(duration__gt=0).overdue(today).order_by("finish_date", "id")[:10]
        ),
        "top_risks": list(
            Risk.objects.for_project(project).live().select_related("owner").by_rank()[:5]
        ),
        "pending_approvals": list(
            stakeholder_selectors.approvals_of(project, decision="pending")[:10]
        ),
        "overdue_actions": list(stakeholder_selectors.overdue_actions(project, today)[:10]),
    }


def change(current: Decimal | int | None, before: Decimal | int | None) -> Decimal | int | None:
    """``current − before``, or None when either is unknown."""
    if current is None or before is None:
        return None
    return current - before
