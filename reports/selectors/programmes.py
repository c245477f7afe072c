"""A programme's roll-up: its projects' latest KPIs in the programme's currency, summed.

Earned value is summed, never averaged: the programme's SPI is ΣEV / ΣPV and its CPI is
ΣEV / ΣAC over the projects whose figures could be converted. A project whose currency has no
rate to the programme's on the roll-up day is shown with "no rate" and left out of the sums
(never converted at a guessed rate); the totals say how many projects they cover.

Who sees what (DESIGN §3): every programme member sees each project's name, key, health, key
dates and figures (``projects.programmes.programme_projects``, the explicit second selector);
milestones and risks come only from the projects the reader is a member of
(``projects_for``), and a project row links to its pages only for them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Q, Subquery

from projects.models import ExchangeRate, Programme, Project
from projects.programmes import programme_projects
from projects.selectors import projects_for
from reports.models import KpiSnapshot
from risks.models import ForecastRun, Risk
from risks.services.programme_forecast import cached_group_curve, group_key, linked_groups
from scheduling.models import Task

FIGURES = ("bac", "pv", "ev", "ac", "eac")
CENT = Decimal("0.01")
MILESTONES_SHOWN = 10
RISKS_SHOWN = 10


class Rates:
    """The exchange rates effective on one day, read once: ``rate(source, target)`` is the
    latest rate of the pair from that day or before, else the inverse of the reverse pair's,
    else None (missing: never guessed)."""

    def __init__(self, currencies: set[str], target: str, day: datetime.date) -> None:
        self.target = target
        latest: dict[tuple[str, str], Decimal] = {}
        rows = (
            ExchangeRate.objects.filter(effective_from__lte=day)
            .filter(
                Q(source__in=currencies, target=target) | Q(source=target, target__in=currencies)
            )
            .order_by("source", "target", "-effective_from")
            .values_list("source", "target", "rate")
        )
        for source, to, rate in rows:
            latest.setdefault((source, to), rate)
        self._latest = latest

    def rate(self, source: str) -> Decimal | None:
        if source == self.target:
            return Decimal(1)
        direct = self._latest.get((source, self.target))
        if direct is not None:
            return direct
        reverse = self._latest.get((self.target, source))
        return Decimal(1) / reverse if reverse else None


@dataclass
class ProgrammeRow:
    project: Project
    visible: bool  # the reader is a member: the row links to the project
    snapshot: KpiSnapshot | None
    rate: Decimal | None
    figures: dict[str, Decimal | None] = field(default_factory=dict)  # programme currency

    @property
    def figure_list(self) -> list[Decimal | None]:
        """PV, EV, AC, BAC, EAC: the roll-up table's columns."""
        return [self.figures.get(name) for name in ("pv", "ev", "ac", "bac", "eac")]

    @property
    def converted(self) -> bool:
        return self.rate is not None

    @property
    def health(self) -> str:
        return self.snapshot.health if self.snapshot else ""


@dataclass
class Rollup:
    programme: Programme
    as_of: datetime.date
    rows: list[ProgrammeRow]
    totals: dict[str, Decimal]
    spi: Decimal | None
    cpi: Decimal | None
    missing_rates: list[str]  # currencies without a rate to the programme's
    counted: int  # projects in the sums
    milestones: list[Task]
    risks: list[Risk]

    @property
    def health_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            counts[row.health or "none"] += 1
        return dict(counts)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def programme_rollup(
    programme: Programme, user: AbstractBaseUser, *, as_of: datetime.date
) -> Rollup:
    """The roll-up on ``as_of`` (rates effective that day; each project's latest snapshot).
    Five queries whatever the number of projects."""
    latest = KpiSnapshot.objects.filter(project=OuterRef("pk")).order_by("-as_of")
    projects = list(
        programme_projects(programme).annotate(snapshot_pk=Subquery(latest.values("pk")[:1]))
    )
    snapshots = KpiSnapshot.objects.in_bulk([p.snapshot_pk for p in projects if p.snapshot_pk])
    visible_ids = set(projects_for(user).filter(programme=programme).values_list("pk", flat=True))
    rates = Rates({p.currency for p in projects}, programme.currency, as_of)

    rows: list[ProgrammeRow] = []
    totals = {name: Decimal(0) for name in FIGURES}
    missing: set[str] = set()
    counted = 0
    for project in projects:
        snapshot = snapshots.get(project.snapshot_pk)
        rate = rates.rate(project.currency)
        row = ProgrammeRow(project, project.pk in visible_ids, snapshot, rate)
        if rate is None:
            missing.add(project.currency)
        for name in FIGURES:
            value = getattr(snapshot, name) if snapshot else None
            row.figures[name] = (
                (value * rate).quantize(CENT, rounding=ROUND_HALF_UP)
                if value is not None and rate is not None
                else None
            )
        if rate is not None and snapshot is not None:
            counted += 1
            for name in FIGURES:
                totals[name] += row.figures[name] or Decimal(0)
        rows.append(row)

    milestones = list(
        Task.objects.filter(project_id__in=visible_ids, duration=0)
        .exclude(status=Task.Status.DONE)
        .exclude(project__stage=Project.Stage.CLOSED)
        .select_related("project")
        .order_by("finish_date", "project__key", "id")[:MILESTONES_SHOWN]
    )
    risks = list(
        Risk.objects.filter(project_id__in=visible_ids)
        .live()
        .exclude(project__stage=Project.Stage.CLOSED)
        .select_related("project")
        .order_by("-score", "project__key", "id")[:RISKS_SHOWN]
    )
    return Rollup(
        programme=programme,
        as_of=as_of,
        rows=rows,
        totals=totals,
        spi=_ratio(totals["ev"], totals["pv"]),
        cpi=_ratio(totals["ev"], totals["ac"]),
        missing_rates=sorted(missing),
        counted=counted,
        milestones=milestones,
        risks=risks,
    )


