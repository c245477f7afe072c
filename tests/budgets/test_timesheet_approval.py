"""A submitted week: non-project time in the totals, each project's manager approving (or
returning) only their project's part, approved hours locked and counted in labour actual cost,
and the missing-week reminder."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import services as budget_services
from budgets import timesheets
from budgets.models import NonProjectTime, TimeEntry, TimesheetPart, TimesheetWeek
from budgets.selectors import evm_for
from budgets.services.timesheets import timesheet_reminders_record, timesheet_submit
from projects.models import Project
from projects.models.event import Event, Notification
from projects.services.notifications import describe, fan_out
from scheduling import services as schedule_services
from stakeholders.models import Approval
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # Monday 16 Nov 2026, before the suite's frozen today (26 Nov 2026)
MONDAY = datetime.date(2026, 11, 16)
AS_OF = datetime.date(2026, 11, 26)
cell = timesheets.cell_name


@pytest.fixture
def bea(db):
    """The manager of project BETA (Maria manages ALPHA)."""
    return UserFactory(username="bea", first_name="Bea", last_name="Boss")


@pytest.fixture
def two(manager, member, bea):
    """Mo works on ALPHA (rate 50 /h, Maria manages) and BETA (rate 60 /h, Bea manages)."""
    alpha = project_with(manager=manager, member=member)
    beta = project_with(manager=bea, member=member)
    Project.objects.filter(pk=alpha.pk).update(key="ALPHA")
    Project.objects.filter(pk=beta.pk).update(key="BETA")
    alpha.refresh_from_db()
    beta.refresh_from_db()
    build = schedule_services.task_create(project=alpha, by=manager, name="Build", duration=5)
    test = schedule_services.task_create(project=beta, by=bea, name="Test", duration=5)
    mo_a = budget_services.resource_create(
        project=alpha, by=manager, name="Mo", user=member, rate="50"
    )
    mo_b = budget_services.resource_create(project=beta, by=bea, name="Mo", user=member, rate="60")
    budget_services.assignment_add(task=build, resource=mo_a, by=manager)
    budget_services.assignment_add(task=test, resource=mo_b, by=bea)
    return {"alpha": alpha, "beta": beta, "build": build, "test": test, "a": mo_a, "b": mo_b}


def _log_week(member, two) -> None:
    """30 h on ALPHA and 10 h on BETA (6 h + 2 h a day, Mon–Fri), 8 h leave on Monday."""
    cells = {}
    for day in range(5):
        cells[cell(two["a"].pk, two["build"].pk, day)] = "6"
        cells[cell(two["b"].pk, two["test"].pk, day)] = "2"
    cells[timesheets.non_project_cell("leave", 0)] = "8"
    timesheets.timesheet_save(user=member, start=MONDAY, cells=cells)


def test_non_project_time_counts_against_capacity_and_in_no_project(member, two):
    """30 h + 10 h + 8 h leave = 48 h against a capacity of 40 h; leave is in no project."""
    _log_week(member, two)
    week = timesheets.timesheet(member, MONDAY)
    assert week.total == Decimal("48") and week.capacity == Decimal("40.00")
    assert week.day_totals[0] == Decimal("16")
    assert week.over_days == [MONDAY]
    leave = next(row for row in week.other_rows if row.category == "leave")
    assert leave.hours[0] == Decimal("8") and leave.editable
    assert NonProjectTime.objects.get().user == member
    assert TimeEntry.objects.count() == 10  # the leave is no project's time entry


def test_hours_typed_on_the_timesheet_count_in_ac_only_once_approved(member, two):
    """Before approval a project's labour AC has none of the week's hours."""
    _log_week(member, two)
    assert not TimeEntry.objects.filter(approved=True).exists()
    assert evm_for(two["alpha"], AS_OF).ac == Decimal("0.00")


def test_a_managers_entry_outside_the_timesheet_is_approved_on_write(manager, member, two):
    """The rule for integrations: a manager logging through the API or a service counts at
    once; a member logging their own hours through the API waits for their week's approval."""
    by_manager = budget_services.time_entry_log(
        resource=two["a"], task=two["build"], by=manager, date=MONDAY, hours="3"
    )
    by_member = budget_services.time_entry_log(
        resource=two["b"], task=two["test"], by=member, date=MONDAY, hours="3"
    )
    assert by_manager.approved and not by_member.approved
    assert evm_for(two["alpha"], AS_OF).ac == Decimal("150.00")  # 3 h × 50
    assert evm_for(two["beta"], AS_OF).ac == Decimal("0.00")


