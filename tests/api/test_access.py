"""The access door across the whole API: a project I am not in does not exist for me (DESIGN §3).

The routes are not listed by hand: they are collected from the API router, so a project-scoped
route added later is probed here automatically, and fails ``test_access_every_route_is_probed``
until the table below says how to find one of its records.
"""

import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from budgets import services as budget_services
from config.api_router import router
from interchange.models import Webhook
from interchange.webhooks import webhook_create, webhook_send_test
from projects import services
from projects.models import Attachment, Deliverable, Membership, Project, Role
from reports.models import Closure
from reports.services import lessons as lesson_services
from reports.services.closure import closure_start
from reports.services.status import status_report_build
from risks import services as risk_services
from risks.models import ForecastRun
from scheduling import services as scheduling_services
from scheduling.services import external
from stakeholders import services as stakeholder_services
from tests.factories import UserFactory, project_with

# The apps whose rows must not change when the door says no.
CHARTER_APPS = (
    "projects",
    "scheduling",
    "stakeholders",
    "budgets",
    "risks",
    "reports",
    "interchange",
)

METHODS = ("get", "head", "options", "post", "put", "patch", "delete")


def _member_of(project: Project) -> int:
    # A plain member's row (not the manager's), so that a DELETE would succeed if let through.
    return project.memberships.filter(role=Role.MEMBER).order_by("pk").first().pk


def _manager(project: Project):
    return project.memberships.filter(role=Role.MANAGER).order_by("pk").first().user


def _invitation_of(project: Project) -> int:
    return services.invitation_create(
        project=project, by=_manager(project), email="newcomer@example.com"
    ).pk


def _objective_of(project: Project) -> int:
    return services.objective_create(
        project=project, by=_manager(project), description="Fewer tickets", measure="tickets"
    ).pk


def _work_package_of(project: Project) -> int:
    return services.work_package_add(project=project, by=_manager(project), name="Design").pk


def _deliverable_of(project: Project) -> int:
    return services.deliverable_create(
        project=project, by=_manager(project), name="Pilot", criteria=["Signed off"]
    ).pk


def _requirement_of(project: Project) -> int:
    return services.requirement_create(project=project, by=_manager(project), text="SSO").pk


def _change_request_of(project: Project) -> int:
    return services.change_request_create(project=project, by=_manager(project), title="Safari").pk


def _task_of(project: Project) -> int:
    return scheduling_services.task_create(project=project, by=_manager(project), name="Build").pk


def _external_dependency_of(project: Project) -> int:
    """A task of the project waiting for a task of another project its manager also runs."""
    by = _manager(project)
    upstream = scheduling_services.task_create(
        project=project_with(manager=by), by=by, name="Upstream"
    )
    waits = scheduling_services.task_create(project=project, by=by, name="Waits")
    return external.external_dependency_add(
        project=project, by=by, predecessor=upstream, successor=waits
    ).pk


def _dependency_of(project: Project) -> int:
    by = _manager(project)
    design, build = (
        scheduling_services.task_create(project=project, by=by, name=name)
        for name in ("Design", "Build")
    )
    return scheduling_services.dependency_add(
        project=project, by=by, predecessor=design, successor=build
    ).pk


def _baseline_of(project: Project) -> int:
    return scheduling_services.baseline_create(
        project=project, by=_manager(project), name="Approved plan"
    ).pk


def _sprint_of(project: Project) -> int:
    start = project.start_date
    return scheduling_services.sprint_create(
        project=project,
        by=_manager(project),
        start_date=start,
        finish_date=start + datetime.timedelta(days=11),
    ).pk


def _backlog_item_of(project: Project) -> int:
    return scheduling_services.backlog_item_create(
        project=project, by=_manager(project), title="Login"
    ).pk


def _phase_of(project: Project) -> int:
    return scheduling_services.phase_create(
        project=project, by=_manager(project), name="Initiation"
    ).pk


def _budget_line_of(project: Project) -> int:
    return budget_services.budget_line_create(
        project=project, by=_manager(project), category="hardware", planned_amount="900.00"
    ).pk


