"""Budget writes: money validation, CSV import and export, labour cost, over-allocation, trail.

Projects start Monday 5 Jan 2026 (the factory's default) and work Monday to Friday.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets import selectors, services
from budgets.models import BudgetAdjustment, BudgetBaseline, CostEntry
from projects import services as project_services
from projects.exceptions import StaleEdit
from scheduling import services as schedule_services
from tests.factories import project_with

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal


@pytest.fixture
def task(project, manager):
    return schedule_services.task_create(
        project=project, by=manager, name="Build API", duration=5, fixed_cost=M("500.00")
    )


@pytest.fixture
def other_project(outsider):
    return project_with(manager=outsider)


def message(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("-120.00", "is negative"),
        ("12.345", "more than 2 decimal places"),
        ("abc", "is not an amount"),
        ("1,250.00", "has a comma"),
        ("0", "more than zero"),
        ("", "Enter an amount"),
        ("NaN", "is not an amount"),
        ("1e20", "too large"),
    ],
)
def test_cost_entry_create_refuses_bad_money_with_a_clear_message(project, manager, amount, says):
    """Negative, over-precise, non-numeric, comma-formatted, zero or huge amounts are refused."""
    with pytest.raises(ValidationError) as error:
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, 5), amount=amount, category="hardware"
        )
    assert says in message(error, "amount")
    assert not CostEntry.objects.exists()


def test_cost_entry_credit_lowers_actual_cost(project, manager):
    """A credit note is a positive amount of kind credit; it counts negative in actual cost."""
    services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 5), amount="100.00", category="hardware"
    )
    credit = services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 6),
        amount="30.00",
        category="hardware",
        kind="credit",
    )
    assert credit.amount == M("30.00") and credit.signed_amount == M("-30.00")
    assert CostEntry.objects.for_project(project).total() == M("70.00")


def test_cost_entry_create_refuses_reserves_and_unknown_categories(project, manager):
    """Reserves are budgeted, not spent; an unknown category lists the ones to use."""
    with pytest.raises(ValidationError) as error:
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, 5), amount="10", category="contingency"
        )
    assert "not spent directly" in message(error, "category")
    with pytest.raises(ValidationError) as error:
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, 5), amount="10", category="beer"
        )
    assert "software and licences" in message(error, "category")


def test_budget_line_create_refuses_negative_and_foreign_work_package(
    project, manager, other_project, outsider
):
    """A planned amount cannot be negative; a work package of another project is refused."""
    with pytest.raises(ValidationError) as error:
        services.budget_line_create(
            project=project, by=manager, category="hardware", planned_amount="-1"
        )
    assert "negative" in message(error, "planned_amount")
    foreign = project_services.work_package_add(project=other_project, by=outsider, name="X")
    with pytest.raises(ValidationError) as error:
        services.budget_line_create(
            project=project,
            by=manager,
            category="hardware",
            planned_amount="10",
            work_package=foreign,
        )
    assert "another project" in message(error, "work_package")


def test_budget_line_update_refuses_a_stale_version(project, manager):
    """Two people editing one line: the second, based on the old version, gets StaleEdit."""
    line = services.budget_line_create(
        project=project, by=manager, category="travel", planned_amount="1000"
    )
    services.budget_line_update(line=line, by=manager, version=1, planned_amount="1200")
    with pytest.raises(StaleEdit):
        services.budget_line_update(line=line, by=manager, version=1, planned_amount="900")
    line.refresh_from_db()
    assert (line.planned_amount, line.version) == (M("1200.00"), 2)


def test_cost_entry_create_refuses_a_task_of_another_project(
    project, manager, other_project, outsider
):
    """A task id from another project is refused, not booked."""
    foreign = schedule_services.task_create(project=other_project, by=outsider, name="Theirs")
    with pytest.raises(ValidationError) as error:
        services.cost_entry_create(
            project=project,
            by=manager,
            date=D(2026, 1, 5),
            amount="10",
            category="hardware",
            task=foreign,
        )
    assert "another project" in message(error, "task")


# --- CSV ------------------------------------------------------------------------------------------


def test_cost_entries_import_imports_every_row_when_all_are_good(project, manager, task):
    """Tasks by id or by name, categories by value or label, credits by kind."""
    csv_text = (
        "date,amount,category,kind,task,vendor,invoice_reference,note\n"
        f"2026-01-05,1200.50,Hardware,,{task.pk},Dell,INV-1,Laptops\n"
        "2026-01-06,300,software,,build api,JetBrains,INV-2,\n"
        "2026-01-07,50.00,hardware,credit,,Dell,CN-1,Returned mouse\n"
    )
    report = services.cost_entries_import(project=project, by=manager, file=csv_text)
    assert report.ok and len(report.created) == 3
    entries = CostEntry.objects.for_project(project).order_by("date")
    assert [e.task_id for e in entries] == [task.pk, task.pk, None]
    assert CostEntry.objects.for_project(project).total() == M("1450.50")
    assert entries[0].history.first().history_user == manager


def test_cost_entries_import_imports_nothing_when_any_row_is_bad(
    project, manager, task, other_project, outsider
):
    """Every bad row is reported by line and column, and no row is imported."""
    foreign = schedule_services.task_create(project=other_project, by=outsider, name="Theirs")
    csv_text = (
        "date,amount,category,task\n"
        "2026-01-05,100.00,hardware,\n"
        "05/01/2026,-5,travel,\n"
        "2026-01-07,12.345,beer,\n"
        f"2026-01-08,10,travel,{foreign.pk}\n"
        "2026-01-09,abc,travel,Nope\n"
    )
    report = services.cost_entries_import(project=project, by=manager, file=csv_text.encode())
    assert not report.ok and report.created == []
    assert {(e.row, e.field) for e in report.errors} == {
        (3, "date"),
        (3, "amount"),
        (4, "amount"),
        (4, "category"),
        (5, "task"),
        (6, "amount"),
        (6, "task"),
    }
    by_place = {(e.row, e.field): e.message for e in report.errors}
    assert "YYYY-MM-DD" in by_place[3, "date"]
    assert "negative" in by_place[3, "amount"]
    assert "no task with id" in by_place[5, "task"]
    assert not CostEntry.objects.exists()


def test_cost_entries_import_refuses_a_header_without_the_needed_columns(project, manager):
    """A file without date, amount and category columns says which are missing."""
    report = services.cost_entries_import(project=project, by=manager, file="when,how much\n1,2\n")
    assert not report.ok
    assert "missing date, amount, category" in report.errors[0].message


def test_cost_entries_csv_guards_every_cell_against_formula_injection(project, manager):
    """Cells starting with = + - @ tab or CR get a leading quote; others are untouched."""
    for vendor in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Dell"):
        services.cost_entry_create(
            project=project,
            by=manager,
            date=D(2026, 1, 5),
            amount="1",
            category="hardware",
            vendor=vendor,
        )
    rows = list(csv.reader(io.StringIO(selectors.cost_entries_csv(project), newline="")))
    assert rows[0][6] == "vendor"
    assert sorted(row[6] for row in rows[1:]) == sorted(
        ['\'=HYPERLINK("http://x")', "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "Dell"]
    )


# --- labour cost ----------------------------------------------------------------------------------


def test_assignment_add_update_remove_keeps_the_task_labour_cost(project, manager, member, task):
    """50% of an 8-hour, 50/hour person on a 5-day task: 20 h, 1000.00; the task's planned
    cost is fixed + labour; a day-rate contractor costs days × rate; removing re-costs."""
    mo = services.resource_create(
        project=project, by=manager, name="Mo", user=member, rate="50.00", capacity_hours="8"
    )
    assignment = services.assignment_add(task=task, resource=mo, by=manager, units=50)
    assert (assignment.planned_hours, assignment.planned_cost) == (M("20.00"), M("1000.00"))
    task.refresh_from_db()
    assert (task.labour_cost, task.planned_cost) == (M("1000.00"), M("1500.00"))

    services.assignment_update(assignment=assignment, by=manager, version=1, units=100)
    contractor = services.resource_create(
        project=project, by=manager, name="Acme DBA", rate="400", rate_unit="day"
    )
    services.assignment_add(task=task, resource=contractor, by=manager, units=50)
    task.refresh_from_db()
    assert task.labour_cost == M("3000.00")  # 40 h × 50 + 2.5 days × 400

    services.resource_update(resource=mo, by=manager, version=1, rate="60")
    task.refresh_from_db()
    assert task.labour_cost == M("3400.00")  # 40 h × 60 + 1000

    services.assignment_remove(assignment=assignment, by=manager)
    task.refresh_from_db()
    assert task.labour_cost == M("1000.00")


def test_task_duration_change_recosts_its_assignments(project, manager, task):
    """Changing the task's duration in the schedule changes its planned hours and labour."""
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="10")
    services.assignment_add(task=task, resource=dev, by=manager)
    schedule_services.task_update(task=task, by=manager, version=None, duration=3)
    task.refresh_from_db()
    assert task.labour_cost == M("240.00")  # 3 days × 8 h × 10


