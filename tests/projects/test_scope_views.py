"""The scope pages: charter, objectives, deliverables, requirements, WBS, change log, templates."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from projects import services
from projects.models import (
    ChangeRequest,
    Charter,
    Deliverable,
    Objective,
    Project,
    ProjectTemplate,
    Requirement,
    WorkPackage,
)
from projects.urls import urlpatterns
from tests.api import test_access as api_probe
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scope(project, manager, member):
    """A small scope: WBS 1 Design (1.1 UX) · 2 Build, a deliverable with two criteria, a
    requirement tracing to it, an objective, a draft change request and a written charter."""
    design = services.work_package_add(project=project, by=manager, name="Design")
    ux = services.work_package_add(project=project, by=manager, name="UX", parent=design)
    build = services.work_package_add(project=project, by=manager, name="Build")
    deliverable = services.deliverable_create(
        project=project,
        by=manager,
        name="Customer portal",
        owner=member,
        due_date=datetime.date(2026, 5, 29),
        work_package=build,
        criteria=["Passes the security review", "Loads in under 2 s"],
    )
    requirement = services.requirement_create(
        project=project,
        by=manager,
        text="Customers download invoices as PDF.",
        category="Functional",
        priority=Requirement.Priority.MUST,
        deliverables=[deliverable],
    )
    objective = services.objective_create(
        project=project,
        by=manager,
        description="Fewer support calls",
        measure="Calls per month",
        baseline_value=Decimal("1200"),
        target_value=Decimal("800"),
    )
    change = services.change_request_create(
        project=project, by=manager, title="Add Safari support", schedule_impact=3
    )
    services.charter_update(project=project, by=manager, version=None, business_case="Save money.")
    return SimpleNamespace(
        design=design,
        ux=ux,
        build=build,
        deliverable=deliverable,
        criterion=deliverable.criteria.first(),
        requirement=requirement,
        objective=objective,
        change=change,
        membership=project.memberships.first(),
        invitation=services.invitation_create(
            project=project, by=manager, email="newcomer@example.com"
        ),
    )


def _project_url_kwargs(project: Project, scope: SimpleNamespace) -> dict[str, int | str]:
    return {
        "pk": project.pk,
        "membership_pk": scope.membership.pk,
        "invitation_pk": scope.invitation.pk,
        "objective_pk": scope.objective.pk,
        "deliverable_pk": scope.deliverable.pk,
        "criterion_pk": scope.criterion.pk,
        "requirement_pk": scope.requirement.pk,
        "package_pk": scope.ux.pk,
        "change_pk": scope.change.pk,
        # A record's own history: /history/<model>/<object_pk>/.
        "model": "projects.changerequest",
        "object_pk": scope.change.pk,
        # A record's comments: /comments/<resource>/<record_pk>/[<comment_pk>/…].
        "resource": "change-requests",
        "record_pk": scope.change.pk,
        "comment_pk": services.comment_create(
            project=project, record=scope.change, by=scope.change.created_by, body="Yes"
        ).pk,
        # A file on a record: /attachments/<attachment_pk>/download/ and …/delete/.
        "attachment_pk": api_probe.attachment_on(project, scope.change).pk,
    }


def every_project_url(project: Project, scope: SimpleNamespace) -> list[str]:
    """Every URL of the projects app that opens one project, built from the URLconf itself.

    A new page whose URL needs an id this helper does not know fails here, so it cannot go
    without access tests.
    """
    known = _project_url_kwargs(project, scope)
    urls = []
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = list(pattern.pattern.converters)
        if "pk" not in params:
            continue
        missing = [p for p in params if p not in known]
        assert not missing, f"Add an object for {missing} to cover projects:{pattern.name}."
        urls.append(reverse(f"projects:{pattern.name}", kwargs={p: known[p] for p in params}))
    return urls


SCOPE_PAGES = [
    "charter",
    "objectives",
    "deliverables",
    "requirements",
    "traceability",
    "wbs",
    "changes",
]


def url(name: str, project: Project, **kwargs) -> str:
    return reverse(f"projects:{name}", kwargs={"pk": project.pk, **kwargs})


def _count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


# --- Pages and access ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "member", "viewer"])
def test_scope_pages_render_for_every_member(client_for, project, scope, who, request):
    """Each scope page and record page opens for every role in the project."""
    client = client_for(request.getfixturevalue(who))
    pages = [url(name, project) for name in SCOPE_PAGES] + [
        url("deliverable", project, deliverable_pk=scope.deliverable.pk),
        url("change", project, change_pk=scope.change.pk),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'aria-current="page"' in response.content.decode()


def test_scope_nav_lists_the_scope_areas(client_for, viewer, project):
    """The side navigation has a Scope group with its six pages, for every methodology."""
    html = client_for(viewer).get(url("wbs", project)).content.decode()
    for label in ("Charter", "Objectives", "Deliverables", "Requirements", "WBS", "Changes"):
        assert f">{label}</a>" in html
    assert f'href="{url("wbs", project)}" aria-current="page"' in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_access_outsider_gets_404_on_every_project_url(
    client_for, outsider, project, scope, method
):
    """To a non-member every page of the project, scope included, answers 404, read or write."""
    client = client_for(outsider)
    urls = every_project_url(project, scope)
    assert len(urls) >= 30
    data = {"to": "accepted", "name": "X", "direction": "up", "met": "true", "version": 1}
    for path in urls:
        assert getattr(client, method)(path, data).status_code == 404, path
    assert not WorkPackage.objects.filter(name="X").exists()


def test_access_viewer_cannot_write_scope(client_for, viewer, project, scope):
    """A viewer reads the scope but every write answers 403 and changes nothing."""
    client = client_for(viewer)
    writes = [
        ("charter_edit", {}, {"business_case": "X", "version": 2}),
        ("objectives", {}, {"new-description": "X", "new-measure": "X", "new-status": "on_track"}),
        ("objective_edit", {"objective_pk": scope.objective.pk}, {"edit-description": "X"}),
        ("objective_delete", {"objective_pk": scope.objective.pk}, {}),
        ("deliverable_new", {}, {"name": "X"}),
        ("deliverable_edit", {"deliverable_pk": scope.deliverable.pk}, {"name": "X"}),
        ("deliverable_transition", {"deliverable_pk": scope.deliverable.pk}, {"to": "in_progress"}),
        (
            "criterion_toggle",
            {"deliverable_pk": scope.deliverable.pk, "criterion_pk": scope.criterion.pk},
            {"met": "true"},
        ),
        ("requirement_new", {}, {"text": "X"}),
        ("requirement_edit", {"requirement_pk": scope.requirement.pk}, {"text": "X"}),
        ("wbs_add", {}, {"name": "X"}),
        ("wbs_rename", {"package_pk": scope.ux.pk}, {"name": "X", "version": 1}),
        ("wbs_shift", {"package_pk": scope.ux.pk}, {"direction": "outdent"}),
        ("wbs_delete", {"package_pk": scope.ux.pk}, {}),
        ("change_new", {}, {"title": "X"}),
        ("change_edit", {"change_pk": scope.change.pk}, {"title": "X"}),
        ("change_transition", {"change_pk": scope.change.pk}, {"to": "submitted"}),
        ("template_save", {}, {"name": "X"}),
    ]
    for name, kwargs, data in writes:
        assert client.post(url(name, project, **kwargs), data).status_code == 403, name
    for name in ("charter_edit", "deliverable_new", "requirement_new", "change_new"):
        assert client.get(url(name, project)).status_code == 403, name
    assert Charter.objects.get(project=project).business_case == "Save money."
    assert Objective.objects.filter(pk=scope.objective.pk).exists()
    assert not WorkPackage.objects.filter(name="X").exists()
    assert ChangeRequest.objects.get(pk=scope.change.pk).status == ChangeRequest.Status.DRAFT
    assert not scope.criterion.__class__.objects.get(pk=scope.criterion.pk).met


def test_access_member_cannot_take_manager_decisions(client_for, member, manager, project, scope):
    """Accepting, rejecting, approving and saving as template need the manager role."""
    services.criterion_set_met(criterion=scope.criterion, by=manager, met=True)
    for to in ("in_progress", "submitted"):
        services.deliverable_transition(deliverable=scope.deliverable, by=manager, to=to)
    services.change_request_transition(change_request=scope.change, by=manager, to="submitted")
    client = client_for(member)
    decisions = [
        ("deliverable_transition", {"deliverable_pk": scope.deliverable.pk}, "accepted"),
        ("deliverable_transition", {"deliverable_pk": scope.deliverable.pk}, "rejected"),
        ("change_transition", {"change_pk": scope.change.pk}, "approved"),
        ("change_transition", {"change_pk": scope.change.pk}, "rejected"),
    ]
    for name, kwargs, to in decisions:
        response = client.post(url(name, project, **kwargs), {"to": to, "reason": "Because"})
        assert response.status_code == 403, (name, to)
        assert "manager role" in response.content.decode()
    assert client.post(url("template_save", project), {"name": "Mine"}).status_code == 403
    assert client.get(url("template_save", project)).status_code == 403
    scope.deliverable.refresh_from_db()
    scope.change.refresh_from_db()
    assert scope.deliverable.status == Deliverable.Status.SUBMITTED
    assert scope.change.status == ChangeRequest.Status.SUBMITTED
    assert not ProjectTemplate.objects.filter(name="Mine").exists()
    # …and the decision buttons are not offered to them.
    html = client.get(url("deliverable", project, deliverable_pk=scope.deliverable.pk)).content
    assert b'value="accepted"' not in html and b"Waiting for a manager" in html


def test_access_closed_project_scope_is_read_only(client_for, manager, project, scope):
    """In a closed project the scope pages still open but writes are refused."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = client_for(manager)
    assert client.get(url("wbs", project)).status_code == 200
    assert client.post(url("wbs_add", project), {"name": "Late"}).status_code == 403
    assert b"Add work package" not in client.get(url("wbs", project)).content