def _cost_entry_of(project: Project) -> int:
    return budget_services.cost_entry_create(
        project=project,
        by=_manager(project),
        date=project.start_date,
        amount="120.00",
        category="software",
    ).pk


def _commitment_of(project: Project) -> int:
    return budget_services.commitment_create(
        project=project,
        by=_manager(project),
        date=project.start_date,
        amount="5000.00",
        category="contractors",
    ).pk


def _resource_of(project: Project) -> int:
    return budget_services.resource_create(project=project, by=_manager(project), name="Ana").pk


def _assignment_of(project: Project) -> int:
    by = _manager(project)
    task = scheduling_services.task_create(project=project, by=by, name="Build", duration=2)
    resource = budget_services.resource_create(project=project, by=by, name="Ben")
    return budget_services.assignment_add(task=task, resource=resource, by=by).pk


def _time_entry_of(project: Project) -> int:
    by = _manager(project)
    task = scheduling_services.task_create(project=project, by=by, name="Test", duration=2)
    resource = budget_services.resource_create(project=project, by=by, name="Cy", rate="40")
    return budget_services.time_entry_log(
        resource=resource, task=task, by=by, date=project.start_date, hours="6"
    ).pk


def _stakeholder_of(project: Project) -> int:
    return stakeholder_services.stakeholder_create(
        project=project, by=_manager(project), name="Sam Sponsor", power=5, interest=5
    ).pk


def _raci_row(project: Project):
    """A work package whose RACI row has one A (the manager) and one R (the member)."""
    by = _manager(project)
    row = services.work_package_add(project=project, by=by, name="Build")
    doer = project.memberships.filter(role=Role.MEMBER).order_by("pk").first().user
    stakeholder_services.raci_set_row(project=project, by=by, row=row, cells={by: "A", doer: "R"})
    return row


def _raci_entry_of(project: Project) -> int:
    return _raci_row(project).raci_entries.order_by("pk").first().pk


def _raci_row_of(project: Project) -> str:
    return f"work_package-{_raci_row(project).pk}"


def _communication_item_of(project: Project) -> int:
    return stakeholder_services.communication_item_create(
        project=project, by=_manager(project), title="Weekly status report"
    ).pk


def _meeting_of(project: Project) -> int:
    start = datetime.datetime(2026, 2, 2, 9, 30, tzinfo=datetime.UTC)
    return stakeholder_services.meeting_create(
        project=project,
        by=_manager(project),
        title="Steering committee",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    ).pk


def _decision_of(project: Project) -> int:
    return stakeholder_services.decision_record(
        project=project,
        by=_manager(project),
        title="Go with AWS",
        decided_by="Steering committee",
        date=project.start_date,
    ).pk


def _action_item_of(project: Project) -> int:
    by = _manager(project)
    return stakeholder_services.action_item_create(
        project=project, by=by, title="Send minutes", owner=by, due_date=project.start_date
    ).pk


def _comment_of(project: Project) -> dict:
    """A comment on a requirement: the record's kind and id, and the comment's id."""
    by = _manager(project)
    requirement = services.requirement_create(project=project, by=by, text="Audit log")
    comment = services.comment_create(project=project, record=requirement, by=by, body="Agreed")
    return {"resource": "requirements", "record_pk": requirement.pk, "pk": comment.pk}


def _watched_of(project: Project) -> dict:
    """A requirement to watch: its kind and id."""
    requirement = services.requirement_create(
        project=project, by=_manager(project), text="Single sign-on"
    )
    return {"resource": "requirements", "record_pk": requirement.pk}


