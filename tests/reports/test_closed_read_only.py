"""A closed project is read-only for everyone (DESIGN §3): every page and every API route refuses
every write with a 4xx and a clear message, and no row changes, except adding lessons learned, a
manager's reopen, and the post-implementation review (held only after closure).

The routes are collected from the URL resolver and the API router, not listed by hand, so a
write path added later is swept too, and fails here until the table says how to reach it.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from budgets import services as budget_services
from budgets.models import TimesheetPart, TimesheetWeek
from projects import services as project_services
from projects.models import Project, Role
from reports.models import Closure
from risks import services as risk_services
from scheduling import services as scheduling_services
from tests.api import test_access as api_probe
from tests.reports.closure_support import sign_off, sponsor_of

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")

# Writes a closed project accepts (DESIGN §3, §4 "Closure"): lessons learned, reopening, and
# the post-implementation review, which is only ever held after the project closed.
ALLOWED_PAGES = {"reports:closure_reopen", "reports:closure_review"}
ALLOWED_API = {"project-closure-reopen", "project-closure-review"}


def _is_lessons(name: str) -> bool:
    return "lesson" in name


def _page_patterns() -> list[tuple[str, URLPattern]]:
    """Every named page whose URL names a project (``<int:pk>`` under ``projects/``)."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("api", "admin"):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif p.name and "pk" in p.pattern.regex.groupindex:
                route = prefix + str(p.pattern)
                if route.startswith("projects/<int:pk>"):
                    found.append((f"{namespace}:{p.name}", p))

    walk(get_resolver().url_patterns, "", "")
    return found


# The writes a closed project accepts (reopen, the post-implementation review, lessons learned)
# have tests of their own; the sweeps cover every other one.
PAGES = [(n, p) for n, p in _page_patterns() if n not in ALLOWED_PAGES and not _is_lessons(n)]
PAGE_IDS = [name for name, _ in PAGES]
REFUSING_ROUTES = [
    route
    for route in api_probe.SCOPED_ROUTES
    if route.name not in ALLOWED_API and not _is_lessons(route.name)
]


def _manager(project: Project):
    return project.memberships.filter(role=Role.MANAGER).order_by("pk").first().user


def _criterion_of(project: Project) -> dict:
    deliverable = project_services.deliverable_create(
        project=project, by=_manager(project), name="Pilot", criteria=["Signed off"]
    )
    return {"deliverable_pk": deliverable.pk, "criterion_pk": deliverable.criteria.get().pk}


def _holiday_of(project: Project) -> int:
    return scheduling_services.holiday_add(
        project=project, by=_manager(project), date=datetime.date(2026, 12, 25)
    ).pk


def _day_off_of(project: Project) -> dict:
    by = _manager(project)
    resource = budget_services.resource_create(project=project, by=by, name="Dee")
    day = budget_services.day_off_add(resource=resource, by=by, date=datetime.date(2026, 2, 3))
    return {"resource_pk": resource.pk, "day_pk": day.pk}


def _timesheet_part_of(project: Project) -> int:
    """A week a member submitted with hours on ``project``: its part waits for the manager."""
    now = timezone.now()
    week, _ = TimesheetWeek.objects.get_or_create(
        user=_manager(project),
        start=datetime.date(2026, 1, 5),
        defaults={"status": "submitted", "submitted_at": now},
    )
    return TimesheetPart.objects.create(week=week, project=project, submitted_at=now).pk


def _assignment_of(project: Project) -> dict:
    from budgets.models import Assignment

    assignment = Assignment.objects.get(pk=api_probe._assignment_of(project))
    return {"resource_pk": assignment.resource_id, "assignment_pk": assignment.pk}


def _risk_action_of(project: Project) -> dict:
    by = _manager(project)
    risk = risk_services.risk_create(project=project, by=by, title="Vendor slips")
    action = risk_services.risk_action_create(risk=risk, by=by, title="Call them")
    return {"risk_pk": risk.pk, "action_pk": action.pk}


def _status_report_of(project: Project) -> int:
    from reports.services.status import status_report_build

    # A closed project builds no report: build this week's as it stood before it closed.
    stage = project.stage
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSING)
    report = status_report_build(project=Project.objects.get(pk=project.pk), by=_manager(project))
    Project.objects.filter(pk=project.pk).update(stage=stage)
    return report.pk