def test_baseline_freezes_planned_cost_with_labour_and_the_budget(project, manager, task):
    """A baseline copies fixed + labour per task, and freezes the approved budget with it."""
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="10")
    services.assignment_add(task=task, resource=dev, by=manager)  # 5 × 8 × 10 = 400
    services.budget_line_create(
        project=project, by=manager, category="labour", planned_amount="5000"
    )
    baseline = schedule_services.baseline_create(
        project=project, by=manager, name="Plan", is_performance=True
    )
    assert baseline.tasks.get().cost == M("900.00")
    assert baseline.total_cost == M("900.00")
    snapshot = BudgetBaseline.objects.get(baseline=baseline)
    assert (snapshot.task_cost, snapshot.lines_total, snapshot.approved_budget) == (
        M("900.00"),
        M("5000.00"),
        M("900.00"),
    )
    assert snapshot.lines_by_category == {"labour": "5000.00"}


def test_approved_change_request_adjusts_the_approved_budget_with_a_trail(project, manager, task):
    """A change approved after the freeze adds its cost impact, once, with who and why."""
    schedule_services.baseline_create(project=project, by=manager, name="Plan", is_performance=True)
    change = project_services.change_request_create(
        project=project, by=manager, title="Add SSO", cost_impact=M("250.00")
    )
    for step in ("submitted", "approved", "implemented"):
        change = project_services.change_request_transition(
            change_request=change, by=manager, to=step, reason="Needed for the audit."
        )
    adjustment = BudgetAdjustment.objects.get()
    assert (adjustment.amount, adjustment.approved_by, adjustment.reason) == (
        M("250.00"),
        manager,
        "Needed for the audit.",
    )
    approved = selectors.approved_budget(project)
    assert (approved["frozen"], approved["total"]) == (M("500.00"), M("750.00"))
    assert [row["counted"] for row in approved["adjustments"]] == [True]