def test_submit_approve_return_worked_example(
    client_for, api_for, manager, member, bea, two, settings
):
    """Each manager is asked about their project's part only; ALPHA approves (AC 30 h × 50 =
    1,500.00), BETA returns with a reason (the week is returned, ALPHA's hours stay approved
    and locked, BETA's are editable again and not in AC); resubmitted and approved, BETA's AC is
    10 h × 60 = 600.00."""
    _log_week(member, two)
    week = timesheet_submit(user=member, start=MONDAY)
    assert week.status == TimesheetWeek.Status.SUBMITTED
    part_a = TimesheetPart.objects.get(project=two["alpha"])
    part_b = TimesheetPart.objects.get(project=two["beta"])
    assert (part_a.hours, part_b.hours) == (Decimal("30.00"), Decimal("10.00"))
    asked = {(a.approver.username, a.object_id) for a in Approval.objects.all()}
    assert asked == {("maria", part_a.pk), ("bea", part_b.pk)}

    # Maria sees ALPHA's hours only; BETA's part is not hers (404: not a member of BETA).
    maria = client_for(manager)
    page = maria.get(reverse("budgets:timesheet_part", args=[two["alpha"].pk, part_a.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "Build" in body and "Test" not in body
    assert "30" in body and "Leave" not in body
    other = reverse("budgets:timesheet_part", args=[two["beta"].pk, part_b.pk])
    assert maria.get(other).status_code == 404
    # The member's own week is read-only while it waits.
    assert not any(row.editable for row in timesheets.timesheet(member, MONDAY).rows)

    response = maria.post(
        reverse("budgets:timesheet_part", args=[two["alpha"].pk, part_a.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    approval_b = Approval.objects.get(object_id=part_b.pk, kind="timesheet")
    bea_api = api_for(bea)
    decide = f"/api/v1/projects/{two['beta'].pk}/approvals/{approval_b.pk}/decide/"
    assert bea_api.post(decide, {"decision": "rejected"}).status_code == 400  # no reason
    returned = bea_api.post(decide, {"decision": "rejected", "comment": "Test had 8 h, not 10"})
    assert returned.status_code == 200, returned.json()

    week.refresh_from_db()
    part_a.refresh_from_db()
    part_b.refresh_from_db()
    assert week.status == TimesheetWeek.Status.RETURNED
    assert part_a.status == "approved" and part_b.status == "returned"
    assert part_b.reason == "Test had 8 h, not 10"
    assert evm_for(two["alpha"], AS_OF).ac == Decimal("1500.00")  # 30 h × 50
    assert evm_for(two["beta"], AS_OF).ac == Decimal("0.00")
    grid = timesheets.timesheet(member, MONDAY)
    assert {row.project.key: row.editable for row in grid.rows} == {"ALPHA": False, "BETA": True}
    assert all(row.editable for row in grid.other_rows)

    # A locked entry through the API: a 400 that says why, nothing written.
    entry = TimeEntry.objects.filter(project=two["alpha"]).first()
    member_api = api_for(member)
    entries = f"/api/v1/projects/{two['alpha'].pk}/time-entries/"
    patched = member_api.patch(f"{entries}{entry.pk}/", {"hours": "1", "version": entry.version})
    assert patched.status_code == 400
    assert "is approved on this project; its hours are locked" in str(patched.json())
    assert member_api.delete(f"{entries}{entry.pk}/").status_code == 400
    logged = member_api.post(
        entries,
        {"resource": two["a"].pk, "task": two["build"].pk, "date": "2026-11-17", "hours": "1"},
    )
    assert logged.status_code == 400
    assert TimeEntry.objects.get(pk=entry.pk).hours == Decimal("6.00")

    # Mo fixes BETA (8 h) and submits again: only BETA is asked again.
    timesheets.timesheet_save(
        user=member, start=MONDAY, cells={cell(two["b"].pk, two["test"].pk, 4): ""}
    )
    week = timesheet_submit(user=member, start=MONDAY)
    assert week.status == TimesheetWeek.Status.SUBMITTED
    again = Approval.objects.for_subject(part_b).pending().get()
    assert again.approver == bea
    assert not Approval.objects.for_subject(part_a).pending().exists()
    approved = api_for(bea).post(  # one test client: authenticate as Bea again
        f"/api/v1/projects/{two['beta'].pk}/approvals/{again.pk}/decide/",
        {"decision": "approved"},
    )
    assert approved.status_code == 200, approved.json()
    week.refresh_from_db()
    assert week.status == TimesheetWeek.Status.APPROVED
    assert evm_for(two["beta"], AS_OF).ac == Decimal("480.00")  # 8 h × 60
    status = api_for(member).get("/api/v1/timesheets/", {"week": WEEK}).json()
    assert status["status"] == "approved"
    assert [(p["project_key"], p["status"]) for p in status["parts"]] == [
        ("ALPHA", "approved"),
        ("BETA", "approved"),
    ]
    assert not any(row["editable"] for row in status["rows"])


def test_submit_through_the_api_and_twice_is_refused(api_for, member, two):
    _log_week(member, two)
    api = api_for(member)
    response = api.post(f"/api/v1/timesheets/submit/?week={WEEK}")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    again = api.post(f"/api/v1/timesheets/submit/?week={WEEK}")
    assert again.status_code == 400 and "already Submitted" in str(again.json())


def test_a_member_of_the_project_who_is_not_its_manager_cannot_open_a_part(
    client_for, member, viewer, manager, two
):
    """The approval page is for the project's managers: a member gets 403, a stranger 404."""
    _log_week(member, two)
    timesheet_submit(user=member, start=MONDAY)
    part = TimesheetPart.objects.get(project=two["alpha"])
    path = reverse("budgets:timesheet_part", args=[two["alpha"].pk, part.pk])
    assert client_for(member).get(path).status_code == 403
    stranger = UserFactory(username="sam")
    project_with(manager=stranger)
    assert client_for(stranger).get(path).status_code == 404


def test_page_submit_button_and_status_banner(client_for, member, two):
    _log_week(member, two)
    client = client_for(member)
    page = client.get(reverse("budgets:timesheet"), {"week": WEEK}).content.decode()
    assert "Submit week 2026-W47 for approval" in page and "Draft" in page
    response = client.post(
        reverse("budgets:timesheet") + f"?week={WEEK}", {"week": WEEK, "submit": "1"}
    )
    assert response.status_code == 302
    page = client.get(reverse("budgets:timesheet"), {"week": WEEK}).content.decode()
    assert "Submitted" in page and "Submit week" not in page
    assert "ALPHA" in page and "Waiting for approval" in page


def test_csv_has_the_status_and_non_project_rows(client_for, member, two):
    _log_week(member, two)
    response = client_for(member).get(reverse("budgets:timesheet"), {"week": WEEK, "format": "csv"})
    text = response.content.decode()
    assert "Leave" in text and "Status,Draft" in text


def test_reminder_once_per_person_and_week(manager, member, two):
    """From Monday 09:00 (the site's zone, UTC here) after an unsubmitted week: one event and
    one notification for Mo (Maria and Bea are resources nowhere: nothing); a second run
    records nothing."""
    monday = datetime.datetime(2026, 11, 30, 9, 30, tzinfo=datetime.UTC)
    early = datetime.datetime(2026, 11, 30, 0, 30, tzinfo=datetime.UTC)
    assert timesheet_reminders_record(now=early) == 0  # Monday before nine: not yet
    count = timesheet_reminders_record(now=monday)
    assert count == 1
    event = Event.objects.get(type="timesheet.due")
    assert event.data["assignee"] == member.pk and event.data["when"] == "2026-W48"
    assert timesheet_reminders_record(now=monday + datetime.timedelta(hours=1)) == 0
    fan_out([event.pk])
    note = Notification.objects.get(recipient=member)
    assert describe(note.event) == "Your timesheet for 2026-W48 is not submitted"
    assert not Notification.objects.exclude(recipient=member).exists()


def test_no_reminder_for_a_submitted_week(member, two):
    timesheet_submit(user=member, start=datetime.date(2026, 11, 23))
    monday = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
    assert timesheet_reminders_record(now=monday) == 0


def test_approval_page_query_count(client_for, manager, member, two, django_assert_max_num_queries):
    """The part's page reads a fixed number of queries whatever the number of tasks (five rows
    here), and so does the person's grid once the week is submitted."""
    for index in range(5):
        task = schedule_services.task_create(
            project=two["alpha"], by=manager, name=f"T{index}", duration=1
        )
        budget_services.assignment_add(task=task, resource=two["a"], by=manager)
        budget_services.time_entry_log(
            resource=two["a"], task=task, by=member, date=MONDAY, hours="1"
        )
    timesheet_submit(user=member, start=MONDAY)
    part = TimesheetPart.objects.get(project=two["alpha"])
    client = client_for(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("budgets:timesheet_part", args=[two["alpha"].pk, part.pk]))
    assert response.status_code == 200 and response.content.decode().count("<tr>") == 5 + 2
    # The person's grid of a submitted week: the week, its parts and non-project time on top
    # of the grid's own queries.
    client = client_for(member)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("budgets:timesheet"), {"week": WEEK})
    assert response.status_code == 200


def test_my_work_lists_timesheet_approvals_in_flat_queries(client_for, manager, two):
    """Maria's My work names each waiting timesheet (person and week) without a query per
    approval: five people's weeks cost what one does."""

    def waiting(count: int) -> int:
        for index in range(count):
            person = UserFactory(username=f"p{index}-{count}")
            project_with(member=person)  # somewhere else too
            two["alpha"].memberships.create(user=person, role="member")
            resource = budget_services.resource_create(
                project=two["alpha"], by=manager, name=f"P{index}-{count}", user=person
            )
            budget_services.time_entry_log(
                resource=resource, task=two["build"], by=person, date=MONDAY, hours="1"
            )
            timesheet_submit(user=person, start=MONDAY)
        client = client_for(manager)
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("stakeholders:my_work")).status_code == 200
        return len(context.captured_queries)

    one = waiting(1)
    six = waiting(5)
    assert six == one


def test_reminders_take_a_fixed_number_of_queries(manager, two, django_assert_max_num_queries):
    """Six people to remind cost the same handful of queries as one."""
    for index in range(5):
        person = UserFactory(username=f"r{index}")
        two["alpha"].memberships.create(user=person, role="member")
        budget_services.resource_create(
            project=two["alpha"], by=manager, name=f"R{index}", user=person
        )
    monday = datetime.datetime(2026, 11, 30, 9, 30, tzinfo=datetime.UTC)
    # The content-type cache is warm, as in a worker that has run before (this test alone
    # would otherwise count the one lookup that fills it).
    ContentType.objects.get_for_models(*apps.get_models())
    with django_assert_max_num_queries(8):
        assert timesheet_reminders_record(now=monday) == 6


def test_an_approval_asked_by_hand_of_a_non_manager_decides_nothing(
    api_for, manager, member, viewer, two
):
    """A manager may ask anyone through the approvals API, but a viewer's yes does not approve
    hours: 400, and the part still waits."""
    two["alpha"].memberships.create(user=viewer, role="viewer")
    _log_week(member, two)
    timesheet_submit(user=member, start=MONDAY)
    part = TimesheetPart.objects.get(project=two["alpha"])
    base = f"/api/v1/projects/{two['alpha'].pk}/approvals/"
    asked = api_for(manager).post(
        base, {"kind": "timesheet", "subject_id": part.pk, "approver": viewer.pk}
    )
    assert asked.status_code == 201, asked.json()
    decided = api_for(viewer).post(f"{base}{asked.json()['id']}/decide/", {"decision": "approved"})
    assert decided.status_code == 400
    assert "Only a manager of ALPHA" in str(decided.json())
    part.refresh_from_db()
    assert part.status == "pending"
    assert not TimeEntry.objects.filter(project=two["alpha"], approved=True).exists()


def test_a_closed_projects_hours_are_left_out_of_the_submission(member, two):
    """BETA closed after Mo logged: only ALPHA is asked; the week does not wait on a project
    nobody may decide in."""
    _log_week(member, two)
    Project.objects.filter(pk=two["beta"].pk).update(stage=Project.Stage.CLOSED)
    week = timesheet_submit(user=member, start=MONDAY)
    assert [part.project.key for part in week.parts.all()] == ["ALPHA"]
    assert week.status == TimesheetWeek.Status.SUBMITTED