def _pending_approval_of(project: Project) -> int:
    """A pending approval addressed to the manager (a closed project still has old ones)."""
    from stakeholders.services import approval_request

    by = _manager(project)
    deliverable = project_services.deliverable_create(
        project=project, by=by, name="Runbook", criteria=["Reviewed"]
    )
    for to in ("in_progress", "submitted"):
        deliverable = project_services.deliverable_transition(deliverable=deliverable, by=by, to=to)
    return approval_request(project=project, by=by, subject=deliverable, approver=by).pk


def _closure_item_of(project: Project) -> int:
    closure = Closure.objects.get(project=project)
    return closure.items.filter(rule="").order_by("pk").first().pk


# (namespace, URL argument) → the id of one record of the project (or a dict of arguments that
# belong together, such as a resource and its day off).
ARGUMENTS = {
    ("projects", "membership_pk"): api_probe._member_of,
    ("projects", "invitation_pk"): api_probe._invitation_of,
    ("projects", "objective_pk"): api_probe._objective_of,
    ("projects", "deliverable_pk"): api_probe._deliverable_of,
    ("projects", "criterion_pk"): _criterion_of,
    ("projects", "requirement_pk"): api_probe._requirement_of,
    ("projects", "package_pk"): api_probe._work_package_of,
    ("projects", "change_pk"): api_probe._change_request_of,
    # A record's own history page: the project itself is a record with history.
    ("projects", "model"): lambda p: {"model": "projects.project", "object_pk": p.pk},
    ("scheduling", "task_pk"): api_probe._task_of,
    ("scheduling", "dependency_pk"): api_probe._dependency_of,
    ("scheduling", "link_pk"): api_probe._external_dependency_of,
    ("scheduling", "holiday_pk"): _holiday_of,
    ("scheduling", "baseline_pk"): api_probe._baseline_of,
    ("scheduling", "item_pk"): api_probe._backlog_item_of,
    ("scheduling", "sprint_pk"): api_probe._sprint_of,
    ("scheduling", "phase_pk"): api_probe._phase_of,
    ("stakeholders", "stakeholder_pk"): api_probe._stakeholder_of,
    ("stakeholders", "item_pk"): api_probe._communication_item_of,
    ("stakeholders", "row"): api_probe._raci_row_of,
    ("stakeholders", "meeting_pk"): api_probe._meeting_of,
    ("stakeholders", "decision_pk"): api_probe._decision_of,
    ("stakeholders", "action_pk"): api_probe._action_item_of,
    ("stakeholders", "approval_pk"): _pending_approval_of,
    ("budgets", "line_pk"): api_probe._budget_line_of,
    ("budgets", "entry_pk"): api_probe._cost_entry_of,
    ("budgets", "commitment_pk"): api_probe._commitment_of,
    ("budgets", "resource_pk"): api_probe._resource_of,
    ("budgets", "day_pk"): _day_off_of,
    ("budgets", "assignment_pk"): _assignment_of,
    ("budgets", "part_pk"): _timesheet_part_of,
    ("risks", "risk_pk"): lambda p: api_probe._risk_of(p),
    ("risks", "action_pk"): _risk_action_of,
    ("risks", "issue_pk"): api_probe._issue_of,
    ("risks", "run_pk"): api_probe._forecast_run_of,
    ("reports", "item_pk"): _closure_item_of,
    ("reports", "report_pk"): _status_report_of,
    # A register's file: the name of the register (risks), not a record.
    ("interchange", "register"): lambda p: "risks",
    # A webhook, and a delivery in its log.
    ("interchange", "webhook_pk"): lambda p: api_probe._webhook_delivery_of(p)["webhook_pk"],
    ("interchange", "delivery_pk"): lambda p: {
        "webhook_pk": (made := api_probe._webhook_delivery_of(p))["webhook_pk"],
        "delivery_pk": made["pk"],
    },
    # A file on a record (projects/<pk>/attachments/<attachment_pk>/…).
    ("projects", "attachment_pk"): lambda p: api_probe._attachment_of(p)["pk"],
    # A record's comments: its kind and id, and one comment's id.
    ("projects", "resource"): lambda p: {
        "resource": "requirements",
        "record_pk": (made := api_probe._comment_of(p))["record_pk"],
        "comment_pk": made["pk"],
    },
}


