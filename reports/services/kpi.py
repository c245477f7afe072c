"""Computing KPI snapshots and health (the numbers of DESIGN §4 "KPIs, health and reports").

``kpi_snapshot_refresh`` is what the Celery tasks call; it writes with an upsert on
``(project, as_of)``, so running it twice for a day changes nothing but the time it was computed.
``kpi_snapshot_backfill`` rebuilds past week ends from the history tables (the demo's trends).
``kpi_refresh_soon`` is how a change asks for one (the receivers in ``reports.receivers.kpi``
call it): after the commit, at most once per project per ``KPI_REFRESH_DEBOUNCE`` seconds.
"""

from __future__ import annotations

import datetime
import logging
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce

from budgets import evm
from budgets import selectors as budget_selectors
from budgets.models import CostEntry, TimeEntry
from projects.events import record_event
from projects.models import ChangeRequest, Deliverable, Project
from projects.queue import enqueue
from reports import health
from reports.models import HealthThresholds, KpiSnapshot
from risks import selectors as risk_selectors
from risks.models import LIVE_STATUSES, Issue, Kind, Level, Risk
from scheduling import engine
from scheduling import services as schedule_services
from scheduling.crossproject import start_no_earlier
from scheduling.models import Baseline, Dependency, Task

logger = logging.getLogger(__name__)

REFRESH_TASK = "reports.tasks.kpi.refresh_kpi_snapshot"
DUE_SOON_DAYS = 14
ZERO = Decimal("0.00")
ACCEPTED = Deliverable.Status.ACCEPTED
REJECTED = Deliverable.Status.REJECTED


def refresh_key(project_id: int) -> str:
    """The cache key that holds a project's refresh window while a refresh is queued."""
    return f"kpi-refresh:{project_id}"


def kpi_refresh_soon(*, project_id: int) -> None:
    """Queue a refresh of the project's snapshot for when the current transaction commits.

    Nothing is queued for a change that rolls back, and one transaction asks once per project
    however many rows it writes. With a window (``KPI_REFRESH_DEBOUNCE`` seconds, the full
    stack's default) the first committed change opens it (``cache.add``: atomic in Redis, so one
    web or worker process wins) and queues the refresh to run when it closes; later changes in
    the window queue nothing, as the refresh will read them too: a burst of 500 task edits costs
    one snapshot. Without one (0, the embedded default, where tasks run in-process and a
    countdown could not wait) the refresh runs right after each committing transaction.
    """
    alias = transaction.get_connection().alias
    asked = _asked_in_transaction(alias)
    request = asked.get(project_id)
    if request is not None and not request.done:
        return  # this transaction already asks for it
    request = _RefreshRequest()
    asked[project_id] = request

    def refresh() -> None:
        request.done = True
        if asked.get(project_id) is request:
            del asked[project_id]
        _queue_refresh(project_id)

    # The callback is the only strong reference to ``request``: when a rollback (of the
    # transaction or of the savepoint it was asked in) discards the callback, ``request`` goes
    # too and drops out of ``asked``, so the next change asks again.
    transaction.on_commit(refresh, robust=True)


class _RefreshRequest:
    """A refresh one transaction asked for, until its commit queues it (``done``)."""

    __slots__ = ("done", "__weakref__")

    def __init__(self) -> None:
        self.done = False


# Per thread (Django's connections are), per database alias: the refreshes the open
# transaction asked for, held weakly (see ``kpi_refresh_soon``).
_asked = threading.local()


def _asked_in_transaction(alias: str) -> weakref.WeakValueDictionary[int, _RefreshRequest]:
    by_alias = getattr(_asked, "by_alias", None)
    if by_alias is None:
        by_alias = _asked.by_alias = {}
    return by_alias.setdefault(alias, weakref.WeakValueDictionary())


def _queue_refresh(project_id: int) -> None:
    window = settings.KPI_REFRESH_DEBOUNCE
    if window <= 0:
        enqueue(REFRESH_TASK, project_id)
    elif _window_opens(project_id, window):
        enqueue(REFRESH_TASK, project_id, countdown=window)