def test_scope_page_wrong_method_is_405(client_for, manager, project, scope):
    """Read-only pages refuse POST and action URLs refuse GET, after the access check."""
    client = client_for(manager)
    assert client.post(url("wbs", project)).status_code == 405
    assert client.get(url("wbs_add", project)).status_code == 405
    path = url("change_transition", project, change_pk=scope.change.pk)
    assert client.get(path).status_code == 405


def test_scope_record_of_another_project_is_404(client_for, manager, project, scope):
    """A record id from another project is not found through this project's URLs."""
    other = project_with(manager=manager)
    client = client_for(manager)
    assert (
        client.get(url("deliverable", other, deliverable_pk=scope.deliverable.pk)).status_code
        == 404
    )
    assert (
        client.post(
            url("wbs_shift", other, package_pk=scope.ux.pk), {"direction": "outdent"}
        ).status_code
        == 404
    )


# --- Charter -------------------------------------------------------------------------------------


def test_charter_page_shows_the_six_sections_printably(client_for, viewer, project, scope):
    """The charter shows each section (or "Not stated") and the objectives, with print styles."""
    html = client_for(viewer).get(url("charter", project)).content.decode()
    for title in (
        "Business case",
        "In scope",
        "Out of scope",
        "Assumptions",
        "Constraints",
        "Success criteria",
    ):
        assert f"<h2>{title}</h2>" in html
    assert "Save money." in html and "Not stated." in html and "Fewer support calls" in html
    assert 'class="no-print"' in html and "data-print" in html