def test_assignment_add_refuses_a_resource_of_another_project(
    project, manager, task, other_project, outsider
):
    """A resource id from another project cannot be booked on this project's task."""
    theirs = services.resource_create(project=other_project, by=outsider, name="Theirs")
    with pytest.raises(ValidationError) as error:
        services.assignment_add(task=task, resource=theirs, by=manager)
    assert "another project" in message(error, "resource")


def test_resource_create_refuses_a_user_who_is_not_a_member(project, manager, outsider):
    """Only members of the project can be its people."""
    with pytest.raises(ValidationError) as error:
        services.resource_create(project=project, by=manager, name="Oscar", user=outsider)
    assert "not a member" in message(error, "user")


@pytest.mark.parametrize(("units", "says"), [(0, "1 to 1000"), (1001, "1 to 1000"), ("x", "not")])
def test_assignment_add_refuses_units_out_of_range(project, manager, task, units, says):
    """Units are a whole percentage from 1 to 1000."""
    dev = services.resource_create(project=project, by=manager, name="Dev")
    with pytest.raises(ValidationError) as error:
        services.assignment_add(task=task, resource=dev, by=manager, units=units)
    assert says in message(error, "units")


# --- time -----------------------------------------------------------------------------------------


def test_time_entry_log_freezes_cost_at_the_rate_and_replaces_the_same_day(project, manager, task):
    """6 h at 50/h is 300.00; logging the same day again replaces; a later rate keeps it."""
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="50")
    entry = services.time_entry_log(
        resource=dev, task=task, by=manager, date=D(2026, 1, 5), hours="6"
    )
    assert entry.cost == M("300.00")
    entry = services.time_entry_log(
        resource=dev, task=task, by=manager, date=D(2026, 1, 5), hours="7.5"
    )
    assert (entry.hours, entry.cost, dev.time_entries.count()) == (M("7.5"), M("375.00"), 1)
    services.resource_update(resource=dev, by=manager, version=None, rate="80")
    entry.refresh_from_db()
    assert entry.cost == M("375.00")
    with pytest.raises(ValidationError) as error:
        services.resource_delete(resource=dev, by=manager)
    assert "logged time" in " ".join(error.value.messages)


