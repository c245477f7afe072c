"""Money and people through the API: budget lines, costs (with CSV import and export),
commitments, resources, assignments, time, earned value, the budget, utilisation,
over-allocation and levelling.

Projects start Monday 5 Jan 2026 (the factory's default) and work Monday to Friday.
"""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets import services
from budgets.models import Assignment, BudgetLine, Commitment, CostEntry, Resource, TimeEntry
from scheduling import services as schedule_services
from scheduling.models import Baseline, Task
from tests.factories import ProjectFactory, UserFactory

D = datetime.date
M = Decimal


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        response = call()
    assert response.status_code == 200, response.content[:500]
    return len(context.captured_queries)


@pytest.fixture
def task(project, manager):
    return schedule_services.task_create(
        project=project, by=manager, name="Build API", duration=5, fixed_cost=M("500.00")
    )


@pytest.fixture
def foreign():
    """A project none of the test users belongs to, with a task and a resource."""
    other = ProjectFactory()
    owner = UserFactory()
    return {
        "task": schedule_services.task_create(project=other, by=owner, name="Foreign", duration=2),
        "resource": services.resource_create(project=other, by=owner, name="Foreigner"),
    }


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (
            "1,250.00",
            "“1,250.00” has a comma: write amounts with a dot for the decimals and no "
            "thousands separators, e.g. 1250.00.",
        ),
        (
            "-20.00",
            "“-20.00” is negative. Amounts are positive; record money coming back (a "
            "refund, a credit note) as a credit.",
        ),
        ("12.345", "“12.345” has more than 2 decimal places; amounts are in cents at most."),
        ("twelve", "“twelve” is not an amount; write it like 1250.00."),
        ("0", "The amount must be more than zero."),
        (True, 'Enter an amount as text, e.g. "1250.00".'),
    ],
)
def test_cost_entries_refuse_malformed_money_with_a_clear_message(
    api_for, member, project, amount, message
):
    """Negative, comma'd, over-precise, non-numeric or zero amounts are 400 on ``amount`` with
    a message a person can act on, and nothing is saved."""
    body = {"date": "2026-01-07", "amount": amount, "category": "hardware"}
    response = api_for(member).post(url(project, "cost-entries"), body)
    assert response.status_code == 400
    assert response.json() == {"amount": [message]}
    assert not CostEntry.objects.exists()


def test_cost_entries_answer_money_as_decimal_strings(api_for, member, project, task):
    """Amounts go in as text and come back as decimal strings with cents; a credit counts
    negative in ``signed_amount``."""
    client = api_for(member)
    body = {"date": "2026-01-07", "amount": "99.5", "category": "Software and licences"}
    response = client.post(url(project, "cost-entries"), {**body, "category": "software"})
    assert response.status_code == 201, response.json()
    assert (response.json()["amount"], response.json()["signed_amount"]) == ("99.50", "99.50")
    credit = {**body, "category": "software", "kind": "credit", "amount": 20, "task": task.pk}
    row = client.post(url(project, "cost-entries"), credit).json()
    assert (row["amount"], row["signed_amount"], row["task"], row["version"]) == (
        "20.00",
        "-20.00",
        task.pk,
        1,
    )


def test_cost_entries_refuse_spending_a_reserve(api_for, member, project):
    """A cost on the contingency reserve is refused: book it where it was spent."""
    body = {"date": "2026-01-07", "amount": "10.00", "category": "contingency"}
    response = api_for(member).post(url(project, "cost-entries"), body)
    assert response.status_code == 400
    assert response.json() == {
        "category": [
            "Contingency reserve is not spent directly: book the cost on the category it "
            "was spent on."
        ]
    }