def test_charter_page_of_an_unwritten_charter_creates_nothing(client_for, viewer, project):
    """Reading a charter that was never written shows it empty without creating a record."""
    html = client_for(viewer).get(url("charter", project)).content.decode()
    assert "has not been written yet" in html
    assert not Charter.objects.filter(project=project).exists()


def test_charter_edit_saves_and_returns_to_the_charter(client_for, member, project):
    """A member writes the charter; the first save creates it."""
    client = client_for(member)
    form = client.get(url("charter_edit", project)).context["form"]
    response = client.post(
        url("charter_edit", project),
        {"version": form["version"].value(), "in_scope": "Portal", "business_case": "Cheaper"},
    )
    assert response.status_code == 302 and response.url == url("charter", project)
    charter = Charter.objects.get(project=project)
    assert (charter.in_scope, charter.business_case, charter.version) == ("Portal", "Cheaper", 2)


def test_charter_stale_edit_is_refused_with_a_form_error(
    client_for, manager, member, project, scope
):
    """Saving a charter someone changed since it was opened shows an error and keeps their text."""
    client = client_for(member)
    opened_at = client.get(url("charter_edit", project)).context["form"]["version"].value()
    services.charter_update(project=project, by=manager, version=None, constraints="Budget")
    response = client.post(
        url("charter_edit", project), {"version": opened_at, "business_case": "Mine"}
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    charter = Charter.objects.get(project=project)
    assert (charter.business_case, charter.constraints) == ("Save money.", "Budget")


# --- Objectives ----------------------------------------------------------------------------------


def _objective_data(prefix: str, **values) -> dict:
    data = {
        "description": "Faster onboarding",
        "measure": "Days to first login",
        "status": "on_track",
    }
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_objective_add_through_htmx_swaps_the_region(client_for, member, project):
    """Adding an objective with htmx returns the table with the new row and a fresh form."""
    response = client_for(member).post(
        url("objectives", project), _objective_data("new", target_value="3", unit="days"), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="objectives-region"') and "<html" not in html
    assert "Faster onboarding" in html and "added" in html
    assert Objective.objects.get(project=project).target_value == Decimal("3")


def test_objective_add_shows_errors_next_to_fields(client_for, member, project):
    """A missing measure is reported under its field; nothing is saved."""
    response = client_for(member).post(
        url("objectives", project), _objective_data("new", measure="")
    )
    assert response.status_code == 200
    assert 'id="id_new-measure_error"' in response.content.decode()
    assert not Objective.objects.filter(project=project).exists()


def test_objective_edit_inline_and_plain(client_for, member, project, scope):
    """The edit row comes as a fragment for htmx; saving returns the display row (or redirects)."""
    client = client_for(member)
    path = url("objective_edit", project, objective_pk=scope.objective.pk)
    fragment = client.get(path, **HTMX).content.decode()
    assert fragment.lstrip().startswith(
        f'<tr id="objective-{scope.objective.pk}" class="objective-editing"'
    )
    data = _objective_data("edit", achieved_value="950", status="at_risk", version=1)
    row = client.post(path, data, **HTMX).content.decode()
    assert "At risk" in row and "950" in row and "Saved" in row
    data["edit-version"] = 2
    data["edit-achieved_value"] = "900"
    assert client.post(path, data).status_code == 302
    assert Objective.objects.get(pk=scope.objective.pk).achieved_value == Decimal("900")
    # Without JavaScript the edit form opens inside the objectives page.
    page = client.get(path).content.decode()
    assert "<html" in page and 'class="objective-editing"' in page


def test_objective_delete(client_for, member, project, scope):
    """Deleting an objective removes it and says so."""
    client = client_for(member)
    response = client.post(
        url("objective_delete", project, objective_pk=scope.objective.pk), **HTMX
    )
    assert "deleted" in response.content.decode()
    assert not Objective.objects.filter(project=project).exists()


# --- Deliverables --------------------------------------------------------------------------------


def test_deliverable_list_shows_criteria_met_count(client_for, viewer, manager, project, scope):
    """The list shows status, owner, work package and met criteria as n/m."""
    services.criterion_set_met(criterion=scope.criterion, by=manager, met=True)
    html = client_for(viewer).get(url("deliverables", project)).content.decode()
    assert "Customer portal" in html and "1/2" in html and "Mo Member" in html and "Build" in html
    assert "Planned" in html


def test_deliverable_create_with_criteria_lines(client_for, member, project, scope):
    """A new deliverable gets one acceptance criterion per non-empty line."""
    response = client_for(member).post(
        url("deliverable_new", project),
        {"name": "Runbook", "criteria": "Reviewed by ops\n\n  Signed off  \n", "owner": ""},
    )
    deliverable = Deliverable.objects.get(name="Runbook")
    assert response.url == url("deliverable", project, deliverable_pk=deliverable.pk)
    assert [c.text for c in deliverable.criteria.all()] == ["Reviewed by ops", "Signed off"]


def test_deliverable_edit_keeps_ticks_of_unchanged_criteria(client_for, manager, project, scope):
    """Editing the criteria keeps the tick of a criterion whose text did not change."""
    services.criterion_set_met(criterion=scope.criterion, by=manager, met=True)
    response = client_for(manager).post(
        url("deliverable_edit", project, deliverable_pk=scope.deliverable.pk),
        {
            "name": "Customer portal v2",
            "version": scope.deliverable.version,
            "criteria": "Passes the security review\nAccessible (WCAG AA)",
        },
    )
    assert response.status_code == 302
    deliverable = Deliverable.objects.get(pk=scope.deliverable.pk)
    criteria = [(c.text, c.met) for c in deliverable.criteria.order_by("position")]
    assert deliverable.name == "Customer portal v2"
    assert criteria == [("Passes the security review", True), ("Accessible (WCAG AA)", False)]


def test_criterion_toggle_through_htmx_swaps_the_checklist(client_for, member, project, scope):
    """Ticking a criterion with htmx returns the checklist with the new count."""
    client = client_for(member)
    path = url(
        "criterion_toggle",
        project,
        deliverable_pk=scope.deliverable.pk,
        criterion_pk=scope.criterion.pk,
    )
    html = client.post(path, {"met": "true"}, **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="criteria"') and "<strong>1/2</strong>" in html
    assert 'aria-checked="true"' in html
    assert client.post(path, {"met": "false"}).status_code == 302
    scope.criterion.refresh_from_db()
    assert scope.criterion.met is False


def test_deliverable_accept_refused_lists_unmet_criteria(client_for, manager, project, scope):
    """Accepting with unmet criteria is refused and the page names each unmet criterion."""
    client = client_for(manager)
    path = url("deliverable_transition", project, deliverable_pk=scope.deliverable.pk)
    for to in ("in_progress", "submitted"):
        assert client.post(path, {"to": to}).status_code == 302
    services.criterion_set_met(criterion=scope.criterion, by=manager, met=True)
    response = client.post(path, {"to": "accepted"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Every acceptance criterion must be met first" in html and "Loads in under 2 s" in html
    assert Deliverable.objects.get(pk=scope.deliverable.pk).status == Deliverable.Status.SUBMITTED


def test_deliverable_accept_records_who_and_when(client_for, manager, project, scope):
    """With every criterion met a manager accepts; the page shows who accepted and when."""
    for criterion in scope.deliverable.criteria.all():
        services.criterion_set_met(criterion=criterion, by=manager, met=True)
    for to in ("in_progress", "submitted"):
        services.deliverable_transition(deliverable=scope.deliverable, by=manager, to=to)
    client = client_for(manager)
    path = url("deliverable_transition", project, deliverable_pk=scope.deliverable.pk)
    response = client.post(path, {"to": "accepted"}, follow=True)
    html = response.content.decode()
    assert "Accepted" in html and "by <strong>Maria Manager</strong>" in html
    assert Deliverable.objects.get(pk=scope.deliverable.pk).decided_by == manager


def test_deliverable_reject_requires_a_reason(client_for, manager, project, scope):
    """Rejecting without a reason shows the error by the reason box; with one it is recorded."""
    for to in ("in_progress", "submitted"):
        services.deliverable_transition(deliverable=scope.deliverable, by=manager, to=to)
    client = client_for(manager)
    path = url("deliverable_transition", project, deliverable_pk=scope.deliverable.pk)
    html = client.post(path, {"to": "rejected", "reason": " "}).content.decode()
    assert 'id="reject-reason-error"' in html and "Say why" in html
    client.post(path, {"to": "rejected", "reason": "Fails the load test"})
    deliverable = Deliverable.objects.get(pk=scope.deliverable.pk)
    assert (deliverable.status, deliverable.rejection_reason) == ("rejected", "Fails the load test")
    html = client.get(url("deliverable", project, deliverable_pk=deliverable.pk)).content.decode()
    assert "Fails the load test" in html and "Rejected" in html


# --- Requirements --------------------------------------------------------------------------------


def test_requirement_create_numbers_the_ref_and_traces(client_for, member, project, scope):
    """Without a ref the next REQ-nnn is used; ticked deliverables are traced."""
    client = client_for(member)
    form_html = client.get(url("requirement_new", project)).content.decode()
    assert 'placeholder="REQ-002"' in form_html and 'list="requirement-categories"' in form_html
    response = client.post(
        url("requirement_new", project),
        {
            "text": "Single sign-on",
            "priority": "must",
            "status": "proposed",
            "category": "Security",
            "deliverables": [scope.deliverable.pk],
        },
    )
    assert response.status_code == 302
    requirement = Requirement.objects.get(text="Single sign-on")
    assert requirement.ref == "REQ-002"
    assert list(requirement.deliverables.all()) == [scope.deliverable]


def test_requirement_duplicate_ref_error_is_next_to_the_ref(client_for, member, project, scope):
    """A reference already used is reported on the reference field."""
    response = client_for(member).post(
        url("requirement_new", project),
        {"ref": "req-001", "text": "Dup", "priority": "must", "status": "proposed"},
    )
    assert response.status_code == 200
    assert "this reference" in " ".join(response.context["form"].errors["ref"])


def test_requirement_edit_changes_traces(client_for, member, project, scope):
    """Unticking every deliverable removes the traces."""
    response = client_for(member).post(
        url("requirement_edit", project, requirement_pk=scope.requirement.pk),
        {
            "ref": "REQ-001",
            "text": "Customers download invoices as PDF.",
            "priority": "should",
            "status": "approved",
            "version": scope.requirement.version,
        },
    )
    assert response.status_code == 302
    requirement = Requirement.objects.get(pk=scope.requirement.pk)
    assert requirement.priority == "should" and not requirement.deliverables.exists()


def test_requirement_filters_narrow_the_list(client_for, viewer, manager, project, scope):
    """Priority, status and category filters narrow the list; htmx gets only the table."""
    services.requirement_create(
        project=project, by=manager, text="Audit log", category="Security", priority="could"
    )
    Project.objects.filter(pk=project.pk).update(requirement_categories=["Functional", "Legal"])
    client = client_for(viewer)

    def refs(**params):
        return [
            r.ref for r in client.get(url("requirements", project), params).context["requirements"]
        ]

    assert refs() == ["REQ-001", "REQ-002"]
    assert refs(priority="must") == ["REQ-001"]
    assert refs(category="Security") == ["REQ-002"]
    assert refs(status="verified") == []
    page = client.get(url("requirements", project)).content.decode()
    assert page.index(">Functional<") < page.index(">Legal<") < page.index(">Security<")
    fragment = client.get(
        url("requirements", project), {"priority": "could"}, **HTMX
    ).content.decode()
    assert (
        fragment.lstrip().startswith('<section id="requirement-table"') and "Audit log" in fragment
    )


def test_traceability_flags_untraced_items_in_words(client_for, viewer, manager, project, scope):
    """The matrix ticks traced cells and names untraced requirements and orphan deliverables."""
    services.requirement_create(project=project, by=manager, text="Dark mode")
    services.deliverable_create(project=project, by=manager, name="Training videos")
    response = client_for(viewer).get(url("traceability", project))
    html = response.content.decode()
    # Undated deliverables sort first on SQLite and last on PostgreSQL: compare as a set.
    assert sorted(response.context["rows"][0]["cells"]) == [False, True]
    assert "Not traced" in html and "REQ-002" in html
    assert "No requirement" in html and "Training videos" in html
    assert html.count('class="cell traced"') == 1


# --- WBS -----------------------------------------------------------------------------------------


def codes(project):
    return list(
        WorkPackage.objects.filter(project=project).order_by("sort_key").values_list("code", "name")
    )


def test_wbs_page_shows_the_indented_tree(client_for, viewer, project, scope):
    """The tree lists codes in reading order with each package's depth."""
    response = client_for(viewer).get(url("wbs", project))
    html = response.content.decode()
    assert [(r.package.code, r.depth) for r in response.context["rows"]] == [
        ("1", 0),
        ("1.1", 1),
        ("2", 0),
    ]
    assert 'style="--depth: 1"' in html
    assert "Move up" not in html  # viewers get no editing controls


def test_wbs_add_top_child_and_sibling_by_plain_post(client_for, member, project, scope):
    """Without JavaScript each add posts and redirects back to the tree at the new package."""
    client = client_for(member)
    response = client.post(url("wbs_add", project), {"name": "Deploy"})
    deploy = WorkPackage.objects.get(name="Deploy")
    assert response.status_code == 302 and response.url == url("wbs", project) + f"#wp-{deploy.pk}"
    client.post(url("wbs_add", project), {"name": "Wireframes", "parent": scope.ux.pk})
    client.post(url("wbs_add", project), {"name": "Research", "after": scope.design.pk})
    assert codes(project) == [
        ("1", "Design"),
        ("1.1", "UX"),
        ("1.1.1", "Wireframes"),
        ("2", "Research"),
        ("3", "Build"),
        ("4", "Deploy"),
    ]
    page = client.get(url("wbs", project)).content.decode()
    assert "Added 1.1.1 Wireframes." in page or "Added 2 Research." in page


def test_wbs_moves_through_htmx_swap_the_tree(client_for, member, project, scope):
    """Indent, outdent, up and down return the renumbered tree fragment."""
    client = client_for(member)

    def shift(package, direction):
        response = client.post(
            url("wbs_shift", project, package_pk=package.pk), {"direction": direction}, **HTMX
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="wbs-tree"') and "<html" not in html
        return html

    html = shift(scope.build, "indent")
    assert "Moved Build: 2 is now 1.2." in html
    assert codes(project) == [("1", "Design"), ("1.1", "UX"), ("1.2", "Build")]
    shift(scope.build, "up")
    assert codes(project) == [("1", "Design"), ("1.1", "Build"), ("1.2", "UX")]
    shift(scope.build, "outdent")
    assert codes(project) == [("1", "Design"), ("1.1", "UX"), ("2", "Build")]
    html = client.post(
        url("wbs_add", project), {"name": "Test", "parent": scope.build.pk}, **HTMX
    ).content.decode()
    assert "Added 2.1 Test." in html and ">2.1<" in html


def test_wbs_impossible_move_shows_the_reason_near_the_tree(client_for, member, project, scope):
    """A move the service refuses is explained above the tree, with htmx or without."""
    client = client_for(member)
    path = url("wbs_shift", project, package_pk=scope.design.pk)
    html = client.post(path, {"direction": "up"}, **HTMX).content.decode()
    assert 'role="alert">1 is already first at its level.' in html
    page = client.post(path, {"direction": "outdent"}, follow=True).content.decode()
    assert "1 is already at the top level." in page
    assert codes(project)[0] == ("1", "Design")


def test_wbs_rename_and_delete(client_for, member, project, scope):
    """Rename is versioned; deleting a parent is refused with the reason, a leaf is deleted."""
    client = client_for(member)
    client.post(
        url("wbs_rename", project, package_pk=scope.ux.pk), {"name": "User research", "version": 1}
    )
    stale = client.post(
        url("wbs_rename", project, package_pk=scope.ux.pk), {"name": "Other", "version": 1}, **HTMX
    ).content.decode()
    assert "Someone else changed this record" in stale
    refused = client.post(
        url("wbs_delete", project, package_pk=scope.design.pk), **HTMX
    ).content.decode()
    assert "has work packages under it" in refused
    client.post(url("wbs_delete", project, package_pk=scope.ux.pk))
    assert codes(project) == [("1", "Design"), ("2", "Build")]


def test_wbs_edit_panel_opens_with_and_without_htmx(client_for, member, project, scope):
    """?edit= opens the rename / add child / add sibling forms under the package."""
    client = client_for(member)
    page = client.get(url("wbs", project), {"edit": scope.ux.pk}).content.decode()
    assert f'id="rename-{scope.ux.pk}"' in page and f'id="child-{scope.ux.pk}"' in page
    fragment = client.get(url("wbs", project), {"edit": scope.ux.pk}, **HTMX).content.decode()
    assert (
        fragment.lstrip().startswith('<section id="wbs-tree"')
        and f'id="sibling-{scope.ux.pk}"' in fragment
    )


def test_wbs_page_query_count_does_not_grow_with_the_tree(
    client_for, manager, project, django_assert_max_num_queries
):
    """A 500-package WBS renders in as many queries as a 5-package one."""
    client = client_for(manager)

    def tree(prefix: str, size: int) -> list[dict]:
        # size top-level packages, each with four children.
        return [
            {"name": f"{prefix} {i}", "children": [{"name": f"{prefix} {i}.{j}"} for j in range(4)]}
            for i in range(size)
        ]

    services.wbs_import(project=project, by=manager, nodes=tree("A", 1))
    assert WorkPackage.objects.filter(project=project).count() == 5
    few = _count_queries(client, url("wbs", project))
    services.wbs_import(project=project, by=manager, nodes=tree("B", 99))
    assert WorkPackage.objects.filter(project=project).count() == 500
    many = _count_queries(client, url("wbs", project))
    assert many == few
    with django_assert_max_num_queries(6):
        client.get(url("wbs", project))


# --- Change requests -----------------------------------------------------------------------------


def test_change_request_flow_through_the_pages(client_for, member, manager, project):
    """A member raises and submits a change; a manager approves it; the log adds it."""
    client = client_for(member)
    response = client.post(
        url("change_new", project),
        {
            "title": "Add Safari support",
            "schedule_impact": "5",
            "cost_impact": "12000.00",
            "requested_by": "",
        },
    )
    change = ChangeRequest.objects.get(project=project)
    assert response.url == url("change", project, change_pk=change.pk)
    assert change.requested_by == "Mo Member" and change.status == "draft"
    transition = url("change_transition", project, change_pk=change.pk)
    client.post(transition, {"to": "submitted"})
    manager_client = client_for(manager)
    page = manager_client.get(url("change", project, change_pk=change.pk)).content.decode()
    assert 'value="approved"' in page and 'value="rejected"' in page
    manager_client.post(transition, {"to": "approved", "reason": "Top customer request"})
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decision_reason) == (
        "approved",
        manager,
        "Top customer request",
    )
    log = manager_client.get(url("changes", project))
    html = log.content.decode()
    assert log.context["totals"]["schedule"] == 5 and log.context["totals"]["cost"] == Decimal(
        "12000.00"
    )
    assert "CR-001" in html and "+€12,000.00" in html and "Maria Manager" in html
    manager_client.post(transition, {"to": "implemented"})
    assert ChangeRequest.objects.get(pk=change.pk).status == "implemented"


def test_change_request_decision_requires_a_reason(client_for, manager, project, scope):
    """Approving without a reason is refused next to the reason box."""
    services.change_request_transition(change_request=scope.change, by=manager, to="submitted")
    path = url("change_transition", project, change_pk=scope.change.pk)
    html = client_for(manager).post(path, {"to": "approved", "reason": ""}).content.decode()
    assert 'id="decision-reason-error"' in html and "Record why" in html
    assert ChangeRequest.objects.get(pk=scope.change.pk).status == "submitted"


def test_change_request_skipped_status_shows_the_service_sentence(
    client_for, member, project, scope
):
    """Trying to implement a draft explains what may come next."""
    path = url("change_transition", project, change_pk=scope.change.pk)
    html = client_for(member).post(path, {"to": "implemented"}).content.decode()
    assert "CR-001 is draft and cannot become implemented: next it can only be submitted." in html


def test_change_request_only_drafts_are_edited(client_for, member, manager, project, scope):
    """A draft is edited with its version; a submitted change request is not editable."""
    client = client_for(member)
    path = url("change_edit", project, change_pk=scope.change.pk)
    data = {
        "title": "Add Safari and Firefox",
        "schedule_impact": "4",
        "cost_impact": "0",
        "version": 1,
    }
    assert client.post(path, data).status_code == 302
    assert ChangeRequest.objects.get(pk=scope.change.pk).title == "Add Safari and Firefox"
    services.change_request_transition(change_request=scope.change, by=manager, to="submitted")
    response = client.get(path, follow=True)
    assert "only drafts can be edited" in response.content.decode()


def test_change_log_shows_totals_of_approved_impact_only(
    client_for, viewer, manager, project, scope
):
    """Totals add approved and implemented changes only; the draft counts in the total number."""
    approved = services.change_request_create(
        project=project,
        by=manager,
        title="Extra report",
        schedule_impact=2,
        cost_impact=Decimal("1500"),
    )
    services.change_request_transition(change_request=approved, by=manager, to="submitted")
    services.change_request_transition(
        change_request=approved, by=manager, to="approved", reason="OK"
    )
    response = client_for(viewer).get(url("changes", project))
    totals = response.context["totals"]
    assert (totals["schedule"], totals["cost"], totals["approved"], totals["total"]) == (
        2,
        Decimal("1500.00"),
        1,
        2,
    )
    assert "+€1,500.00" in response.content.decode()


# --- Templates and overview ----------------------------------------------------------------------


def test_project_create_from_a_template_prefills_scope(client_for, manager, project, scope):
    """Choosing a template on the new-project page copies its WBS, deliverables and objectives."""
    template = services.template_from_project(project=project, by=manager, name="Portal template")
    client = client_for(manager)
    form_html = client.get(reverse("projects:create")).content.decode()
    assert "Start from template" in form_html and "Portal template (" in form_html
    assert "3 work packages" in form_html
    data = {
        "template": template.pk,
        "name": "Second portal",
        "key": "PORT2",
        "type": "software",
        "methodology": "scrum",
        "stage": "initiating",
        "start_date": "2026-02-02",
        "target_finish": "2026-08-28",
        "currency": "EUR",
        "time_zone": "Europe/London",
        "report_weekday": 5,
        "report_hour": 9,
    }
    response = client.post(reverse("projects:create"), data, follow=True)
    new = Project.objects.get(key="PORT2")
    assert "from the template" in response.content.decode()
    assert codes(new) == [("1", "Design"), ("1.1", "UX"), ("2", "Build")]
    assert new.deliverables.get().criteria.count() == 2


def test_template_save_by_a_manager(client_for, manager, project, scope):
    """A manager saves the project as a template; a duplicate name is an error on the name."""
    client = client_for(manager)
    page = client.get(url("template_save", project)).content.decode()
    assert "3 packages" in page
    response = client.post(url("template_save", project), {"name": "Portal template"})
    assert response.status_code == 302
    template = ProjectTemplate.objects.get(name="Portal template")
    assert template.count("work_packages") == 3 and template.created_by == manager
    again = client.post(url("template_save", project), {"name": "Portal template"})
    assert again.status_code == 200 and again.context["form"].errors["name"]


def test_overview_shows_a_scope_summary(client_for, viewer, manager, project, scope):
    """The overview counts accepted deliverables and change requests awaiting a decision."""
    services.change_request_transition(change_request=scope.change, by=manager, to="submitted")
    response = client_for(viewer).get(reverse("projects:overview", args=[project.pk]))
    assert response.context["scope"] == {
        "deliverables": 1,
        "accepted": 0,
        "pending_changes": 1,
        "approved_changes": 0,
    }
    assert "Save as template" not in response.content.decode()


# --- Query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("charter", 6),
        ("objectives", 5),
        ("deliverables", 6),
        ("requirements", 7),
        ("traceability", 7),
        ("wbs", 6),
        ("changes", 6),
    ],
)
def test_scope_list_page_query_budget(
    client_for, manager, project, scope, name, budget, django_assert_max_num_queries
):
    """Each list page costs a fixed number of queries, however many records it shows."""
    client = client_for(manager)
    few = _count_queries(client, url(name, project))
    for i in range(6):
        wp = services.work_package_add(
            project=project, by=manager, name=f"WP {i}", parent=scope.design
        )
        d = services.deliverable_create(
            project=project,
            by=manager,
            name=f"D {i}",
            owner=manager,
            work_package=wp,
            criteria=["a", "b"],
        )
        services.requirement_create(project=project, by=manager, text=f"R {i}", deliverables=[d])
        services.objective_create(project=project, by=manager, description=f"O {i}", measure="m")
        change = services.change_request_create(project=project, by=manager, title=f"C {i}")
        services.change_request_transition(change_request=change, by=manager, to="submitted")
        services.change_request_transition(
            change_request=change, by=UserFactory(), to="approved", reason="ok"
        )
    assert _count_queries(client, url(name, project)) == few
    with django_assert_max_num_queries(budget):
        client.get(url(name, project))


def test_member_names_in_html_are_not_ids(client_for, viewer, project, scope):
    """Owners show by name, never as a raw id (sanity check of the deliverable page)."""
    html = (
        client_for(viewer)
        .get(url("deliverable", project, deliverable_pk=scope.deliverable.pk))
        .content.decode()
    )
    assert "Mo Member" in html and not re.search(r"<dd>\d+</dd>", html)


def test_requirement_list_sorts_priority_by_rank(client_for, viewer, manager, project, scope):
    """Sorting by priority puts Must before Should before Could, and reverses on a second click."""
    services.requirement_create(project=project, by=manager, text="Theme", priority="could")
    services.requirement_create(project=project, by=manager, text="Export", priority="should")
    client = client_for(viewer)

    def priorities(sort):
        response = client.get(url("requirements", project), {"sort": sort})
        return [r.priority for r in response.context["requirements"]]

    assert priorities("priority") == ["must", "should", "could"]
    assert priorities("-priority") == ["could", "should", "must"]
    html = client.get(url("requirements", project), {"sort": "priority"}).content.decode()
    assert 'aria-sort="ascending"' in html and 'name="sort" value="priority"' in html


def test_change_log_sorts_by_cost(client_for, viewer, manager, project, scope):
    """The change log sorts by a column; newest first by default."""
    services.change_request_create(project=project, by=manager, title="Big", cost_impact=9000)
    client = client_for(viewer)
    default = client.get(url("changes", project)).context["change_requests"]
    by_cost = client.get(url("changes", project), {"sort": "-cost"}).context["change_requests"]
    assert [c.number for c in default] == [2, 1]
    assert [c.title for c in by_cost] == ["Big", "Add Safari support"]