def attachment_on(project: Project, record) -> Attachment:
    """A stored file on ``record``, written directly (a closed project's sweep needs one too,
    and the service refuses to attach to a closed project)."""
    attachment = Attachment(
        project=project,
        record=record,
        name="minutes.pdf",
        media_type="application/pdf",
        size=9,
        uploaded_by=_manager(project),
    )
    attachment.file.save("minutes.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    return attachment


def _attachment_of(project: Project) -> dict:
    """A file on a deliverable: the record's kind and id, and the attachment's id."""
    deliverable = Deliverable.objects.get(pk=_deliverable_of(project))
    attachment = attachment_on(project, deliverable)
    return {"resource": "deliverables", "record_pk": deliverable.pk, "pk": attachment.pk}


def _closure_attachment_of(project: Project) -> int:
    """A file on the project's closure review (started here if it is not yet)."""
    closure = Closure.objects.filter(project=project).first() or closure_start(
        project=project, by=_manager(project)
    )
    return attachment_on(project, closure).pk


def _approval_of(project: Project) -> int:
    viewer = project.memberships.filter(role=Role.VIEWER).order_by("pk").first().user
    return stakeholder_services.approval_request(
        project=project, by=_manager(project), subject=project, approver=viewer
    ).pk


def _risk_of(project: Project) -> int:
    return risk_services.risk_create(project=project, by=_manager(project), title="Vendor slips").pk


def _issue_of(project: Project) -> int:
    return risk_services.issue_create(project=project, by=_manager(project), title="Outage").pk


def _forecast_run_of(project: Project) -> int:
    return ForecastRun.objects.create(project=project, iterations=100, seed=1).pk


def _status_report_of(project: Project) -> int:
    return status_report_build(project=project, by=_manager(project)).pk


def _closure_item_of(project: Project) -> int:
    from reports.services.closure import closure_start

    closure = closure_start(project=project, by=_manager(project))
    return closure.items.filter(rule="").order_by("pk").first().pk


def _webhook_of(project: Project) -> int:
    """A webhook to a public address (a literal one: no DNS lookup in the probe)."""
    return webhook_create(
        project=project, by=_manager(project), url="https://93.184.215.14/hooks", events=["*"]
    ).pk


def _webhook_delivery_of(project: Project) -> dict:
    """A delivery in a webhook's log: the webhook's id and the delivery's."""
    webhook = Webhook.objects.get(pk=_webhook_of(project))
    delivery = webhook_send_test(webhook=webhook, by=_manager(project))
    return {"webhook_pk": webhook.pk, "pk": delivery.pk}


def _lesson_of(project: Project) -> int:
    return lesson_services.lesson_create(
        project=project,
        by=_manager(project),
        category="vendors",
        title="Vendor slipped",
        what_happened="The vendor delivered late.",
        recommendation="Put penalties in the contract.",
    ).pk


# For every project-scoped router basename with detail routes: the id of one of its records in the
# given project. A new nested resource adds a line here (the test below fails until it does).
DETAIL_OBJECTS = {
    "project": lambda project: project.pk,
    "project-member": _member_of,
    "project-invitation": _invitation_of,
    "project-objective": _objective_of,
    "project-work-package": _work_package_of,
    "project-deliverable": _deliverable_of,
    "project-requirement": _requirement_of,
    "project-change-request": _change_request_of,
    "project-task": _task_of,
    "project-dependency": _dependency_of,
    "project-external-dependency": _external_dependency_of,
    "project-baseline": _baseline_of,
    "project-sprint": _sprint_of,
    "project-backlog-item": _backlog_item_of,
    "project-phase": _phase_of,
    "project-budget-line": _budget_line_of,
    "project-cost-entry": _cost_entry_of,
    "project-commitment": _commitment_of,
    "project-resource": _resource_of,
    "project-assignment": _assignment_of,
    "project-time-entry": _time_entry_of,
    "project-stakeholder": _stakeholder_of,
    "project-raci": _raci_entry_of,
    "project-raci-row": _raci_row_of,
    "project-communication-plan": _communication_item_of,
    "project-meeting": _meeting_of,
    "project-decision": _decision_of,
    "project-action-item": _action_item_of,
    "project-approval": _approval_of,
    "project-risk": _risk_of,
    "project-issue": _issue_of,
    "project-forecast-run": _forecast_run_of,
    "project-status-report": _status_report_of,
    "project-lesson-learned": _lesson_of,
    "project-closure-item": _closure_item_of,
    # Not a record: the register a file route serves (risks/export/, risks/import/).
    "project-register": lambda project: "risks",
    # A record's comments: a dict of the arguments that belong together (kind, record, comment).
    "project-comment": _comment_of,
    # A record's files: the record's kind and id, and the attachment's id.
    "project-attachment": _attachment_of,
    "project-closure-attachment": _closure_attachment_of,
    # Watching a record: its kind and id.
    "project-record-watch": _watched_of,
    # Webhooks and a webhook's delivery log (its id and a delivery's).
    "project-webhook": _webhook_of,
    "project-webhook-delivery": _webhook_delivery_of,
}

# Routes only managers read (a webhook's address and log may carry the receiver's secrets): the
# fairness probe below reaches them as a manager.
MANAGER_READS = {"project-webhook", "project-webhook-delivery"}


def _scoped_routes() -> list:
    """Router URLs that name one project: projects/{pk}/ and all of projects/{project_pk}/…"""
    routes = []
    for pattern in router.urls:
        groups = pattern.pattern.regex.groupindex
        basename = pattern.callback.initkwargs["basename"]
        if "project_pk" in groups or (basename == "project" and "pk" in groups):
            routes.append(pattern)
    return routes


SCOPED_ROUTES = _scoped_routes()
ROUTE_IDS = [pattern.name for pattern in SCOPED_ROUTES]


def url_for(pattern, project: Project) -> str:
    basename = pattern.callback.initkwargs["basename"]
    kwargs = {}
    made = None
    for group in pattern.pattern.regex.groupindex:
        if group == "project_pk":
            kwargs[group] = project.pk
        elif basename in DETAIL_OBJECTS:
            if made is None:
                made = DETAIL_OBJECTS[basename](project)
            kwargs[group] = made[group] if isinstance(made, dict) else made
        else:
            pytest.fail(f"No record to probe {pattern.name}: add {basename!r} to DETAIL_OBJECTS.")
    return reverse(f"api:{pattern.name}", kwargs=kwargs)


def snapshot(project: Project) -> dict:
    """Row counts of every Charter model (history included), and the project's own fields."""
    counts = {
        model._meta.label: model._default_manager.count()
        for app in CHARTER_APPS
        for model in apps.get_app_config(app).get_models()
    }
    project.refresh_from_db()
    return {"counts": counts, "project": (project.name, project.key, project.version)}


def smuggling_body(outsider, own_project: Project) -> dict:
    """A body that tries every trick: ids of the attacker's project and user, a manager role."""
    return {
        "id": own_project.pk,
        "project": own_project.pk,
        "user": outsider.pk,
        "username": outsider.username,
        "role": "manager",
        "name": "Hijacked",
        "key": "HIJACK",
        "start_date": "2026-01-01",
        "target_finish": "2026-12-31",
        "version": 1,
    }


def test_access_every_route_is_probed():
    """Every project-scoped route of the router is collected, and each has a record to probe."""
    names = set(ROUTE_IDS)
    assert {"project-detail", "project-member-list", "project-member-detail"} <= names
    assert {
        "project-save-as-template",
        "project-charter",
        "project-objective-detail",
        "project-work-package-move",
        "project-work-package-shift",
        "project-deliverable-transition",
        "project-requirement-detail",
        "project-traceability",
        "project-change-request-approve",
        "project-change-request-totals",
    } <= names
    for pattern in SCOPED_ROUTES:
        basename = pattern.callback.initkwargs["basename"]
        groups = set(pattern.pattern.regex.groupindex) - {"project_pk"}
        if groups:
            assert basename in DETAIL_OBJECTS, f"add {basename!r} to DETAIL_OBJECTS"


def test_access_nested_routes_use_the_scoped_base():
    """Every route under projects/{project_pk}/ is served by a ProjectScopedViewSet."""
    from projects.api.base import ProjectScopedViewSet

    for pattern in SCOPED_ROUTES:
        if "project_pk" in pattern.pattern.regex.groupindex:
            assert issubclass(pattern.callback.cls, ProjectScopedViewSet), pattern.name


@pytest.mark.parametrize("pattern", SCOPED_ROUTES, ids=ROUTE_IDS)
def test_access_outsider_gets_404_on_every_method(pattern, api_for, outsider, project):
    """Every method on every project-scoped route is 404 for a non-member, and changes nothing."""
    own_project = outsider.memberships.get().project
    url = url_for(pattern, project)
    before = snapshot(project)
    client = api_for(outsider)
    for method in METHODS:
        response = getattr(client, method)(
            url, data=smuggling_body(outsider, own_project), format="json"
        )
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
    assert snapshot(project) == before


@pytest.mark.parametrize("pattern", SCOPED_ROUTES, ids=ROUTE_IDS)
def test_access_members_reach_every_route(pattern, api_for, viewer, manager, project):
    """The probe is fair: for a member, the same URLs exist (so the 404 above is the door's)."""
    url = url_for(pattern, project)
    reader = manager if pattern.callback.initkwargs["basename"] in MANAGER_READS else viewer
    if "get" in pattern.callback.actions:
        assert api_for(reader).get(url).status_code == 200, url
    else:
        assert api_for(reader).options(url).status_code == 200, url


def test_access_manager_elsewhere_cannot_reach_a_membership_by_id(api_for, outsider, project):
    """A manager of project B using A's membership id under B's URL gets 404; A is untouched."""
    own_project = outsider.memberships.get().project
    target = Membership.objects.get(project=project, role=Role.MEMBER)
    url = f"/api/v1/projects/{own_project.pk}/members/{target.pk}/"
    client = api_for(outsider)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"role": "viewer"}).status_code == 404
    assert client.delete(url).status_code == 404
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_access_outsider_cannot_add_themselves(api_for, outsider, project):
    """A non-member POSTing themselves into a project's members gets 404 and nothing is created."""
    before = Membership.objects.count()
    response = api_for(outsider).post(
        f"/api/v1/projects/{project.pk}/members/", {"user": outsider.pk, "role": "manager"}
    )
    assert response.status_code == 404
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(project=project, user=outsider).exists()