def _window_opens(project_id: int, window: int) -> bool:
    """Open the project's refresh window; False when one is already open. A cache that cannot
    answer opens it: a refresh too many costs less than one lost."""
    try:
        return cache.add(refresh_key(project_id), True, timeout=window)
    except Exception:
        logger.warning("KPI refresh of project %s: the cache is unreachable.", project_id)
        return True


def thresholds_for(project: Project) -> health.Thresholds:
    """The project's health thresholds, or DESIGN's defaults when it has none."""
    return HealthThresholds.rules_for(project)


def _schedule_numbers(project: Project, as_of: datetime.date) -> dict:
    """Progress, forecast, slip, milestones and overdue work: two queries (four when there is
    a performance baseline to measure the slip against, on the project's calendar)."""
    soon = as_of + datetime.timedelta(days=DUE_SOON_DAYS)
    unfinished = ~Q(status=Task.Status.DONE)
    open_milestone = unfinished & Q(duration=0)
    counts = Task.objects.filter(project=project).aggregate(
        # % complete weighted by duration, as the WBS roll-up weighs it.
        worked=Coalesce(Sum(F("duration") * F("percent_complete")), 0),
        days=Coalesce(Sum("duration"), 0),
        forecast=Max("finish_date"),
        missed=Count("id", filter=open_milestone & Q(finish_date__lt=as_of)),
        due=Count("id", filter=open_milestone & Q(finish_date__gte=as_of, finish_date__lte=soon)),
        overdue=Count("id", filter=unfinished & Q(duration__gt=0, finish_date__lt=as_of)),
    )
    percent = (
        (Decimal(counts["worked"]) / Decimal(counts["days"])).quantize(Decimal("0.1"))
        if counts["days"]
        else None
    )
    forecast = counts["forecast"]
    baseline = Baseline.objects.filter(project=project, is_performance=True).first()
    slip = None
    if baseline and baseline.finish_date and forecast:
        calendar = schedule_services.work_calendar(project)
        slip = calendar.date_to_index(forecast) - calendar.date_to_index(baseline.finish_date)
    return {
        "percent_complete": percent,
        "forecast_finish": forecast,
        "baseline_finish": baseline.finish_date if baseline else None,
        "finish_slip_days": slip,
        "milestones_missed": counts["missed"],
        "milestones_due_14d": counts["due"],
        "overdue_tasks": counts["overdue"],
    }


def _risk_numbers(project: Project) -> tuple[dict[str, int], Decimal]:
    """Live risks by level and the exposure (Σ EMV, threats and opportunities, as
    ``risks.selectors.risk_exposure`` sums them): one query."""
    totals = (
        Risk.objects.filter(project=project)
        .live()
        .aggregate(
            threats=Sum("emv", filter=Q(kind=Kind.THREAT), default=ZERO),
            opportunities=Sum("emv", filter=Q(kind=Kind.OPPORTUNITY), default=ZERO),
            **{level.value: Count("id", filter=Q(level=level)) for level in Level},
        )
    )
    # SQLite sums decimals as floats: amounts are kept in cents.
    exposure = Decimal(totals["threats"]).quantize(ZERO) + Decimal(
        totals["opportunities"]
    ).quantize(ZERO)
    return {level.value: totals[level.value] for level in Level}, exposure