def test_time_entry_log_refuses_more_than_24_hours_a_day(project, manager, task):
    """Across tasks, a person's day has at most 24 hours."""
    other = schedule_services.task_create(project=project, by=manager, name="Other")
    dev = services.resource_create(project=project, by=manager, name="Dev")
    services.time_entry_log(resource=dev, task=task, by=manager, date=D(2026, 1, 5), hours=20)
    with pytest.raises(ValidationError) as error:
        services.time_entry_log(resource=dev, task=other, by=manager, date=D(2026, 1, 5), hours=5)
    assert "24" in message(error, "hours")


# --- over-allocation ------------------------------------------------------------------------------


def test_conflicts_name_the_days_and_tasks_on_a_calendar_with_a_holiday_and_a_day_off(
    project, manager, member
):
    """Holiday Wed 7 Jan; Mo (8 h/day) is 100% on A (5 days) and 50% on B (3 days), both from
    Mon 5 Jan, and off on Fri 9 Jan.

    A runs Mon 5, Tue 6, Thu 8, Fri 9, Mon 12; B runs Mon 5, Tue 6, Thu 8. Mo is booked 12 h on
    Mon 5, Tue 6 and Thu 8 (A and B), 8 h on his day off Fri 9 (A), and 8 h of 8 on Mon 12.
    """
    schedule_services.holiday_add(project=project, by=manager, date=D(2026, 1, 7), name="Ad hoc")
    a = schedule_services.task_create(project=project, by=manager, name="A", duration=5)
    b = schedule_services.task_create(project=project, by=manager, name="B", duration=3)
    mo = services.resource_create(project=project, by=manager, name="Mo", user=member)
    services.person_day_off_add(user=member, by=manager, date=D(2026, 1, 9), note="Dentist")
    services.assignment_add(task=a, resource=mo, by=manager, units=100)
    services.assignment_add(task=b, resource=mo, by=manager, units=50)

    conflicts = selectors.conflicts_of(project)
    assert [
        (c["resource"].name, c["date"], c["booked"], c["capacity"], c["day_off"], c["tasks"])
        for c in conflicts
    ] == [
        ("Mo", D(2026, 1, 5), M("12.00"), M("8.00"), False, [(a.pk, "A"), (b.pk, "B")]),
        ("Mo", D(2026, 1, 6), M("12.00"), M("8.00"), False, [(a.pk, "A"), (b.pk, "B")]),
        ("Mo", D(2026, 1, 8), M("12.00"), M("8.00"), False, [(a.pk, "A"), (b.pk, "B")]),
        ("Mo", D(2026, 1, 9), M("8.00"), M("0.00"), True, [(a.pk, "A")]),
    ]

    grid = selectors.utilisation_grid(project, start=D(2026, 1, 5), weeks=2)
    first, second = grid["rows"][0]["cells"]
    # Week 1: 4 working days (holiday), one off: capacity 24 h; booked 12 × 3 + 8 = 44 h.
    assert (first["booked"], first["capacity"], first["ratio"]) == (M("44"), M("24"), M("1.83"))
    assert [d["date"] for d in first["over_days"]] == [
        D(2026, 1, 5),
        D(2026, 1, 6),
        D(2026, 1, 8),
        D(2026, 1, 9),
    ]
    assert (second["booked"], second["capacity"], second["over_days"]) == (M("8"), M("40"), [])