def test_access_ids_in_a_project_body_do_not_redirect_the_edit(api_for, outsider, project):
    """PATCHing my own project with another project's id in the body edits only mine."""
    own_project = outsider.memberships.get().project
    response = api_for(outsider).patch(
        f"/api/v1/projects/{own_project.pk}/", {"id": project.pk, "name": "Renamed"}
    )
    assert response.status_code == 200
    assert response.json()["id"] == own_project.pk
    project.refresh_from_db()
    own_project.refresh_from_db()
    assert (own_project.name, project.name) == ("Renamed", project.name)
    assert project.name != "Renamed"


def test_access_removed_member_loses_access(api_for, manager, member, project):
    """Once removed, a former member gets 404 like any stranger."""
    Membership.objects.filter(project=project, user=member).delete()
    client = api_for(member)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert client.get(f"/api/v1/projects/{project.pk}/members/").status_code == 404


def test_access_superuser_sees_every_project(api_for, project):
    """A superuser reads any project, as a manager would."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = api_for(admin).get(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 200
    assert response.json()["my_role"] == "manager"


def test_access_project_related_field_refuses_ids_of_other_projects(project, outsider):
    """ProjectRelatedField accepts ids of the URL's project only; others "do not exist"."""
    from rest_framework import serializers

    from projects.api.base import ProjectRelatedField

    class Probe(serializers.Serializer):
        membership = ProjectRelatedField(queryset=Membership.objects.all())

    mine = Membership.objects.filter(project=project).first()
    theirs = outsider.memberships.get()
    assert Probe(data={"membership": mine.pk}, context={"project": project}).is_valid()
    probe = Probe(data={"membership": theirs.pk}, context={"project": project})
    assert not probe.is_valid()
    assert "does not exist" in probe.errors["membership"][0]
    assert not Probe(data={"membership": mine.pk}, context={}).is_valid()