def kpi_snapshot_refresh(*, project: Project, as_of: datetime.date) -> KpiSnapshot:
    """Compute the project's KPIs and health at ``as_of`` and store them as that day's snapshot.

    About twenty queries whatever the project's size, half of them earned value (from
    ``budgets.selectors``); the snapshot is written with one upsert. A closed project's final
    snapshot (frozen at sign-off; for one closed before snapshots were frozen, its latest) is
    returned as it is: nothing recomputes a closed project."""
    if project.is_closed:
        frozen = KpiSnapshot.objects.filter(project=project).order_by("-is_final", "-as_of").first()
        if frozen is not None:
            return frozen
    scope = Deliverable.objects.filter(project=project).aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(status=ACCEPTED)),
        rejected=Count("id", filter=Q(status=REJECTED)),
        overdue=Count("id", filter=Q(due_date__lt=as_of) & ~Q(status=ACCEPTED)),
    )
    risks, exposure = _risk_numbers(project)
    numbers = _Numbers(
        value=budget_selectors.evm_for(project, as_of),
        schedule=_schedule_numbers(project, as_of),
        risks=risks,
        exposure=exposure,
        open_issues=Issue.objects.filter(project=project).unresolved().count(),
        pending=ChangeRequest.objects.filter(
            project=project, status=ChangeRequest.Status.SUBMITTED
        ).count(),
        scope=scope,
        chances=risk_selectors.forecast_chances(project),
    )
    latest = (
        KpiSnapshot.objects.filter(project=project)
        .order_by("-as_of")
        .values_list("as_of", "health")
        .first()
    )
    snapshot = _store(project, as_of, numbers, thresholds_for(project))
    _record_health_change(project, snapshot, latest)
    return snapshot


def _record_health_change(
    project: Project, snapshot: KpiSnapshot, latest: tuple[datetime.date, str] | None
) -> None:
    """Tell the event source when the project's current health changed colour: the snapshot of
    the latest day (or a later one) against the latest before it. A first snapshot, and a
    refresh of a past day, change nothing anyone reads as "now"."""
    if latest is None or snapshot.as_of < latest[0] or latest[1] == snapshot.health:
        return
    record_event(
        "health.changed",
        project=project,
        target=project,
        data={
            "from": latest[1],
            "to": snapshot.health,
            "as_of": snapshot.as_of,
            "reason": (snapshot.health_reasons or {}).get("overall", ""),
        },
    )


def kpi_snapshot_freeze(*, project: Project, as_of: datetime.date) -> KpiSnapshot:
    """The project's final snapshot, at sign-off: its figures at ``as_of``, marked final (the
    one final snapshot of the project). Called in the sign-off's transaction."""
    kpi_snapshot_thaw(project=project)
    snapshot = kpi_snapshot_refresh(project=project, as_of=as_of)
    KpiSnapshot.objects.filter(pk=snapshot.pk).update(is_final=True)
    snapshot.is_final = True
    return snapshot


def kpi_snapshot_thaw(*, project: Project) -> None:
    """A reopened project's final snapshot becomes an ordinary one, refreshed again."""
    KpiSnapshot.objects.filter(project=project, is_final=True).update(is_final=False)


@dataclass(frozen=True)
class _Numbers:
    """What a snapshot is made of, before health is judged on it."""

    value: evm.EarnedValue
    schedule: dict[str, Any]
    risks: dict[str, int]
    exposure: Decimal
    open_issues: int
    pending: int
    scope: dict[str, int]  # total, accepted, rejected, overdue
    # The latest forecast's p_target_finish and p_budget (None: none, or not measured then).
    chances: dict[str, float | None] = field(default_factory=dict)


def _target_slip(
    project: Project, forecast: datetime.date | None, calendar: engine.WorkCalendar | None
) -> int | None:
    """Working days from the target finish to the forecast finish (> 0: late). A target on a
    day off counts from the working day before it: finishing the next working day is late."""
    if forecast is None or project.target_finish is None:
        return None
    calendar = calendar or schedule_services.work_calendar(project)
    return calendar.date_to_index(forecast) - calendar.last_index_on_or_before(
        project.target_finish
    )


