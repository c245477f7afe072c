"""The audit trail: a project's history across every app, one record's history, filters, access."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import services as budget_services
from projects import services
from projects.history import HistoryFilter, history_page, tracked_models
from projects.models import Role
from projects.money import money
from reports.services.delivery import status_report_send
from reports.services.status import status_report_build
from risks import services as risk_services
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services
from stakeholders.models import CommunicationPlanItem


@pytest.fixture
def busy(project, manager, member):
    """A project changed in every area: tasks, a link, a resource, a cost, a risk, a stakeholder,
    a baseline and a sent report, each created and then edited (by the manager or the member)."""
    start = project.start_date
    design = scheduling_services.task_create(project=project, by=manager, name="Design")
    build = scheduling_services.task_create(project=project, by=manager, name="Build")
    design = scheduling_services.task_update(
        task=design, by=member, version=None, percent_complete=40
    )
    link = scheduling_services.dependency_add(
        project=project, by=manager, predecessor=design, successor=build
    )
    scheduling_services.dependency_update(dependency=link, by=manager, version=None, lag=2)
    scheduling_services.baseline_create(project=project, by=manager, name="Approved plan")
    ana = budget_services.resource_create(project=project, by=manager, name="Ana")
    budget_services.resource_update(resource=ana, by=manager, version=None, name="Ana Lima")
    entry = budget_services.cost_entry_create(
        project=project, by=member, date=start, amount="120.00", category="software"
    )
    budget_services.cost_entry_update(entry=entry, by=member, version=None, category="hardware")
    risk = risk_services.risk_create(
        project=project, by=member, title="Vendor slips", probability=2, impact=3
    )
    risk_services.risk_update(risk=risk, by=member, version=None, probability=4)
    sam = stakeholder_services.stakeholder_create(
        project=project, by=manager, name="Sam Sponsor", email="sam@example.com", power=2
    )
    sam = stakeholder_services.stakeholder_update(
        stakeholder=sam, by=manager, version=None, power=5
    )
    stakeholder_services.communication_item_create(
        project=project,
        by=manager,
        title="Weekly status report",
        kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT,
        audience=[sam],
    )
    report = status_report_build(project=project, by=manager)
    status_report_send(report=report, by=manager)
    pilot = services.deliverable_create(project=project, by=manager, name="Pilot")
    change = services.change_request_create(project=project, by=manager, title="Safari")
    return {
        "design": design,
        "link": link,
        "risk": risk,
        "entry": entry,
        "sam": sam,
        "pilot": pilot,
        "change": change,
    }


def _entries(response) -> list:
    return list(response.context["page"].object_list)


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {change.label: (change.old_display, change.new_display) for change in entry.changes}


def _find(entries, subject: str, action: str = "changed"):
    return next(e for e in entries if e.subject == subject and e.action == action)


def test_history_discovers_every_model_that_records_history():
    """Every model with history that belongs to a project is found through the app registry."""
    found = tracked_models()
    assert len(found) >= 44  # every one of them today
    assert found["scheduling.task"].area == "schedule" and found["scheduling.task"].via is None
    assert found["risks.riskaction"].via == "risk"  # reaches the project through its risk
    assert found["projects.acceptancecriterion"].parent == "projects.deliverable"
    assert {t.area for t in found.values()} == {
        "scope",
        "schedule",
        "budget",
        "risk",
        "stakeholders",
        "reports",
    }


def test_history_shows_changes_in_every_area_with_old_and_new(client_for, busy, viewer):
    """Tasks, links, resources, costs, risks, stakeholders, the plan's audience and the sent report
    are all listed, each edit with its field's human name and old → new values as people read
    them."""
    response = client_for(viewer).get(reverse("projects:history", args=[busy["design"].project_id]))
    assert response.status_code == 200
    entries = _entries(response)
    assert _changes(_find(entries, "Task Design"))["Percent complete"] == ("0", "40")
    assert _changes(_find(entries, "Dependency Design · Build"))["Lag"] == ("0", "2")
    assert _changes(_find(entries, "Resource Ana Lima"))["Name"] == ("Ana", "Ana Lima")
    cost = next(e for e in entries if e.model == "budgets.costentry" and e.action == "changed")
    assert _changes(cost)["Category"] == ("Software and licences", "Hardware")
    risk = _changes(_find(entries, "Risk Vendor slips"))
    assert risk["Probability"] == ("2", "4") and risk["Score"] == ("6", "12")
    assert _changes(_find(entries, "Stakeholder Sam Sponsor"))["Power"] == ("2", "5")
    plan = _find(entries, "Communication plan item Weekly status report")
    assert _changes(plan)["Audience"] == ("—", "Sam Sponsor")  # many-to-many members, by name
    report = next(e for e in entries if e.model == "reports.statusreport" and e.action == "changed")
    assert _changes(report)["Status"] == ("Draft", "Sent")
    assert _find(entries, "Baseline Approved plan", "created").area == "schedule"
    html = response.content.decode()
    assert "Vendor slips" in html and "Software and licences" in html and "Mo Member" in html
    assert "<del>Draft</del>" in html and "<ins>Sent</ins>" in html


def test_history_dates_and_times_are_human_and_labelled_with_the_zone(client_for, busy, manager):
    """Timestamps carry the project's time-zone label; dates read as people write them."""
    project = busy["design"].project
    response = client_for(manager).get(reverse("projects:history", args=[project.pk]))
    created = next(
        e for e in _entries(response) if e.model == "budgets.costentry" and e.action == "created"
    )
    day = project.start_date
    assert _changes(created)["Date"] == ("—", f"{day.day} {day:%b %Y}")
    assert created.subject == f"Cost entry {day.day} {day:%b %Y}"
    now = datetime.datetime.now(tz=project.zone)
    assert f"{now:%b %Y} " in response.content.decode()
    assert f" {now:%Z}</time>" in response.content.decode()


