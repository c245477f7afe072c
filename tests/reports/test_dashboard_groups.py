"""The portfolio dashboard's grouping (closed projects apart by default), its budget / EAC
column, and its Excel and PDF downloads (the rows as shown, every page, only my projects)."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from projects import clock
from projects.models import Project
from reports.models import KpiSnapshot
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db


def _snapshot(project: Project, **fields) -> KpiSnapshot:
    values = {
        "as_of": clock.today(),
        "percent_complete": Decimal("40.0"),
        "spi": Decimal("1.0000"),
        "cpi": Decimal("1.0000"),
        "health": "green",
        "health_schedule": "green",
        "health_cost": "green",
        "health_scope": "green",
        "health_risk": "green",
        "health_reasons": {"overall": "All on track."},
    }
    values.update(fields)
    return KpiSnapshot.objects.create(project=project, **values)


@pytest.fixture
def portfolio(manager):
    """Three projects: AAA closed (first by key), BBB and CCC open, of two types and sponsors."""
    closed = project_with(manager=manager)
    first = project_with(manager=manager)
    second = project_with(manager=manager)
    Project.objects.filter(pk=closed.pk).update(
        key="AAA", stage=Project.Stage.CLOSED, sponsor="Zoe CFO"
    )
    Project.objects.filter(pk=first.pk).update(
        key="BBB", type=Project.Type.CYBERSECURITY, sponsor="Ada CIO"
    )
    Project.objects.filter(pk=second.pk).update(key="CCC", name="=HYPERLINK(1)", sponsor="")
    _snapshot(first, bac=Decimal("100000"), eac=Decimal("125000"), cpi=Decimal("0.8000"))
    return closed, first, second


def _keys_and_groups(response) -> list[tuple[str, str]]:
    return [(row.project.key, row.group) for row in response.context["rows"]]


def test_closed_projects_are_grouped_apart_after_the_open_ones(client_for, manager, portfolio):
    response = client_for(manager).get("/")
    assert _keys_and_groups(response) == [
        ("BBB", "Open projects"),
        ("CCC", "Open projects"),
        ("AAA", "Closed projects"),
    ]
    html = response.content.decode()
    assert html.index(">Open projects</th>") < html.index(">Closed projects</th>")


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (
            "type",
            [("BBB", "Cybersecurity"), ("AAA", "Software delivery"), ("CCC", "Software delivery")],
        ),
        ("sponsor", [("BBB", "Ada CIO"), ("AAA", "Zoe CFO"), ("CCC", "No sponsor")]),
        ("none", [("AAA", ""), ("BBB", ""), ("CCC", "")]),
    ],
)
def test_grouping_by_type_sponsor_or_none_is_kept_in_the_url(
    client_for, manager, portfolio, group, expected
):
    response = client_for(manager).get("/", {"group": group})
    got = _keys_and_groups(response)
    assert [key for key, _ in got] == [key for key, _ in expected]
    labels = dict(Project.Type.choices)
    assert [g for _, g in got] == [labels.get(g, g) if group == "type" else g for _, g in expected]
    assert f"group={group}" in response.content.decode()  # the download links keep it


def test_budget_and_eac_column_flags_an_overrun(client_for, manager, portfolio):
    html = client_for(manager).get("/").content.decode()
    cell = html[html.index('class="num nowrap budget-eac"') :]
    cell = cell[: cell.index("</td>")]
    assert "100,000" in cell and "125,000" in cell and "bad-text" in cell


def test_excel_download_has_every_row_as_shown_guarded_and_only_mine(
    client_for, manager, portfolio
):
    project_with(manager=UserFactory())  # someone else's project
    response = client_for(manager).get("/", {"format": "xlsx", "type": "software"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="charter-portfolio-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Group", "Key", "Project")
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("Open projects", "CCC"),
        ("Closed projects", "AAA"),
    ]
    assert rows[1][2] == "'=HYPERLINK(1)"  # a formula in a name stays text


def test_pdf_download_is_a_real_pdf_of_the_rows(client_for, manager, portfolio):
    response = client_for(manager).get("/", {"format": "pdf", "group": "sponsor"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for word in ("Portfolio", "BBB", "AAA", "CCC", "Ada CIO", "No sponsor", "Group by: Sponsor"):
        assert word in text, word