def _store(
    project: Project,
    as_of: datetime.date,
    numbers: _Numbers,
    thresholds: health.Thresholds,
    calendar: engine.WorkCalendar | None = None,
) -> KpiSnapshot:
    value, schedule, scope = numbers.value, numbers.schedule, numbers.scope
    forecast = schedule["forecast_finish"]
    rating = health.assess(
        health.HealthInput(
            spi=value.spi,
            cpi=value.cpi,
            finish_slip_days=schedule["finish_slip_days"],
            forecast_finish=forecast,
            target_finish=project.target_finish,
            target_slip_days=_target_slip(project, forecast, calendar),
            p_target_finish=numbers.chances.get("p_target_finish"),
            milestones_missed=schedule["milestones_missed"],
            open_risks_by_level=numbers.risks,
            overdue_deliverables=scope["overdue"],
            rejected_deliverables=scope["rejected"],
            pending_change_requests=numbers.pending,
            currency=project.currency,
        ),
        thresholds,
    )
    values = {
        **schedule,
        "bac": value.bac,
        "pv": value.pv,
        "ev": value.ev,
        "ac": value.ac,
        "sv": value.sv,
        "cv": value.cv,
        "spi": value.spi,
        "cpi": value.cpi,
        "eac": value.eac,
        "vac": value.vac,
        "p_target_finish": numbers.chances.get("p_target_finish"),
        "p_budget": numbers.chances.get("p_budget"),
        "open_risks_by_level": numbers.risks,
        "risk_exposure": numbers.exposure,
        "open_issues": numbers.open_issues,
        "pending_change_requests": numbers.pending,
        "deliverables_accepted": scope["accepted"],
        "deliverables_total": scope["total"],
        "health": rating.overall.rag.name.lower(),
        "health_schedule": rating.dimensions["schedule"].rag.name.lower(),
        "health_cost": rating.dimensions["cost"].rag.name.lower(),
        "health_scope": rating.dimensions["scope"].rag.name.lower(),
        "health_risk": rating.dimensions["risk"].rag.name.lower(),
        "health_reasons": {
            "overall": rating.overall.reason,
            **{name: r.reason for name, r in rating.dimensions.items()},
        },
    }
    # One INSERT … ON CONFLICT DO UPDATE on the (project, as_of) constraint: the same row as
    # update_or_create leaves, in one statement instead of a locked read and a write.
    snapshot = KpiSnapshot(project=project, as_of=as_of, **values)
    KpiSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["project", "as_of"],
        update_fields=[*values, "computed_at"],
    )
    if snapshot.pk is None:  # a database that cannot return it from an upsert
        snapshot.pk = KpiSnapshot.objects.values_list("pk", flat=True).get(
            project=project, as_of=as_of
        )
    return snapshot


# --- history: past snapshots from what was recorded then ----------------------------------------


@dataclass(frozen=True)
class _PastValue:
    """Earned value of a past day (the fields a snapshot keeps)."""

    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    vac: Decimal | None


def _past_value(bac: Decimal, pv: Decimal, ev: Decimal, ac: Decimal) -> _PastValue:
    """DESIGN §4's measures from BAC, PV, EV and AC, rounded as ``budgets.evm`` rounds them
    (EAC = BAC × AC / EV exactly, then to the cent); a zero denominator gives None."""
    spi = None if pv == 0 else Fraction(ev) / Fraction(pv)
    cpi = None if ac == 0 else Fraction(ev) / Fraction(ac)
    eac = None if not cpi else Fraction(bac) / cpi
    return _PastValue(
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=ev - pv,
        cv=ev - ac,
        spi=None if spi is None else evm.round_ratio(spi),
        cpi=None if cpi is None else evm.round_ratio(cpi),
        eac=None if eac is None else evm.round_money(eac),
        vac=None if eac is None else evm.round_money(Fraction(bac) - eac),
    )


def _replay(rows: Iterable[tuple], cutoffs: Sequence[datetime.datetime]) -> list[dict[int, tuple]]:
    """Each record's state at each cutoff, from history rows ``(id, when, type, *values)``
    ordered by time: the values of its latest row before the cutoff, absent once deleted."""
    states: list[dict[int, tuple]] = []
    state: dict[int, tuple] = {}
    changes = iter(rows)
    pending = next(changes, None)
    for cutoff in cutoffs:
        while pending is not None and pending[1] < cutoff:
            if pending[2] == "-":
                state.pop(pending[0], None)
            else:
                state[pending[0]] = pending[3:]
            pending = next(changes, None)
        states.append(dict(state))
    return states