def test_cost_entries_refuse_a_task_of_another_project(api_for, member, project, foreign):
    """A task id from another project is a 400 on ``task``; nothing is written."""
    body = {"date": "2026-01-07", "amount": "10.00", "category": "travel"}
    response = api_for(member).post(
        url(project, "cost-entries"), {**body, "task": foreign["task"].pk}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["task"]
    assert not CostEntry.objects.exists()


def test_cost_entries_viewer_reads_but_cannot_write(api_for, viewer, manager, project):
    """Viewers list costs (200) but get 403 on every write."""
    entry = services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 6), amount="10", category="travel"
    )
    client = api_for(viewer)
    assert client.get(url(project, "cost-entries")).status_code == 200
    body = {"date": "2026-01-07", "amount": "10.00", "category": "travel"}
    assert client.post(url(project, "cost-entries"), body).status_code == 403
    assert client.patch(url(project, "cost-entries", entry.pk), {"note": "x"}).status_code == 403
    assert client.delete(url(project, "cost-entries", entry.pk)).status_code == 403
    assert client.post(url(project, "cost-entries", verb="import")).status_code == 403
    assert CostEntry.objects.count() == 1


def test_cost_entries_stale_version_is_409(api_for, member, manager, project):
    """An edit based on an old version is refused with 409; the newer edit stays."""
    entry = services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 6), amount="10", category="travel"
    )
    client = api_for(member)
    first = client.patch(url(project, "cost-entries", entry.pk), {"vendor": "Rail", "version": 1})
    assert (first.status_code, first.json()["version"]) == (200, 2)
    stale = client.patch(url(project, "cost-entries", entry.pk), {"vendor": "Air", "version": 1})
    assert stale.status_code == 409
    entry.refresh_from_db()
    assert entry.vendor == "Rail"


# --- CSV import and export ------------------------------------------------------------------------


def upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("costs.csv", text.encode(), content_type="text/csv")}


def test_cost_import_with_a_bad_row_imports_nothing_and_names_each_problem(
    api_for, member, project, task
):
    """Two bad rows among good ones: 400, every problem by line and column, nothing saved."""
    text = (
        "date,amount,category,task,vendor\n"
        "2026-01-06,120.00,hardware,Build API,Dell\n"
        "2026-02-30,-5,hardware,,Dell\n"
        "2026-01-07,80.00,snacks,99999,\n"
    )
    response = api_for(member).post(
        url(project, "cost-entries", verb="import"), upload(text), format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == (
        "Nothing was imported: the file has 4 problems. Fix them and import it again."
    )
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "date"),
        (3, "amount"),
        (4, "category"),
        (4, "task"),
    ]
    assert body["errors"][3]["message"] == "This project has no task with id 99999."
    assert not CostEntry.objects.exists()


def test_cost_import_of_good_rows_creates_them_all(api_for, member, project, task):
    """A clean file: 201 with the number created; the entries carry the task by name."""
    text = (
        "date,amount,category,kind,task\n"
        "2026-01-06,120.00,hardware,,Build API\n"
        "2026-01-07,20.00,hardware,credit,\n"
    )
    response = api_for(member).post(
        url(project, "cost-entries", verb="import"), upload(text), format="multipart"
    )
    assert (response.status_code, response.json()) == (201, {"created": 2})
    assert CostEntry.objects.filter(project=project, task=task).count() == 1
    assert CostEntry.objects.for_project(project).total() == M("100.00")


def test_cost_import_without_a_file_is_400(api_for, member, project):
    """No file: 400 on ``file``."""
    response = api_for(member).post(
        url(project, "cost-entries", verb="import"), {}, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]