def test_history_money_reads_in_the_projects_currency(client_for, busy, manager):
    """A cost entry's amount reads "€120.00" as on the budget pages, not a bare 120.00."""
    project = busy["design"].project
    response = client_for(manager).get(reverse("projects:history", args=[project.pk]))
    created = next(
        e for e in _entries(response) if e.model == "budgets.costentry" and e.action == "created"
    )
    assert _changes(created)["Amount"] == ("—", money(Decimal("120.00"), project.currency))
    assert _changes(created)["Amount"][1].endswith("120.00")
    assert _changes(created)["Amount"][1] != "120.00"


def test_history_filters_by_area(client_for, busy, manager):
    """The area filter keeps only that area's records: risk shows risks, not tasks."""
    project_pk = busy["design"].project_id
    response = client_for(manager).get(
        reverse("projects:history", args=[project_pk]), {"area": "risk"}
    )
    entries = _entries(response)
    assert entries and {e.area for e in entries} == {"risk"}
    assert {e.model for e in entries} >= {"risks.risk"}


def test_history_filters_by_person(client_for, busy, manager, member):
    """The person filter keeps only that person's changes."""
    project_pk = busy["design"].project_id
    response = client_for(manager).get(
        reverse("projects:history", args=[project_pk]), {"user": member.pk}
    )
    entries = _entries(response)
    assert {e.who for e in entries} == {member}
    assert {e.model for e in entries} == {"scheduling.task", "budgets.costentry", "risks.risk"}


