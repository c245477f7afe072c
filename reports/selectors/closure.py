"""Reads of closure (DESIGN §4 "Closure"): the computed checklist items, the final review and the
closure report, each in a fixed number of queries whatever the size of the project.

Computed items are decided by Charter from the project's data, never ticked by people. A rule
returns whether it holds and a sentence that names what is still open, so the manager can act:
"2 deliverables not accepted: Runbook, DR test".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from budgets import selectors as budget_selectors
from budgets.models import Commitment
from projects.models import ChangeRequest, Deliverable, Objective, Project
from projects.selectors import change_log_totals
from reports.models import Closure, ClosureItem, PostImplementationReview
from risks.models import Issue
from scheduling import selectors as schedule_selectors
from scheduling.models import Task
from scheduling.services import work_calendar

NAMES_SHOWN = 5  # a sentence names at most this many records, then "and N more"


@dataclass(frozen=True)
class RuleResult:
    done: bool
    sentence: str


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _percent(task: Task) -> str:
    return f"{task.name} ({task.percent_complete} %)"


def _work_complete(project: Project, item: ClosureItem | None = None) -> RuleResult:
    """Every task done (status done or 100 %), or the work left cancelled by a manager: a
    manager's cancellation (the item's tick, with the reason as its note) covers the tasks that
    existed then; one added since and not complete opens the item again."""
    tasks = list(
        Task.objects.for_project(project)
        .in_plan_order()
        .only("name", "percent_complete", "status", "created_at")
    )
    unfinished = [t for t in tasks if t.status != Task.Status.DONE and t.percent_complete < 100]
    if not tasks:
        return RuleResult(True, "No tasks are recorded.")
    if not unfinished:
        return RuleResult(True, f"All {_plural(len(tasks), 'task', 'tasks')} complete.")
    cancelled = item is not None and item.done and item.done_at is not None
    if cancelled:
        added = [t for t in unfinished if t.created_at > item.done_at]
        if not added:
            by = item.done_by
            who = f" by {by.get_full_name() or by.get_username()}" if by else ""
            day = item.done_at.astimezone(project.zone)
            return RuleResult(
                True,
                f"Work left cancelled{who} on {day.day} {day:%b %Y}: {item.note} "
                f"({_plural(len(unfinished), 'task', 'tasks')} not complete: "
                f"{_names([_percent(t) for t in unfinished])}).",
            )
        return RuleResult(
            False,
            f"{_plural(len(added), 'task', 'tasks')} added since the work left was cancelled "
            f"not complete: {_names([_percent(t) for t in added])}.",
        )
    return RuleResult(
        False,
        f"{_plural(len(unfinished), 'task', 'tasks')} not complete: "
        f"{_names([_percent(t) for t in unfinished])}. Finish them, or a manager cancels the "
        "work left, saying why.",
    )


def _deliverables_accepted(project: Project, item: ClosureItem | None = None) -> RuleResult:
    rows = list(
        Deliverable.objects.filter(project=project)
        .order_by("due_date", "id")
        .values_list("name", "status")
    )
    open_names = [name for name, status in rows if status != Deliverable.Status.ACCEPTED]
    if not rows:
        return RuleResult(True, "No deliverables are recorded.")
    if not open_names:
        count = _plural(len(rows), "deliverable", "deliverables")
        return RuleResult(True, f"All {count} accepted.")
    return RuleResult(
        False,
        f"{_plural(len(open_names), 'deliverable', 'deliverables')} not accepted: "
        f"{_names(open_names)}.",
    )


def _issues_closed(project: Project, item: ClosureItem | None = None) -> RuleResult:
    rows = list(
        Issue.objects.for_project(project)
        .unresolved()
        .order_by("number")
        .values_list("number", "title")
    )
    if not rows:
        return RuleResult(True, "No open issues in the issue log.")
    return RuleResult(
        False,
        f"{_plural(len(rows), 'issue', 'issues')} still open: "
        f"{_names([f'I-{n} {title}' for n, title in rows])}.",
    )


def _change_requests_decided(project: Project, item: ClosureItem | None = None) -> RuleResult:
    rows = list(
        ChangeRequest.objects.filter(project=project, status=ChangeRequest.Status.SUBMITTED)
        .order_by("number")
        .values_list("number", "title")
    )
    if not rows:
        return RuleResult(True, "No change request is waiting for a decision.")
    return RuleResult(
        False,
        f"{_plural(len(rows), 'change request', 'change requests')} waiting for a decision: "
        f"{_names([f'CR-{n:03d} {title}' for n, title in rows])}.",
    )


def _commitments_closed(project: Project, item: ClosureItem | None = None) -> RuleResult:
    rows = list(
        Commitment.objects.filter(project=project, status=Commitment.Status.OPEN)
        .order_by("date", "id")
        .values_list("reference", "vendor", "amount")
    )
    if not rows:
        return RuleResult(True, "No open purchase orders or contracts.")
    labels = [ref or vendor or f"{amount} {project.currency}" for ref, vendor, amount in rows]
    return RuleResult(
        False,
        f"{_plural(len(rows), 'purchase order or contract', 'purchase orders or contracts')} "
        f"still open: {_names(labels)}.",
    )


# The rules Charter can check itself, by the name stored in ClosureItem.rule; each reads the
# project (and its item, where a manager's decision on it counts).
RULES: dict[str, Callable[[Project, ClosureItem | None], RuleResult]] = {
    "work_complete": _work_complete,
    "deliverables_accepted": _deliverables_accepted,
    "issues_closed": _issues_closed,
    "change_requests_decided": _change_requests_decided,
    "commitments_closed": _commitments_closed,
}


def evaluate_rule(project: Project, rule: str, item: ClosureItem | None = None) -> RuleResult:
    check = RULES.get(rule)
    if check is None:  # a rule renamed since the item was created: say so rather than fail
        return RuleResult(False, f"Unknown rule “{rule}”; tick by hand is not possible.")
    return check(project, item)


@dataclass
class ChecklistRow:
    item: ClosureItem
    done: bool
    sentence: str

    @property
    def is_computed(self) -> bool:
        return self.item.is_computed


def checklist(closure: Closure) -> list[ChecklistRow]:
    """The closure's items with the computed ones decided now (one query for the items, one per
    rule in use: at most six)."""
    items = list(closure.items.select_related("done_by").order_by("position", "id"))
    results = {
        item.rule: evaluate_rule(closure.project, item.rule, item) for item in items if item.rule
    }
    rows = []
    for item in items:
        if item.rule:
            result = results[item.rule]
            rows.append(ChecklistRow(item, result.done, result.sentence))
        else:
            rows.append(ChecklistRow(item, item.done, item.note))
    return rows


def open_items(rows: list[ChecklistRow]) -> list[ChecklistRow]:
    return [row for row in rows if not row.done]


# --- final review ---------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def objective_met(objective: Objective) -> bool | None:
    """Met when the achieved value reached the target in the direction it had to move (a target
    below the baseline is a reduction); None when a value is missing (nothing to compare)."""
    if objective.status == Objective.Status.ACHIEVED:
        return True
    target, achieved = objective.target_value, objective.achieved_value
    if target is None or achieved is None:
        return None if objective.status != Objective.Status.MISSED else False
    baseline = objective.baseline_value
    if baseline is not None and target < baseline:
        return achieved <= target
    return achieved >= target


def _schedule(project: Project) -> dict[str, Any]:
    tasks = Task.objects.filter(project=project).aggregate(
        finish=Max("finish_date"),
        actual=Max("actual_finish"),
        total=Count("id"),
        unfinished=Count("id", filter=Q(actual_finish__isnull=True)),
    )
    baseline = schedule_selectors.performance_baseline(project)
    baseline_finish = baseline.finish_date if baseline else None
    finished = bool(tasks["total"]) and tasks["unfinished"] == 0
    finish = tasks["actual"] if finished else tasks["finish"]
    slip = None
    if baseline_finish and finish:
        calendar = work_calendar(project)
        slip = calendar.date_to_index(finish) - calendar.date_to_index(baseline_finish)
    return {
        "finish": _iso(finish),
        "finish_is_actual": finished,
        "baseline_name": baseline.name if baseline else None,
        "baseline_finish": _iso(baseline_finish),
        "target_finish": _iso(project.target_finish),
        "slip_days": slip,
    }


def final_review(project: Project, *, as_of: datetime.date, narrative: str = "") -> dict[str, Any]:
    """Objectives target vs achieved, finish and cost against the performance baseline, scope
    delivered, the change log in sum, and the narrative: plain JSON values (money as strings), so
    the same dict is frozen into the closure report and rendered by the page and the PDF."""
    objectives = []
    for o in Objective.objects.filter(project=project).order_by("position", "id"):
        objectives.append(
            {
                "id": o.pk,
                "description": o.description,
                "measure": o.measure,
                "unit": o.unit,
                "baseline": _money(o.baseline_value),
                "target": _money(o.target_value),
                "achieved": _money(o.achieved_value),
                "status": o.get_status_display(),
                "met": objective_met(o),
            }
        )
    value = budget_selectors.evm_for(project, as_of)
    scope = Deliverable.objects.filter(project=project).aggregate(
        total=Count("id"), accepted=Count("id", filter=Q(status=Deliverable.Status.ACCEPTED))
    )
    changes = change_log_totals(project)
    rejected = ChangeRequest.objects.filter(
        project=project, status=ChangeRequest.Status.REJECTED
    ).count()
    return {
        "as_of": as_of.isoformat(),
        "currency": project.currency,
        "objectives": objectives,
        "objectives_met": sum(1 for o in objectives if o["met"]),
        "schedule": _schedule(project),
        "cost": {
            "bac": _money(value.bac),
            "ac": _money(value.ac),
            "eac": _money(value.eac),
            "vac": _money(value.vac),
            "cpi": None if value.cpi is None else str(value.cpi),
            "spi": None if value.spi is None else str(value.spi),
        },
        "scope": {"deliverables_total": scope["total"], "deliverables_accepted": scope["accepted"]},
        "changes": {
            "total": changes["total"],
            "approved": changes["approved"],
            "rejected": rejected,
            "pending": changes["pending"],
            "approved_cost": _money(changes["cost"]),
            "approved_days": changes["schedule"],
        },
        "narrative": narrative,
    }


def closure_report(closure: Closure, *, as_of: datetime.date) -> dict[str, Any]:
    """The closure report as it stands now (the checklist decided now, the final review): what
    submission freezes into ``Closure.report``."""
    project = closure.project
    return {
        "project": {
            "key": project.key,
            "name": project.name,
            "type": project.get_type_display(),
            "methodology": project.get_methodology_display(),
            "sponsor": project.sponsor,
            "start_date": _iso(project.start_date),
        },
        "checklist": [
            {
                "title": row.item.title,
                "computed": row.is_computed,
                "done": row.done,
                "detail": row.sentence,
                "done_by": (
                    (row.item.done_by.get_full_name() or row.item.done_by.get_username())
                    if row.item.done_by and not row.is_computed
                    else ""
                ),
            }
            for row in checklist(closure)
        ],
        "review": final_review(project, as_of=as_of, narrative=closure.narrative),
    }


def report_of(closure: Closure, *, as_of: datetime.date) -> tuple[dict[str, Any], bool]:
    """What the report page shows: the frozen report once submitted (what the sponsor approves),
    else the live one; and whether it is frozen."""
    if closure.status != Closure.Status.OPEN and closure.report:
        return closure.report, True
    return closure_report(closure, as_of=as_of), False


def closure_of(project: Project) -> Closure | None:
    return (
        Closure.objects.select_related("project", "started_by", "approval__approver")
        .filter(project=project)
        .first()
    )


def reopen_records(project: Project) -> QuerySet:
    """The project's reopenings, newest first: history rows whose reason says "Reopened"."""
    return (
        Project.history.filter(id=project.pk, history_change_reason__startswith="Reopened")
        .select_related("history_user")
        .order_by("-history_date")
    )


def review_of(project: Project) -> PostImplementationReview | None:
    return (
        PostImplementationReview.objects.select_related("recorded_by")
        .prefetch_related("benefits")
        .filter(project=project)
        .first()
    )


def benefit_rows(project: Project, review: PostImplementationReview | None) -> list[dict]:
    """Each objective with its target and the value realised at the review (two queries)."""
    realised = {b.objective_id: b for b in (review.benefits.all() if review else [])}
    return [
        {"objective": o, "benefit": realised.get(o.pk)}
        for o in Objective.objects.filter(project=project).order_by("position", "id")
    ]