def _history(model: type, project: Project, until: datetime.datetime, *fields: str) -> list:
    return list(
        model.history.filter(project_id=project.pk, history_date__lt=until)
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "history_type", *fields)
    )


def _past_schedule(
    day: datetime.date,
    tasks: list[dict[str, Any]],
    progress: dict[int, tuple],
    links: list[engine.LinkInput],
    calendar: engine.WorkCalendar,
    baseline: Baseline | None,
) -> dict[str, Any]:
    """The schedule KPIs of ``day``: the engine rerun with the actuals reported by then."""
    inputs, state = [], {}
    for t in tasks:
        percent, status, actual_start, actual_finish = progress.get(
            t["id"], (0, Task.Status.NOT_STARTED, None, None)
        )
        state[t["id"]] = (percent, status)
        first, last = calendar.actual_indexes(actual_start, actual_finish)
        inputs.append(
            engine.TaskInput(
                id=t["id"],
                duration=t["duration"],
                constraint=start_no_earlier(
                    calendar,
                    t["constraint_date"],
                    t["external_start"],
                    t["external_finish"],
                    t["duration"],
                ),
                deadline=calendar.last_index_on_or_before(t["deadline"]) if t["deadline"] else None,
                actual_start=first,
                actual_finish=last,
            )
        )
    result = engine.compute_schedule(inputs, links) if inputs else None
    finish: dict[int, datetime.date] = {}
    for t in tasks:
        computed = result.tasks[t["id"]]
        finish[t["id"]] = calendar.shown_dates(computed.early_start, computed.early_finish)[1]
    duration = sum(t["duration"] for t in tasks)
    progress_days = sum(t["duration"] * state[t["id"]][0] for t in tasks)
    soon = day + datetime.timedelta(days=DUE_SOON_DAYS)
    open_ids = [t for t in tasks if state[t["id"]][1] != Task.Status.DONE]
    forecast = max(finish.values(), default=None)
    slip = None
    if baseline and baseline.finish_date and forecast:
        slip = calendar.date_to_index(forecast) - calendar.date_to_index(baseline.finish_date)
    return {
        "percent_complete": (Decimal(progress_days) / Decimal(duration)).quantize(Decimal("0.1"))
        if duration
        else None,
        "forecast_finish": forecast,
        "baseline_finish": baseline.finish_date if baseline else None,
        "finish_slip_days": slip,
        "milestones_missed": sum(
            1 for t in open_ids if t["duration"] == 0 and finish[t["id"]] < day
        ),
        "milestones_due_14d": sum(
            1 for t in open_ids if t["duration"] == 0 and day <= finish[t["id"]] <= soon
        ),
        "overdue_tasks": sum(1 for t in open_ids if t["duration"] > 0 and finish[t["id"]] < day),
    }


