"""The RACI matrix: exactly one A and at least one R per row, on create, edit and delete."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects import services as project_services
from projects.models import WorkPackage
from stakeholders import exports, selectors, services
from stakeholders.models import RaciEntry
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def roles(row):
    field = "work_package" if isinstance(row, WorkPackage) else "deliverable"
    entries = RaciEntry.objects.filter(**{field: row}).select_related("stakeholder", "user")
    return {(e.stakeholder.name if e.stakeholder_id else e.user.username): e.role for e in entries}


@pytest.fixture
def design_row(project, manager, member, wbs, people):
    """1 Design: maria A, mo R, Sam Sponsor C, Ian Interested I."""
    services.raci_set_row(
        project=project,
        by=manager,
        row=wbs["Design"],
        cells={
            manager: "A",
            member: "R",
            people["Sam Sponsor"]: "C",
            people["Ian Interested"]: "I",
        },
    )
    return wbs["Design"]


def test_raci_set_row_writes_a_valid_row(design_row):
    """A row with one A and one R is stored cell by cell."""
    assert roles(design_row) == {"maria": "A", "mo": "R", "Sam Sponsor": "C", "Ian Interested": "I"}


def test_raci_set_row_refuses_two_accountables_naming_the_row_and_them(
    project, manager, member, wbs, people
):
    """Two A's in a row are refused; the message names the row and both people."""
    with pytest.raises(ValidationError) as error:
        services.raci_set_row(
            project=project,
            by=manager,
            row=wbs["Backend"],
            cells={manager: "A", people["Sam Sponsor"]: "A", member: "R"},
        )
    message = error.value.message_dict["role"][0]
    assert "“2.1 Backend”" in message
    assert "exactly one A" in message and "Maria Manager, Sam Sponsor" in message
    assert roles(wbs["Backend"]) == {}


def test_raci_set_row_refuses_a_row_without_responsible(project, manager, wbs, people):
    """A row with an A but no R is refused, naming the row."""
    with pytest.raises(ValidationError, match="Row “3 Test” needs at least one R"):
        services.raci_set_row(
            project=project,
            by=manager,
            row=wbs["Test"],
            cells={manager: "A", people["Cora CISO"]: "C"},
        )


def test_raci_set_row_names_deliverable_rows_by_name(project, manager, member):
    """A deliverable row is named by the deliverable's name; a row without A says so."""
    deliverable = project_services.deliverable_create(project=project, by=manager, name="Runbook")
    with pytest.raises(ValidationError, match="Row “Runbook” needs exactly one A .* has none"):
        services.raci_set_row(project=project, by=manager, row=deliverable, cells={member: "R"})


def test_raci_set_cell_refuses_a_second_accountable(project, manager, design_row, people):
    """Creating a cell that adds a second A to a valid row is refused."""
    with pytest.raises(ValidationError, match="Row “1 Design” needs exactly one A"):
        services.raci_set_cell(
            project=project, by=manager, row=design_row, party=people["Cora CISO"], role="A"
        )
    assert "Cora CISO" not in roles(design_row)


def test_raci_entry_update_refuses_editing_away_the_only_accountable(manager, design_row):
    """Editing the only A into an R leaves the row without an A: refused, row unchanged."""
    entry = RaciEntry.objects.get(work_package=design_row, role="A")
    with pytest.raises(ValidationError, match="Row “1 Design” needs exactly one A"):
        services.raci_entry_update(entry=entry, by=manager, role="R")
    assert roles(design_row)["maria"] == "A"


def test_raci_set_row_moves_the_accountable_in_one_edit(project, manager, member, design_row):
    """Swapping A and R between two people is one valid row edit (two cell edits could not)."""
    services.raci_set_row(
        project=project, by=manager, row=design_row, cells={manager: "R", member: "A"}
    )
    assert roles(design_row) == {"maria": "R", "mo": "A", "Sam Sponsor": "C", "Ian Interested": "I"}


@pytest.mark.parametrize(("role", "rule"), [("A", "exactly one A"), ("R", "at least one R")])
def test_raci_entry_delete_refuses_removing_the_only_a_or_r(manager, design_row, role, rule):
    """Deleting the row's only A or only R is refused with a message naming the row."""
    entry = RaciEntry.objects.get(work_package=design_row, role=role)
    with pytest.raises(ValidationError, match=f"Row “1 Design” needs {rule}"):
        services.raci_entry_delete(entry=entry, by=manager)
    assert RaciEntry.objects.filter(pk=entry.pk).exists()


def test_raci_entry_delete_removes_a_consulted_cell_and_keeps_history(manager, design_row):
    """Deleting a C keeps the row valid, and the deletion is in the history with who did it."""
    entry = RaciEntry.objects.get(work_package=design_row, role="C")
    services.raci_entry_delete(entry=entry, by=manager)
    assert "Sam Sponsor" not in roles(design_row)
    deleted = RaciEntry.history.filter(id=entry.pk, history_type="-").get()
    assert deleted.history_user == manager


def test_raci_clear_row_leaves_an_unassigned_row(project, manager, design_row):
    """Clearing every cell is allowed: an empty row is unassigned, not broken."""
    services.raci_clear_row(project=project, by=manager, row=design_row)
    assert roles(design_row) == {}