# --- the programme's finish distribution ---------------------------------------------------------

FORECAST_PERCENTILES = (50, 80, 90)


@dataclass
class ProgrammeForecast:
    """When the whole programme finishes (its last project).

    Projects with no dependency between them finish independently: the chance that all have
    finished by a day is the product of each one's chance, from each project's latest finished
    Monte Carlo forecast (its s-curve). Projects that wait for each other (``linked``) are
    simulated together instead, as one network on the worker
    (``risks.services.programme_forecast``), so a shared predecessor's slip moves them all in
    the same run; their joint s-curve then stands for them in the product. Until that joint run
    is ready (``pending``), their own curves are used as if independent.

    ``p_all_targets`` is the product of each project's chance of meeting its own target: exact
    for independent projects, and a lower bound when some are linked (``p_all_at_least``):
    finishing on time is more likely together when the projects slip together.
    Projects without a forecast are listed in ``missing`` and left out (unless a joint run
    covers them): the figures then speak for the others only."""

    curve: list[tuple[datetime.date, float]]  # (day, % of the programme finished by then)
    percentiles: dict[int, datetime.date]
    covered: list[str]
    missing: list[str]
    p_all_targets: float | None
    linked: list[list[str]] = field(default_factory=list)
    pending: list[list[str]] = field(default_factory=list)

    @property
    def p_all_at_least(self) -> bool:
        return bool(self.linked or self.pending)


def _step(curve: list[tuple[datetime.date, float]], day: datetime.date) -> float:
    """A project's share (0–1) of runs finished by ``day``: its s-curve's last point on or
    before it (0 before the first, 1 after the last)."""
    share = 0.0
    for point, percent in curve:
        if point > day:
            break
        share = percent / 100
    return share


def programme_forecast(programme: Programme) -> ProgrammeForecast:
    """Two queries, one more for the links between the projects and one per linked group
    (its joint run is read from the cache, or queued)."""
    latest = ForecastRun.objects.filter(
        project=OuterRef("pk"), status=ForecastRun.Status.DONE
    ).order_by("-created_at", "-id")
    projects = list(
        programme_projects(programme)
        .exclude(stage=Project.Stage.CLOSED)
        .annotate(run_pk=Subquery(latest.values("pk")[:1]))
        .values_list("pk", "key", "run_pk")
    )
    runs = {
        pk: (curve or [], chance)
        for pk, curve, chance in ForecastRun.objects.filter(
            pk__in=[run for _, _, run in projects if run]
        ).values_list("pk", "results__s_curve", "p_target_finish")
    }
    keys = {pk: key for pk, key, _ in projects}
    run_of = {pk: run for pk, _, run in projects}
    curves: list[list[tuple[datetime.date, float]]] = []
    covered, missing, chances = [], [], []
    linked, pending = [], []
    joint: set[int] = set()
    for group in linked_groups(keys):
        curve = cached_group_curve(group, group_key(group, run_of))
        names = [keys[pk] for pk in group]
        if curve is None:
            pending.append(names)
            continue
        linked.append(names)
        joint.update(group)
        curves.append(curve)
        covered += names
    for pk, key, run in projects:
        points, chance = runs.get(run, ([], None))
        if pk not in joint:
            if not points:
                missing.append(key)
                continue
            covered.append(key)
            curves.append(
                [(datetime.date.fromisoformat(p["date"]), float(p["percent"])) for p in points]
            )
        if points:
            chances.append(chance)
    days = sorted({day for curve in curves for day, _ in curve})
    combined: list[tuple[datetime.date, float]] = []
    for day in days:
        share = 1.0
        for curve in curves:
            share *= _step(curve, day)
        combined.append((day, round(share * 100, 2)))
    percentiles = {}
    for wanted in FORECAST_PERCENTILES:
        reached = next((day for day, percent in combined if percent >= wanted), None)
        if reached is not None:
            percentiles[wanted] = reached
    p_all = None
    if chances and all(chance is not None for chance in chances):
        p_all = 1.0
        for chance in chances:
            p_all *= chance
    return ProgrammeForecast(
        combined, percentiles, sorted(covered), missing, p_all, linked=linked, pending=pending
    )