def kpi_snapshot_backfill(
    *, project: Project, days: Sequence[datetime.date], today: datetime.date
) -> list[KpiSnapshot]:
    """Snapshots of past week ends (Sundays before ``today``), rebuilt from what the history
    tables had recorded by the end of each day in the project's time zone.

    Taken from the records as they stood that day:

    - progress: each task's latest reported % complete, status, actual start and finish
      (``Task.history``; a task with no report yet counts as not started), hence % complete
      and, with the critical-path engine rerun on those actuals, the forecast finish, its slip,
      the milestones missed and due and the overdue tasks;
    - PV, EV and AC: the budgets app's weekly S-curve (``evm_series``: EV from the same
      progress history, AC from cost entries and logged time dated by then); before the plan's
      first week nothing is planned or earned, and AC is summed here;
    - risks, issues, deliverables and change requests from their history: one not created yet
      is absent, the others count with the status, level, EMV and due date they had then.

    Approximated with today's data, because no history keeps it:

    - the plan's shape (tasks, durations, constraints, deadlines, links, the calendar) and the
      performance baseline (finish date, task budgets and dates behind PV) are today's, as they
      are for the S-curve;
    - BAC is today's approved budget, and the health thresholds are today's;
    - SPI, CPI, EAC, VAC are derived from the S-curve's PV, EV, AC, which are rounded to cents
      (a live snapshot divides unrounded sums: the ratios can differ in the 4th place).

    A day that is not a Sunday, or not before ``today``, is refused (ValueError).
    """
    days = sorted(set(days))
    if any(day.weekday() != 6 or day >= today for day in days):
        raise ValueError("Backfill week ends (Sundays) before today; today is computed live.")
    if not days:
        return []
    zone = project.zone
    cutoffs = [
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
        for day in days
    ]
    until = cutoffs[-1]
    calendar = schedule_services.work_calendar(project)
    tasks = list(
        Task.objects.filter(project=project).values(
            "id", "duration", "constraint_date", "external_start", "external_finish", "deadline"
        )
    )
    links = [
        engine.LinkInput(predecessor=p, successor=s, type=kind, lag=lag)
        for p, s, kind, lag in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    ]
    baseline = Baseline.objects.filter(project=project, is_performance=True).first()
    progress = _replay(
        _history(
            Task, project, until, "percent_complete", "status", "actual_start", "actual_finish"
        ),
        cutoffs,
    )
    risks = _replay(_history(Risk, project, until, "status", "level", "emv"), cutoffs)
    issues = _replay(_history(Issue, project, until, "status"), cutoffs)
    deliverables = _replay(_history(Deliverable, project, until, "status", "due_date"), cutoffs)
    changes = _replay(_history(ChangeRequest, project, until, "status"), cutoffs)
    curve = {point.date: point for point in budget_selectors.evm_series(project, today)}
    bac = budget_selectors.evm_for(project, today).bac
    thresholds = thresholds_for(project)

    snapshots = []
    for i, day in enumerate(days):
        point = curve.get(day)
        if point is not None:
            value = _past_value(bac, point.pv, point.ev, point.ac)
        else:  # before the plan's first week
            value = _past_value(bac, ZERO, ZERO, _actual_cost(project, day))
        live_risks = [r for r in risks[i].values() if r[0] in LIVE_STATUSES]
        by_level = {level.value: 0 for level in Level}
        for _, level, _ in live_risks:
            by_level[level] += 1
        scope = {
            "total": len(deliverables[i]),
            "accepted": sum(1 for s, _ in deliverables[i].values() if s == ACCEPTED),
            "rejected": sum(1 for s, _ in deliverables[i].values() if s == REJECTED),
            "overdue": sum(
                1 for s, due in deliverables[i].values() if due and due < day and s != ACCEPTED
            ),
        }
        numbers = _Numbers(
            value=value,
            schedule=_past_schedule(day, tasks, progress[i], links, calendar, baseline),
            risks=by_level,
            exposure=sum((emv for _, _, emv in live_risks), ZERO).quantize(ZERO),
            open_issues=sum(1 for (s,) in issues[i].values() if s in Issue.UNRESOLVED),
            pending=sum(1 for (s,) in changes[i].values() if s == ChangeRequest.Status.SUBMITTED),
            scope=scope,
        )
        snapshots.append(_store(project, day, numbers, thresholds, calendar))
    return snapshots


def _actual_cost(project: Project, day: datetime.date) -> Decimal:
    """AC at ``day``: cost entries (credits subtracted) and logged time dated on or before it."""
    costs = CostEntry.objects.filter(project=project, date__lte=day).aggregate(
        total=Sum(CostEntry.objects.signed_amount(), default=ZERO)
    )["total"]
    time = (
        TimeEntry.objects.filter(project=project, date__lte=day)
        .in_actual_cost()
        .aggregate(total=Sum("cost", default=ZERO))["total"]
    )
    return evm.round_money(Fraction(costs) + Fraction(time))