def test_raci_set_row_replace_drops_parties_not_named(project, manager, member, design_row):
    """With replace, the cells given are the whole row."""
    services.raci_set_row(
        project=project, by=manager, row=design_row, cells={member: "A", manager: "R"}, replace=True
    )
    assert roles(design_row) == {"mo": "A", "maria": "R"}


def test_raci_refuses_rows_and_parties_of_other_projects(project, manager, member, wbs):
    """A row, stakeholder or user from outside the project is refused, never linked."""
    other = ProjectFactory()
    foreign_wp = WorkPackage.objects.create(project=other, name="Foreign", code="1", sort_key="1")
    with pytest.raises(ValidationError, match="another project"):
        services.raci_set_row(
            project=project, by=manager, row=foreign_wp, cells={manager: "A", member: "R"}
        )
    stranger = services.stakeholder_create(project=other, by=manager, name="Stranger")
    with pytest.raises(ValidationError, match="another project"):
        services.raci_set_row(
            project=project, by=manager, row=wbs["Test"], cells={stranger: "A", member: "R"}
        )
    outsider = UserFactory(username="nobody")
    with pytest.raises(ValidationError, match="nobody is not a member"):
        services.raci_set_row(
            project=project, by=manager, row=wbs["Test"], cells={outsider: "A", member: "R"}
        )


def test_raci_refuses_an_unknown_role(project, manager, member, wbs):
    """Only R, A, C and I are roles."""
    with pytest.raises(ValidationError, match="“X” is not a RACI role"):
        services.raci_set_row(
            project=project, by=manager, row=wbs["Test"], cells={manager: "A", member: "X"}
        )


def test_raci_entry_is_for_exactly_one_row_and_one_party(project, wbs, manager):
    """The database refuses an entry for both a deliverable and a work package, or for nobody."""
    deliverable = project_services.deliverable_create(project=project, by=manager, name="D")
    with pytest.raises(IntegrityError), transaction.atomic():
        RaciEntry.objects.create(
            project=project,
            work_package=wbs["Test"],
            deliverable=deliverable,
            user=manager,
            role="A",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RaciEntry.objects.create(project=project, work_package=wbs["Test"], role="A")


def test_stakeholder_delete_refuses_removing_a_rows_only_accountable(
    project, manager, member, wbs, people
):
    """A stakeholder who is a row's only A cannot leave the register until someone else is."""
    sam = people["Sam Sponsor"]
    services.raci_set_row(
        project=project, by=manager, row=wbs["Test"], cells={sam: "A", member: "R"}
    )
    with pytest.raises(ValidationError, match="Sam Sponsor cannot be removed.*“3 Test”"):
        services.stakeholder_delete(stakeholder=sam, by=manager)
    services.raci_set_row(
        project=project, by=manager, row=wbs["Test"], cells={sam: "I", manager: "A"}
    )
    services.stakeholder_delete(stakeholder=sam, by=manager)
    assert roles(wbs["Test"]) == {"maria": "A", "mo": "R"}


def test_raci_matrix_has_rows_columns_and_cells_in_five_queries(
    project, manager, member, design_row, people, django_assert_max_num_queries
):
    """The matrix lists work packages then deliverables, stakeholders then members."""
    project_services.deliverable_create(project=project, by=manager, name="Runbook")
    with django_assert_max_num_queries(5):
        matrix = selectors.raci_matrix(project)
    names = [c["name"] for c in matrix["columns"]]
    assert names[:4] == ["Cora CISO", "Ian Interested", "Mona Monitor", "Sam Sponsor"]
    assert {"Maria Manager", "Mo Member", "Vic Viewer"} <= set(names[4:])
    labels = [r["label"] for r in matrix["rows"]]
    assert labels == ["1 Design", "2 Build", "2.1 Backend", "3 Test", "Runbook"]
    design = matrix["rows"][0]
    cells = dict(zip(names, design["cells"], strict=True))
    assert (cells["Maria Manager"], cells["Mo Member"], cells["Sam Sponsor"]) == ("A", "R", "C")
    assert design["problem"] == "" and matrix["rows"][1]["problem"] == ""


def test_raci_csv_exports_the_matrix_and_defuses_formulas(project, manager, design_row, member):
    """The CSV has one line per row; a name that looks like a formula is written as text."""
    evil = services.stakeholder_create(
        project=project, by=manager, name='=HYPERLINK("http://evil.example","x")'
    )
    services.raci_set_cell(project=project, by=manager, row=design_row, party=evil, role="I")
    lines = list(csv.reader(io.StringIO(exports.raci_csv(project))))
    header = lines[0]
    assert header[:3] == ["Type", "Code", "Row"]
    assert '\'=HYPERLINK("http://evil.example","x")' in header
    design = dict(zip(header, lines[1], strict=True))
    assert design["Row"] == "Design" and design["Code"] == "1"
    assert design["Maria Manager"] == "A" and design["Mo Member"] == "R"
    assert design['\'=HYPERLINK("http://evil.example","x")'] == "I"
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_csv_safe_prefixes_formula_starts(text):
    """Every character that starts a formula in Excel or Sheets is neutralised."""
    assert exports.csv_safe(text) == "'" + text
    assert exports.csv_safe("Plain") == "Plain"