@pytest.fixture
def closed(project, manager, viewer):
    """The project signed off by its sponsor: stage closed, through the real path."""
    sign_off(project, manager, sponsor_of(project, viewer))
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSED
    return project


def page_url(name: str, pattern: URLPattern, project: Project) -> str:
    namespace = name.split(":")[0]
    kwargs: dict = {"pk": project.pk}
    for group in pattern.pattern.regex.groupindex:
        if group in kwargs:
            continue
        make = ARGUMENTS.get((namespace, group))
        if make is None:
            pytest.fail(f"No record to probe {name}: add ({namespace!r}, {group!r}) to ARGUMENTS.")
        value = make(project)
        kwargs.update(value if isinstance(value, dict) else {group: value})
    return reverse(
        name, kwargs={k: v for k, v in kwargs.items() if k in pattern.pattern.regex.groupindex}
    )


def _body(project: Project, manager) -> dict:
    """A body that would pass many forms if the door let it through."""
    return {
        "name": "Changed",
        "title": "Changed",
        "text": "Changed",
        "status": "done",
        "to": "submitted",
        "decision": "approved",
        "done": "true",
        "met": "true",
        "role": "viewer",
        "reason": "Because",
        "date": "2026-02-02",
        "amount": "10.00",
        "category": "software",
        "duration": "3",
        "version": "1",
        "user": manager.pk,
        "identifier": manager.username,
    }


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=PAGE_IDS)
def test_closed_pages_refuse_every_write(name, pattern, closed, manager, client_for):
    """Every page refuses a manager's write on a closed project with a 4xx; nothing changes."""
    url = page_url(name, pattern, closed)
    before = api_probe.snapshot(closed)
    client = client_for(manager)
    for method in WRITE_METHODS:
        response = getattr(client, method)(url, data=_body(closed, manager))
        assert 400 <= response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
        if response.status_code == 403:
            assert f"{closed.key} is closed and read-only." in response.content.decode()
    assert api_probe.snapshot(closed) == before, f"{name} changed rows"


@pytest.mark.parametrize("pattern", REFUSING_ROUTES, ids=[r.name for r in REFUSING_ROUTES])
def test_closed_api_refuses_every_write(pattern, closed, manager, api_for, monkeypatch):
    """Every API route refuses a manager's write on a closed project with a 4xx; nothing
    changes."""
    # The access probe's approval and status report cannot be made on a closed project.
    monkeypatch.setitem(api_probe.DETAIL_OBJECTS, "project-approval", _pending_approval_of)
    monkeypatch.setitem(api_probe.DETAIL_OBJECTS, "project-status-report", _status_report_of)
    url = api_probe.url_for(pattern, closed)
    before = api_probe.snapshot(closed)
    client = api_for(manager)
    for method in WRITE_METHODS:
        response = getattr(client, method)(url, data=_body(closed, manager), format="json")
        assert 400 <= response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
        if response.status_code == 403:
            assert "closed and read-only" in response.json()["detail"]
    assert api_probe.snapshot(closed) == before, f"{pattern.name} changed rows"


def test_closed_project_accepts_reopen_and_the_review(closed, manager, client_for):
    """The allowed writes work on a closed project: the review is recorded, then reopen."""
    client = client_for(manager)
    response = client.post(
        reverse("reports:closure_review", args=[closed.pk]),
        {"held_on": "2026-01-05", "summary": "Benefits on track."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("reports:closure_reopen", args=[closed.pk]), {"reason": "Audit"})
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.stage == Project.Stage.CLOSING


def test_sweep_covers_the_closure_pages():
    """The sweep sees the closure's own write pages (so it is not vacuous)."""
    names = set(PAGE_IDS)
    assert {
        "reports:closure_item",
        "reports:closure_submit",
        "projects:edit",
        "scheduling:task_edit",
        "budgets:actuals",
    } <= names


def test_closed_refusal_needs_no_role_trick(closed, member, client_for):
    """A member's write is refused too (the door, not the role, speaks for a closed project)."""
    item = _closure_item_of(closed)
    client = client_for(member)
    response = client.post(
        reverse("reports:closure_item", args=[closed.pk, item]), {"done": "false"}
    )
    assert response.status_code == 403
    assert "closed and read-only" in response.content.decode()