def test_cost_export_is_an_attachment_with_formulas_defused(api_for, viewer, manager, project):
    """The export is a CSV attachment; a vendor like ``=HYPERLINK(...)`` starts with a quote."""
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 6),
        amount="10.00",
        category="travel",
        vendor='=HYPERLINK("http://evil","x")',
        note="+1 taxi",
    )
    response = api_for(viewer).get(url(project, "cost-entries", verb="export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{project.key}-cost-entries.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["date", "kind", "amount", "category"]
    assert rows[1][0:3] == ["2026-01-06", "cost", "10.00"]
    assert rows[1][6] == '\'=HYPERLINK("http://evil","x")'
    assert rows[1][8] == "'+1 taxi"


def test_cost_export_xlsx_is_a_workbook_with_text_never_formulas(api_for, viewer, manager, project):
    """The Excel export is an .xlsx attachment: amounts are numbers, ``=...`` is a plain string."""
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 6),
        amount="10.25",
        category="travel",
        vendor='=HYPERLINK("http://evil","x")',
        note="+1 taxi",
    )
    response = api_for(viewer).get(url(project, "cost-entries", verb="export.xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="{project.key}-cost-entries.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:4] == ["date", "kind", "amount", "category"]
    row = sheet[2]
    assert row[0].is_date and row[0].value.date() == D(2026, 1, 6)
    assert row[2].data_type == "n" and row[2].value == 10.25
    assert row[6].data_type == "s"
    assert row[6].value == '\'=HYPERLINK("http://evil","x")'
    assert row[8].data_type == "s" and row[8].value == "'+1 taxi"


def test_cost_export_xlsx_is_refused_to_outsiders(api_for, project):
    """Someone outside the project gets 404 for the Excel export, as for the CSV one."""
    response = api_for(UserFactory()).get(url(project, "cost-entries", verb="export.xlsx"))
    assert response.status_code == 404


# --- budget lines and the budget ------------------------------------------------------------------


def test_budget_lines_reserves_are_the_managers(api_for, member, manager, project):
    """A member adds a hardware line but not a contingency reserve (403); the manager can."""
    body = {"category": "hardware", "planned_amount": "4000.00", "name": "Laptops"}
    response = api_for(member).post(url(project, "budget-lines"), body)
    assert response.status_code == 201, response.json()
    assert response.json()["planned_amount"] == "4000.00"
    reserve = {"category": "contingency", "planned_amount": "1000"}
    assert api_for(member).post(url(project, "budget-lines"), reserve).status_code == 403
    response = api_for(manager).post(url(project, "budget-lines"), reserve)
    assert (response.status_code, response.json()["planned_amount"]) == (201, "1000.00")
    line = BudgetLine.objects.get(category="contingency")
    patch = api_for(member).patch(url(project, "budget-lines", line.pk), {"planned_amount": "1"})
    assert patch.status_code == 403
    assert api_for(member).delete(url(project, "budget-lines", line.pk)).status_code == 403


def test_budget_lines_negative_amount_and_stale_version(api_for, member, project):
    """A negative planned amount is 400 with the message; a stale version is 409."""
    client = api_for(member)
    response = client.post(
        url(project, "budget-lines"), {"category": "travel", "planned_amount": "-1"}
    )
    assert response.status_code == 400
    assert "is negative" in response.json()["planned_amount"][0]
    line = client.post(url(project, "budget-lines"), {"category": "travel", "planned_amount": "5"})
    pk = line.json()["id"]
    assert (
        client.patch(url(project, "budget-lines", pk), {"name": "A", "version": 1}).status_code
        == 200
    )
    assert (
        client.patch(url(project, "budget-lines", pk), {"name": "B", "version": 1}).status_code
        == 409
    )


def test_budget_summary_per_category_and_trail(api_for, viewer, manager, project):
    """Planned, committed, actual and variance per category, with totals and the approved
    budget (the lines, not yet frozen)."""
    services.budget_line_create(
        project=project, by=manager, category="hardware", planned_amount="1000"
    )
    services.commitment_create(
        project=project, by=manager, date=D(2026, 1, 5), amount="300", category="hardware"
    )
    services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 6), amount="1200", category="hardware"
    )
    response = api_for(viewer).get(url(project, "budget"))
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [
        {
            "category": "hardware",
            "label": "Hardware",
            "planned": "1000.00",
            "committed": "300.00",
            "actual": "1200.00",
            "variance": "-200.00",
            "available": "-500.00",
        }
    ]
    assert body["totals"]["variance"] == "-200.00"
    assert body["approved"] == {
        "is_frozen": False,
        "baseline": None,
        "frozen": "1000.00",
        "total": "1000.00",
        "adjustments": [],
    }


# --- commitments ----------------------------------------------------------------------------------