def test_history_htmx_filter_sends_only_the_table(client_for, busy, manager):
    """With htmx, changing a filter sends back the table alone."""
    project_pk = busy["design"].project_id
    response = client_for(manager).get(
        reverse("projects:history", args=[project_pk]), {"area": "budget"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="history-table"') and "<form" not in html


def test_history_record_page_shows_one_records_changes(client_for, busy, viewer):
    """A record's own history lists only that record's versions, linked from the project's."""
    risk = busy["risk"]
    url = reverse("projects:record_history", args=[risk.project_id, "risks.risk", risk.pk])
    response = client_for(viewer).get(url)
    assert response.status_code == 200
    entries = _entries(response)
    assert [e.action for e in entries] == ["changed", "created"]
    assert {e.object_id for e in entries} == {risk.pk}
    whole = client_for(viewer).get(reverse("projects:history", args=[risk.project_id]))
    assert url in whole.content.decode()


@pytest.mark.parametrize(
    ("route", "key"),
    [
        ("scheduling:task_detail", "design"),
        ("risks:risk", "risk"),
        ("projects:deliverable", "pilot"),
        ("projects:change", "change"),
        ("budgets:cost_entry_edit", "entry"),
        ("stakeholders:stakeholder_edit", "sam"),
    ],
)
def test_history_record_pages_link_to_their_history(client_for, busy, manager, route, key):
    """The pages of a task, risk, deliverable, change request, cost entry and stakeholder link to
    the record's own history, and that page lists the record's versions."""
    record = busy[key]
    client = client_for(manager)
    page = client.get(reverse(route, args=[record.project_id, record.pk]))
    link = reverse(
        "projects:record_history", args=[record.project_id, record._meta.label_lower, record.pk]
    )
    assert link in page.content.decode()
    entries = _entries(client.get(link))
    assert entries[-1].action == "created" and {e.object_id for e in entries} == {record.pk}


def test_history_record_of_another_project_is_404(client_for, busy, outsider):
    """A record id under a project it does not belong to, or an unknown kind, is not found."""
    own = outsider.memberships.get().project
    risk = busy["risk"]
    client = client_for(outsider)
    assert (
        client.get(
            reverse("projects:record_history", args=[own.pk, "risks.risk", risk.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("projects:record_history", args=[own.pk, "auth.user", 1])).status_code
        == 404
    )


def test_history_outsider_gets_404(client_for, busy, outsider):
    """To a non-member the project's history and its records' histories do not exist."""
    risk = busy["risk"]
    client = client_for(outsider)
    for url in (
        reverse("projects:history", args=[risk.project_id]),
        reverse("projects:record_history", args=[risk.project_id, "risks.risk", risk.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_history_change_without_an_earlier_version_lists_its_values(client_for, manager, project):
    """A change to a record written without history (in bulk) lists the values it was saved
    with, marked as not compared, instead of an empty change."""
    task = scheduling_services.task_create(project=project, by=manager, name="Imported")
    task.history.all().delete()  # as bulk_create leaves it: no creation recorded
    scheduling_services.task_update(task=task, by=manager, version=None, percent_complete=60)
    response = client_for(manager).get(reverse("projects:history", args=[project.pk]))
    entry = _find(_entries(response), "Task Imported")
    assert not entry.compared
    assert _changes(entry)["Percent complete"] == ("—", "60")
    assert "no earlier version to compare with" in response.content.decode()


def test_history_membership_changes_read_as_before(client_for, manager, member, project):
    """A member's role change and removal are listed with the role's label."""
    membership = project.memberships.get(user=member)
    services.membership_change_role(membership=membership, by=manager, role=Role.VIEWER)
    services.membership_remove(membership=project.memberships.get(user=member), by=manager)
    response = client_for(manager).get(reverse("projects:history", args=[project.pk]))
    removed, changed = _entries(response)[:2]
    assert removed.subject == "Membership Mo Member" and removed.action == "deleted"
    assert _changes(changed)["Role"] == ("Member", "Viewer") and changed.who == manager


def _count(client, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


def test_history_query_count_does_not_grow_with_the_rows_shown(
    client_for, busy, manager, django_assert_max_num_queries
):
    """Queries depend on the kinds of record a page shows, never on how many rows it shows:
    a page of 32 risk changes costs what a page of 3 did, and no page of the whole trail costs
    more than the first page did when it held every kind."""
    design, risk = busy["design"], busy["risk"]
    client = client_for(manager)
    url = reverse("projects:history", args=[design.project_id])
    few = _count(client, url, {"area": "risk"})
    every_kind = _count(client, url)
    for i in range(30):
        design = scheduling_services.task_update(
            task=design, by=manager, version=None, percent_complete=41 + i
        )
        risk = risk_services.risk_update(risk=risk, by=manager, version=None, probability=1 + i % 5)
    with django_assert_max_num_queries(few):
        response = client.get(url, {"area": "risk"})
    assert len(_entries(response)) == 32
    for page_number in (1, 2):
        with django_assert_max_num_queries(every_kind):
            page = client.get(url, {"page": page_number})
        assert page.context["page"].number == page_number


def test_history_page_is_paginated_newest_first(busy, manager):
    """The selector pages the trail, newest first, 50 to a page by default."""
    project = busy["design"].project
    first = history_page(project, HistoryFilter(), 1, per_page=5)
    second = history_page(project, HistoryFilter(), 2, per_page=5)
    whens = [e.when for e in [*first.object_list, *second.object_list]]
    assert whens == sorted(whens, reverse=True) and len(whens) == 10
    assert first.paginator.count > 20