def test_commitments_close_and_then_cannot_be_edited(api_for, member, project):
    """Closing as invoiced answers the commitment; editing it afterwards is 400."""
    client = api_for(member)
    body = {"date": "2026-01-05", "amount": "5000", "category": "contractors", "reference": "PO-1"}
    pk = client.post(url(project, "commitments"), body).json()["id"]
    response = client.post(url(project, "commitments", pk, "close"), {"status": "invoiced"})
    assert (response.status_code, response.json()["status"]) == (200, "invoiced")
    edit = client.patch(url(project, "commitments", pk), {"amount": "10"})
    assert edit.status_code == 400
    assert "only open commitments can be edited" in str(edit.json())
    again = client.post(url(project, "commitments", pk, "close"), {"status": "cancelled"})
    assert (again.status_code, again.json()) == (400, {"status": ["It is already invoiced."]})
    assert Commitment.objects.get().status == "invoiced"


# --- resources, assignments, time -----------------------------------------------------------------


def test_resources_create_and_days_off(api_for, member, project):
    """A person with a rate; days off are added and removed through actions, listed by date."""
    client = api_for(member)
    body = {"name": "Ana", "rate": "50.00", "capacity_hours": "7.5", "role": "Developer"}
    response = client.post(url(project, "resources"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["rate"], row["capacity_hours"], row["days_off"]) == ("50.00", "7.50", [])
    pk = row["id"]
    for day in ("2026-01-09", "2026-01-08"):
        added = client.post(url(project, "resources", pk, "days-off"), {"date": day})
        assert added.status_code == 201
    assert [d["date"] for d in added.json()["days_off"]] == ["2026-01-08", "2026-01-09"]
    twice = client.post(url(project, "resources", pk, "days-off"), {"date": "2026-01-08"})
    assert twice.status_code == 400
    removed = client.post(url(project, "resources", pk, "days-off/remove"), {"date": "2026-01-08"})
    assert [d["date"] for d in removed.json()["days_off"]] == ["2026-01-09"]


def test_resources_refuse_a_capacity_beyond_a_day(api_for, member, project):
    """Capacity 30 hours: 400 on ``capacity_hours`` saying the limits."""
    response = api_for(member).post(
        url(project, "resources"), {"name": "Ana", "capacity_hours": "30"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "capacity_hours": ["Hours per working day are more than 0 and at most 24."]
    }


def test_assignments_refuse_foreign_ids_naming_the_field(
    api_for, member, manager, project, task, foreign
):
    """A task or resource id of another project is 400 on that field; nothing is written."""
    ana = services.resource_create(project=project, by=manager, name="Ana", rate="50")
    client = api_for(member)
    response = client.post(
        url(project, "assignments"), {"task": foreign["task"].pk, "resource": ana.pk}
    )
    assert (response.status_code, list(response.json())) == (400, ["task"])
    response = client.post(
        url(project, "assignments"), {"task": task.pk, "resource": foreign["resource"].pk}
    )
    assert (response.status_code, list(response.json())) == (400, ["resource"])
    assert not Assignment.objects.exists()
    task.refresh_from_db()
    assert task.labour_cost == 0


def test_assignments_cost_the_task_and_the_task_api_shows_it(
    api_for, member, manager, project, task
):
    """Ana half-time on a 5-day task: 20 h × 50 = 1000; the task's planned cost is fixed 500 +
    labour 1000; changing the units re-costs it."""
    ana = services.resource_create(project=project, by=manager, name="Ana", rate="50")
    client = api_for(member)
    response = client.post(
        url(project, "assignments"), {"task": task.pk, "resource": ana.pk, "units": 50}
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["planned_hours"], row["planned_cost"], row["units"]) == ("20.00", "1000.00", 50)
    assert client.get(url(project, "tasks", task.pk)).json()["planned_cost"] == "1500.00"
    patch = client.patch(url(project, "assignments", row["id"]), {"units": 100, "version": 1})
    assert (patch.status_code, patch.json()["planned_cost"]) == (200, "2000.00")
    assert client.get(url(project, "tasks", task.pk)).json()["planned_cost"] == "2500.00"
    moved = client.patch(url(project, "assignments", row["id"]), {"resource": ana.pk, "units": 80})
    assert moved.status_code == 200  # echoing the same resource is no change
    twice = client.post(url(project, "assignments"), {"task": task.pk, "resource": ana.pk})
    assert twice.status_code == 400


def test_time_entries_log_edit_and_stale(api_for, member, manager, project, task):
    """Hours cost the rate of the day; a PATCH changes the hours; an old version is 409;
    moving hours to another day is refused."""
    ana = services.resource_create(project=project, by=manager, name="Ana", rate="40")
    client = api_for(member)
    body = {"resource": ana.pk, "task": task.pk, "date": "2026-01-06", "hours": "7.5"}
    response = client.post(url(project, "time-entries"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["hours"], row["cost"]) == ("7.50", "300.00")
    patch = client.patch(url(project, "time-entries", row["id"]), {"hours": "8", "version": 1})
    assert (patch.status_code, patch.json()["cost"], patch.json()["version"]) == (200, "320.00", 2)
    stale = client.patch(url(project, "time-entries", row["id"]), {"hours": "1", "version": 1})
    assert stale.status_code == 409
    moved = client.patch(url(project, "time-entries", row["id"]), {"date": "2026-01-07"})
    assert (moved.status_code, list(moved.json())) == (400, ["date"])
    too_many = client.post(url(project, "time-entries"), {**body, "hours": "25"})
    assert too_many.status_code == 400
    assert TimeEntry.objects.get().hours == M("8.00")


# --- earned value ---------------------------------------------------------------------------------


@pytest.fixture
def worked(project, manager):
    """A (5 d, 1000) → B (10 d, 2000) → milestone M (300), baselined; then A done, B 40%,
    costs 700 (5 Jan), 900 (12 Jan), 999 (15 Jan) and 8 h × 31.25 on 14 Jan."""
    make = schedule_services.task_create
    a = make(project=project, by=manager, name="A", duration=5, fixed_cost=M("1000"))
    b = make(project=project, by=manager, name="B", duration=10, fixed_cost=M("2000"))
    m = make(project=project, by=manager, name="M", duration=0, fixed_cost=M("300"))
    schedule_services.dependency_add(project=project, by=manager, predecessor=a, successor=b)
    schedule_services.dependency_add(project=project, by=manager, predecessor=b, successor=m)
    schedule_services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    schedule_services.task_update(task=a, by=manager, version=None, percent_complete=100)
    schedule_services.task_update(task=b, by=manager, version=None, percent_complete=40)
    for day, amount in ((5, "700"), (12, "900"), (15, "999")):
        services.cost_entry_create(
            project=project, by=manager, date=D(2026, 1, day), amount=amount, category="hardware"
        )
    dev = services.resource_create(project=project, by=manager, name="Dev", rate="31.25")
    services.time_entry_log(resource=dev, task=b, by=manager, date=D(2026, 1, 14), hours=8)
    return {"A": a, "B": b, "M": m}


def test_evm_worked_example_gives_exactly_the_hand_computed_json(api_for, viewer, project, worked):
    """At Wed 14 Jan: PV = 1000 + 2000 × 3/10 = 1600; EV = 1000 + 2000 × 40% = 1800;
    AC = 700 + 900 + 250 = 1850; the rest follows from DESIGN §4, to the cent."""
    response = api_for(viewer).get(url(project, "evm") + "?as_of=2026-01-14")
    assert response.status_code == 200
    assert response.json() == {
        "bac": "3300.00",
        "pv": "1600.00",
        "ev": "1800.00",
        "ac": "1850.00",
        "sv": "200.00",
        "cv": "-50.00",
        "spi": "1.1250",
        "cpi": "0.9730",
        "eac": "3391.67",
        "etc": "1541.67",
        "vac": "-91.67",
        "tcpi": "1.0345",
        "tcpi_note": "",
        "tcpi_eac": "0.9730",
        "tcpi_eac_note": "",
        "eac_methods": {
            "bac_over_cpi": "3391.67",
            "ac_plus_remaining_budget": "3350.00",
            "ac_plus_remaining_over_cpi_spi": "3220.37",
        },
    }


def test_evm_zero_denominators_are_null_never_an_error(api_for, viewer, manager, project):
    """Before anything is planned, done or spent, SPI, CPI and what derives from them are null."""
    schedule_services.task_create(
        project=project, by=manager, name="A", duration=5, fixed_cost=M("1000")
    )
    response = api_for(viewer).get(url(project, "evm") + "?as_of=2026-01-02")
    assert response.status_code == 200
    body = response.json()
    assert (body["bac"], body["pv"], body["ev"], body["ac"]) == ("1000.00", "0.00", "0.00", "0.00")
    assert [body[k] for k in ("spi", "cpi", "eac", "etc", "vac")] == [None] * 5
    assert body["tcpi"] == "1.0000"
    assert body["eac_methods"] == {
        "bac_over_cpi": None,
        "ac_plus_remaining_budget": "1000.00",
        "ac_plus_remaining_over_cpi_spi": None,
    }


@pytest.mark.parametrize("as_of", ["2026-13-01", "14/01/2026", "yesterday"])
def test_evm_invalid_as_of_is_400_with_a_clear_message(api_for, viewer, project, as_of):
    """A status date that is not YYYY-MM-DD is a 400 naming the value and the format."""
    response = api_for(viewer).get(url(project, "evm") + f"?as_of={as_of}")
    assert response.status_code == 400
    assert response.json() == {
        "as_of": [f"“{as_of}” is not a date: give the status date as YYYY-MM-DD, e.g. 2026-03-31."]
    }


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_evm_far_status_date_is_400_not_a_500_or_a_huge_curve(api_for, viewer, project, as_of):
    """A status date outside 1900–2200 is a 400: 9999-12-31 overflowed the S-curve's weeks."""
    response = api_for(viewer).get(url(project, "evm") + f"?as_of={as_of}&series=1")
    assert response.status_code == 400
    assert response.json() == {"as_of": ["Give a status date between the years 1900 and 2200."]}


def test_evm_series_on_request(api_for, viewer, project, worked):
    """?series=1 adds the weekly S-curve: EV and AC stop at the status date, PV runs on."""
    body = api_for(viewer).get(url(project, "evm") + "?as_of=2026-01-14&series=1").json()
    points = {p["date"]: p for p in body["series"]}
    assert points["2026-01-14"] == {
        "date": "2026-01-14",
        "pv": "1600.00",
        "ev": "1800.00",
        "ac": "1850.00",
    }
    assert points[max(points)]["ev"] is None
    assert points[max(points)]["pv"] == "3300.00"


def _many_tasks(project, count: int) -> None:
    tasks = Task.objects.bulk_create(
        Task(project=project, name=f"T{i}", duration=1 + i % 4, fixed_cost=M("100"), position=i)
        for i in range(count)
    )
    for task in tasks[: count // 2]:
        task.percent_complete = 50
    Task.objects.bulk_update(tasks, ["percent_complete"])
    schedule_services.schedule_recompute(project)


def test_evm_query_count_does_not_grow_with_tasks(api_for, viewer, project):
    """/evm/ (and with the S-curve) costs the same number of queries for 4 and 200 tasks."""
    client = api_for(viewer)
    _many_tasks(project, 4)
    small = queries(lambda: client.get(url(project, "evm") + "?as_of=2026-02-02"))
    small_series = queries(lambda: client.get(url(project, "evm") + "?as_of=2026-02-02&series=1"))
    _many_tasks(project, 196)
    assert Task.objects.filter(project=project).count() == 200
    assert queries(lambda: client.get(url(project, "evm") + "?as_of=2026-02-02")) == small
    series = queries(lambda: client.get(url(project, "evm") + "?as_of=2026-02-02&series=1"))
    assert series == small_series
    assert small <= 14


# --- list query counts ----------------------------------------------------------------------------


def _fill(project, by, n: int) -> None:
    """n more of every kind of record."""
    base = Resource.objects.filter(project=project).count()
    for i in range(n):
        task = schedule_services.task_create(
            project=project, by=by, name=f"Q{base + i}", duration=2
        )
        resource = services.resource_create(project=project, by=by, name=f"R{base + i}", rate="10")
        services.day_off_add(resource=resource, by=by, date=D(2026, 1, 7))
        services.assignment_add(task=task, resource=resource, by=by)
        services.time_entry_log(resource=resource, task=task, by=by, date=D(2026, 1, 5), hours=2)
        services.cost_entry_create(
            project=project, by=by, date=D(2026, 1, 5), amount="5", category="travel", task=task
        )
        services.commitment_create(
            project=project, by=by, date=D(2026, 1, 5), amount="5", category="travel"
        )
        services.budget_line_create(project=project, by=by, category="travel", planned_amount="5")


LISTS = (
    "budget-lines",
    "cost-entries",
    "commitments",
    "resources",
    "assignments",
    "time-entries",
    "budget",
    "over-allocations",
    "utilisation",
    "levelling/preview",
)


def test_list_query_counts_do_not_grow(api_for, viewer, manager, project):
    """Every list and computed endpoint costs the same number of queries for 2 rows and 12."""
    client = api_for(viewer)
    _fill(project, manager, 2)
    small = {
        name: queries(lambda n=name: client.get(url(project, n) + "?start=2026-01-05"))
        for name in LISTS
    }
    _fill(project, manager, 10)
    large = {
        name: queries(lambda n=name: client.get(url(project, n) + "?start=2026-01-05"))
        for name in LISTS
    }
    assert large == small
    assert small["cost-entries"] <= 3  # door, count, rows
    assert small["resources"] <= 4  # door, count, rows, days off


def test_cost_export_query_count_does_not_grow(api_for, viewer, manager, project):
    """The CSV export is one query after the door, however many entries."""
    client = api_for(viewer)
    _fill(project, manager, 2)
    small = queries(lambda: client.get(url(project, "cost-entries", verb="export")))
    _fill(project, manager, 10)
    assert queries(lambda: client.get(url(project, "cost-entries", verb="export"))) == small
    small = queries(lambda: client.get(url(project, "cost-entries", verb="export.xlsx")))
    _fill(project, manager, 5)
    assert queries(lambda: client.get(url(project, "cost-entries", verb="export.xlsx"))) == small


# --- utilisation and over-allocation --------------------------------------------------------------


@pytest.fixture
def overbooked(project, manager):
    """Critical Build (5 d) → Launch; Docs (2 d) and Tests (3 d) both on Ana full-time from
    Monday 5 Jan; Ana is off on Friday 9 Jan."""
    make = schedule_services.task_create
    build = make(project=project, by=manager, name="Build", duration=5)
    launch = make(project=project, by=manager, name="Launch", duration=1)
    docs = make(project=project, by=manager, name="Docs", duration=2)
    tests = make(project=project, by=manager, name="Tests", duration=3)
    schedule_services.dependency_add(
        project=project, by=manager, predecessor=build, successor=launch
    )
    ana = services.resource_create(project=project, by=manager, name="Ana", rate="50")
    services.day_off_add(resource=ana, by=manager, date=D(2026, 1, 9))
    for t in (docs, tests):
        services.assignment_add(task=t, resource=ana, by=manager)
    return {"docs": docs, "tests": tests, "ana": ana, "build": build}


def test_over_allocations_name_the_days_and_tasks(api_for, viewer, project, overbooked):
    """Ana is booked 16 h on Monday and Tuesday, on Docs and Tests."""
    body = api_for(viewer).get(url(project, "over-allocations")).json()
    docs, tests = overbooked["docs"].pk, overbooked["tests"].pk
    assert body["count"] == 2
    assert body["conflicts"][0] == {
        "resource": {"id": overbooked["ana"].pk, "name": "Ana"},
        "date": "2026-01-05",
        "booked": "16.00",
        "capacity": "8.00",
        "day_off": False,
        "tasks": [{"id": docs, "name": "Docs"}, {"id": tests, "name": "Tests"}],
    }
    assert body["conflicts"][1]["date"] == "2026-01-06"


def test_utilisation_grid_by_week(api_for, viewer, project, overbooked):
    """Week of 5 Jan: 40 h booked against 32 h (Friday off), the over-allocated days named."""
    body = api_for(viewer).get(url(project, "utilisation") + "?start=2026-01-07&weeks=2").json()
    assert body["weeks"] == ["2026-01-05", "2026-01-12"]
    (row,) = body["rows"]
    first = row["cells"][0]
    assert (first["week"], first["booked"], first["capacity"], first["ratio"]) == (
        "2026-01-05",
        "40.00",
        "32.00",
        "1.25",
    )
    assert [d["date"] for d in first["over_days"]] == ["2026-01-05", "2026-01-06"]
    bad = api_for(viewer).get(url(project, "utilisation") + "?weeks=0")
    assert (bad.status_code, list(bad.json())) == (400, ["weeks"])


def test_utilisation_weeks_past_9999_are_400(api_for, viewer, project):
    """Weeks that would run past 31 Dec 9999 are a 400 on start, not a 500."""
    response = api_for(viewer).get(url(project, "utilisation") + "?start=9999-12-27&weeks=2")
    assert response.status_code == 400
    assert "9999" in response.json()["start"][0]


# --- levelling ------------------------------------------------------------------------------------


def test_levelling_preview_apply_and_undo_through_the_api(
    api_for, viewer, member, manager, project, overbooked
):
    """Viewers preview; members may not apply (403); the manager applies (a baseline first,
    Docs moved after Tests within its float, no conflict left) and undoes it."""
    preview = api_for(viewer).get(url(project, "levelling", verb="preview"))
    assert preview.status_code == 200
    plan = preview.json()
    assert plan["conflicts_before"] == 2
    assert [
        (m["task_name"], m["from_start"], m["to_start"], m["levelled"]) for m in plan["moves"]
    ] == [("Docs", "2026-01-05", "2026-01-08", True)]
    assert plan["moves"][0]["reason"] == (
        "Delayed to clear Ana's over-allocation on Wed 07 Jan 2026, within its float."
    )
    assert (plan["finish_before"], plan["finish_after"], plan["finish_delay"]) == (
        "2026-01-12",
        "2026-01-12",
        0,
    )
    # Friday 9 Jan is Ana's day off, so Docs (Thu-Fri) still clashes with it.
    assert [(c["date"], c["day_off"]) for c in plan["remaining"]] == [("2026-01-09", True)]
    assert not Baseline.objects.exists()

    assert api_for(member).post(url(project, "levelling", verb="apply"), {}).status_code == 403
    applied = api_for(manager).post(url(project, "levelling", verb="apply"), {})
    assert applied.status_code == 200, applied.json()
    baseline = applied.json()["baseline"]
    assert baseline["name"].startswith("Before levelling ")
    assert Task.objects.get(pk=overbooked["docs"].pk).start_date == D(2026, 1, 8)

    undo = api_for(manager).post(
        url(project, "levelling", verb="undo"), {"baseline": baseline["id"]}
    )
    assert (undo.status_code, undo.json()) == (200, {"restored": 1})
    assert Task.objects.get(pk=overbooked["docs"].pk).start_date == D(2026, 1, 5)


def test_levelling_past_float_only_when_asked(api_for, manager, project, overbooked):
    """Moving critical Build onto Ana's calendar: within float it stays; past float it moves."""
    services.assignment_add(task=overbooked["build"], resource=overbooked["ana"], by=manager)
    client = api_for(manager)
    within = client.get(url(project, "levelling", verb="preview")).json()
    assert overbooked["build"].pk not in [m["task"] for m in within["moves"]]
    assert within["finish_delay"] == 0
    past = client.get(url(project, "levelling", verb="preview") + "?allow_past_float=true").json()
    assert past["finish_delay"] > 0
    assert past["remaining"] == []
    assert any(m["past_float"] for m in past["moves"])


def test_levelling_preview_with_a_weekend_cutover_is_200(
    api_for, viewer, manager, project, overbooked
):
    """A task done wholly on a weekend does not break the preview (it was a 500)."""
    schedule_services.task_create(
        project=project,
        by=manager,
        name="Cutover",
        actual_start=D(2026, 1, 10),
        actual_finish=D(2026, 1, 11),
    )
    preview = api_for(viewer).get(url(project, "levelling", verb="preview"))
    assert preview.status_code == 200, preview.json()
    assert preview.json()["conflicts_before"] == 2


def test_levelling_apply_with_nothing_to_level_is_400(api_for, manager, project, task):
    """No over-allocation: 400 saying so, and no baseline."""
    response = api_for(manager).post(url(project, "levelling", verb="apply"), {})
    assert response.status_code == 400
    assert "Nothing to level" in response.json()["non_field_errors"][0]
    assert not Baseline.objects.exists()
