"""The budget pages: budget and variance, actual costs and commitments, earned value,
resources, utilisation and levelling."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from budgets import selectors, services
from budgets.models import (
    Assignment,
    BudgetLine,
    Commitment,
    CostEntry,
    DayOff,
    Resource,
    TimesheetPart,
    TimesheetWeek,
)
from budgets.views.earned_value import tiles
from projects.models import ChangeRequest
from scheduling import services as schedule_services
from scheduling.models import Baseline, Task

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def money(project, manager):
    """A project starting Mon 5 Jan 2026 with two tasks, a budget line per category used, a
    cost, a credit, an open commitment, a person booked on both tasks and a day off."""
    design = schedule_services.task_create(
        project=project, by=manager, name="Design", duration=5, fixed_cost=M("1000")
    )
    build = schedule_services.task_create(
        project=project, by=manager, name="Build", duration=5, fixed_cost=M("2000")
    )
    line = services.budget_line_create(
        project=project, by=manager, category="software", planned_amount="1000.00", name="Licences"
    )
    services.budget_line_create(
        project=project, by=manager, category="labour", planned_amount="5000.00", name="Team"
    )
    entry = services.cost_entry_create(
        project=project, by=manager, date=D(2026, 1, 6), amount="1200.00", category="software"
    )
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 7),
        amount="50.00",
        category="software",
        kind="credit",
    )
    commitment = services.commitment_create(
        project=project, by=manager, date=D(2026, 1, 5), amount="300", category="hardware"
    )
    ada = services.resource_create(project=project, by=manager, name="Ada", rate="50")
    assignment = services.assignment_add(task=design, resource=ada, by=manager, units=100)
    services.assignment_add(task=build, resource=ada, by=manager, units=100)
    day_off = services.day_off_add(resource=ada, by=manager, date=D(2026, 1, 9))
    now = timezone.now()
    week = TimesheetWeek.objects.create(
        user=manager, start=D(2026, 1, 5), status="submitted", submitted_at=now
    )
    part = TimesheetPart.objects.create(week=week, project=project, submitted_at=now)
    return {
        "design": design,
        "build": build,
        "line": line,
        "entry": entry,
        "commitment": commitment,
        "ada": ada,
        "assignment": assignment,
        "day_off": day_off,
        "part": part,
    }


def _urls(project, money) -> list[tuple[str, str]]:
    """(name, url) of every budget page, for the access tests."""
    p, r = project.pk, money["ada"].pk
    return [
        ("budget", reverse("budgets:budget", args=[p])),
        ("line_edit", reverse("budgets:line_edit", args=[p, money["line"].pk])),
        ("line_delete", reverse("budgets:line_delete", args=[p, money["line"].pk])),
        ("reconciliation", reverse("budgets:reconciliation", args=[p])),
        ("actuals", reverse("budgets:actuals", args=[p])),
        ("cost_entry_edit", reverse("budgets:cost_entry_edit", args=[p, money["entry"].pk])),
        ("cost_entry_delete", reverse("budgets:cost_entry_delete", args=[p, money["entry"].pk])),
        ("actuals_import", reverse("budgets:actuals_import", args=[p])),
        ("actuals_export", reverse("budgets:actuals_export", args=[p])),
        ("actuals_export_xlsx", reverse("budgets:actuals_export_xlsx", args=[p])),
        ("commitments", reverse("budgets:commitments", args=[p])),
        (
            "commitment_close",
            reverse("budgets:commitment_close", args=[p, money["commitment"].pk]),
        ),
        ("earned_value", reverse("budgets:earned_value", args=[p])),
        ("resources", reverse("budgets:resources", args=[p])),
        ("resource", reverse("budgets:resource", args=[p, r])),
        ("resource_edit", reverse("budgets:resource_edit", args=[p, r])),
        ("day_off_add", reverse("budgets:day_off_add", args=[p, r])),
        ("day_off_remove", reverse("budgets:day_off_remove", args=[p, r, money["day_off"].pk])),
        ("placeholder_assign", reverse("budgets:placeholder_assign", args=[p, r])),
        ("assignment_add", reverse("budgets:assignment_add", args=[p, r])),
        (
            "assignment_update",
            reverse("budgets:assignment_update", args=[p, r, money["assignment"].pk]),
        ),
        (
            "assignment_remove",
            reverse("budgets:assignment_remove", args=[p, r, money["assignment"].pk]),
        ),
        ("utilisation", reverse("budgets:utilisation", args=[p])),
        ("levelling", reverse("budgets:levelling", args=[p])),
        ("levelling_apply", reverse("budgets:levelling_apply", args=[p])),
        ("levelling_undo", reverse("budgets:levelling_undo", args=[p])),
        ("timesheet_part", reverse("budgets:timesheet_part", args=[p, money["part"].pk])),
    ]


WRITE_ONLY = {
    "line_delete",
    "cost_entry_delete",
    "commitment_close",
    "day_off_add",
    "day_off_remove",
    "placeholder_assign",
    "assignment_add",
    "assignment_update",
    "assignment_remove",
    "levelling_apply",
    "levelling_undo",
}
FORM_PAGES = {"line_edit", "cost_entry_edit", "actuals_import", "resource_edit", "timesheet_part"}
# Pages that only read: a POST is a method they do not take (405, before any role check).
READ_ONLY = {
    "reconciliation",
    "actuals_export",
    "actuals_export_xlsx",
    "earned_value",
    "resource",
    "utilisation",
    "levelling",
}
# Anything any of the forms could take, so a refused POST is refused for its role, not its data.
POST_DATA = {
    "new-category": "software",
    "new-planned_amount": "5",
    "new-date": "2026-01-08",
    "new-amount": "5",
    "new-name": "Zed",
    "new-capacity_hours": "8",
    "new-rate_unit": "hour",
    "new-kind": "cost",
    "to": "cancelled",
    "units": "50",
    "off-date": "2026-01-12",
    "assign-units": "50",
}


def _snapshot(project) -> tuple:
    return (
        BudgetLine.objects.filter(project=project).count(),
        CostEntry.objects.filter(project=project).count(),
        list(Commitment.objects.filter(project=project).values_list("status", flat=True)),
        Resource.objects.filter(project=project).count(),
        DayOff.objects.count(),
        list(Assignment.objects.filter(project=project).values_list("units", flat=True)),
        Baseline.objects.filter(project=project).count(),
    )


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- access ---------------------------------------------------------------------------------------


def test_budget_urls_cover_every_page(project, money):
    """The access tests iterate over every URL name of the budget pages of a project (my
    timesheet and the portfolio heat map are under no project: tested on their own)."""
    from budgets.urls import urlpatterns

    pages = {p.name for p in urlpatterns if "pk" in p.pattern.regex.groupindex}
    assert pages == {name for name, _ in _urls(project, money)}


def test_budget_pages_outsider_gets_404_for_every_method(client_for, outsider, project, money):
    """A non-member gets 404 on every budget URL, for GET and POST alike, and changes nothing."""
    client = client_for(outsider)
    before = _snapshot(project)
    for name, url in _urls(project, money):
        assert client.get(url).status_code == 404, name
        assert client.post(url, POST_DATA).status_code == 404, name
        assert client.post(url, POST_DATA, **HTMX).status_code == 404, name
    assert _snapshot(project) == before


def test_budget_pages_viewer_reads_but_gets_403_on_writes(client_for, viewer, project, money):
    """A viewer reads every page; every write, and every form page, answers 403 (a POST to a
    page that only reads, 405)."""
    client = client_for(viewer)
    before = _snapshot(project)
    for name, url in _urls(project, money):
        response = client.get(url)
        if name in WRITE_ONLY:
            assert response.status_code == 405, name
        elif name in FORM_PAGES:
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
        expected = 405 if name in READ_ONLY else 403
        assert client.post(url, POST_DATA).status_code == expected, name
    assert _snapshot(project) == before


def test_budget_manager_writes_refuse_a_member(client_for, member, project, money):
    """Budget lines, resources and levelling are the manager's: a member gets 403."""
    client = client_for(member)
    before = _snapshot(project)
    for name in (
        "budget",
        "line_edit",
        "line_delete",
        "resources",
        "resource_edit",
        "placeholder_assign",
    ):
        url = dict(_urls(project, money))[name]
        assert client.post(url, POST_DATA).status_code == 403, name
    apply = reverse("budgets:levelling_apply", args=[project.pk])
    assert client.post(apply).status_code == 403
    undo = reverse("budgets:levelling_undo", args=[project.pk])
    assert client.post(undo, {"baseline": "1"}).status_code == 403
    assert _snapshot(project) == before


def test_budget_pages_render_for_a_manager(client_for, manager, project, money):
    """Every readable page renders for the manager with the side navigation's Budget group."""
    client = client_for(manager)
    for name, url in _urls(project, money):
        if name in WRITE_ONLY:
            continue
        response = client.get(url)
        assert response.status_code == 200, name
        if name not in {"actuals_export", "actuals_export_xlsx"}:
            assert 'id="nav-budget"' in response.content.decode(), name


# --- the budget page ------------------------------------------------------------------------------


def test_budget_page_shows_variance_per_category_and_flags_overspend_in_words(
    client_for, viewer, project, money
):
    """Software: planned 1000, actual 1200 − 50 credit = 1150 → over budget by €150.00."""
    html = client_for(viewer).get(reverse("budgets:budget", args=[project.pk])).content.decode()
    row = re.search(r'<tr id="category-software" class="over">(.*?)</tr>', html, re.S)
    assert row, "the overspent category is marked"
    cells = row.group(1)
    assert "€1,000.00" in cells and "€1,150.00" in cells and "−€150.00" in cells
    assert "Over budget by €150.00" in cells
    hardware = re.search(r'<tr id="category-hardware">(.*?)</tr>', html, re.S).group(1)
    assert "€300.00" in hardware  # the open commitment
    assert "Commitments exceed what is left" in hardware  # nothing planned for hardware


def test_budget_line_add_with_htmx_returns_the_region_with_new_totals(
    client_for, manager, project, money
):
    """Adding a line swaps the budget region, whose totals already include it."""
    response = client_for(manager).post(
        reverse("budgets:budget", args=[project.pk]),
        {"new-category": "training", "new-planned_amount": "400.00", "new-name": "Course"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="budget-region"')
    assert "Budget line “Course” added: €400.00." in html
    assert re.search(r'<tr id="category-training">.*?€400\.00', html, re.S)
    assert BudgetLine.objects.filter(project=project, category="training").exists()


def test_budget_line_add_refuses_bad_money_next_to_the_field(client_for, manager, project):
    """A comma in an amount is refused with the service's message, and nothing is saved."""
    response = client_for(manager).post(
        reverse("budgets:budget", args=[project.pk]),
        {"new-category": "training", "new-planned_amount": "1,250"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="field-error"' in html and "has a comma" in html
    assert not BudgetLine.objects.filter(project=project).exists()


def test_budget_line_edit_inline_and_stale_version(client_for, manager, project, money):
    """The row turns into a form (htmx); saving changes the amount; a stale version is refused."""
    client = client_for(manager)
    line = money["line"]
    url = reverse("budgets:line_edit", args=[project.pk, line.pk])
    form = client.get(url, **HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="line-{line.pk}" class="row-editing">')
    data = {
        "edit-version": line.version,
        "edit-category": "software",
        "edit-name": "Licences",
        "edit-planned_amount": "1500.00",
    }
    response = client.post(url, data, **HTMX)
    assert response["HX-Retarget"] == "#budget-region"
    assert "€1,500.00" in response.content.decode()
    line.refresh_from_db()
    assert line.planned_amount == M("1500.00")
    stale = client.post(url, {**data, "edit-planned_amount": "9.00"}, **HTMX)
    assert stale.content.decode().lstrip().startswith(f'<tr id="line-{line.pk}"')
    assert "form-errors" in stale.content.decode()
    line.refresh_from_db()
    assert line.planned_amount == M("1500.00")


def test_budget_line_delete_redirects_without_htmx(client_for, manager, project, money):
    """A plain POST deletes and redirects back to the budget with a message."""
    url = reverse("budgets:line_delete", args=[project.pk, money["line"].pk])
    response = client_for(manager).post(url, follow=True)
    assert "Budget line “Licences” deleted." in response.content.decode()
    assert not BudgetLine.objects.filter(pk=money["line"].pk).exists()


def test_budget_page_shows_the_approved_budget_trail_with_change_request_links(
    client_for, viewer, manager, project, money
):
    """Frozen with the performance baseline, then a CR's +250 adjustment, linked."""
    schedule_services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    change = ChangeRequest.objects.create(
        project=project,
        number=7,
        title="More licences",
        cost_impact=M("250.00"),
        status=ChangeRequest.Status.APPROVED,
        decided_by=manager,
        decided_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    services.budget_adjustment_record(change_request=change)
    html = client_for(viewer).get(reverse("budgets:budget", args=[project.pk])).content.decode()
    approved = selectors.approved_budget(project)
    assert approved["total"] == approved["frozen"] + M("250.00")
    assert "Frozen with baseline “Approved plan”" in html
    assert reverse("projects:change", args=[project.pk, change.pk]) in html
    assert "+€250.00" in html
    assert f"€{approved['total']:,}" in html


def test_budget_burn_chart_and_table_come_from_the_weekly_series(
    client_for, viewer, project, money
):
    """The burn chart is SVG with a table of every week of ``evm_series``."""
    html = client_for(viewer).get(reverse("budgets:budget", args=[project.pk])).content.decode()
    assert '<svg class="chart money-chart"' in html and "series-actual" in html
    table = re.search(r'<table class="data compact burn-table">(.*?)</table>', html, re.S)
    rows = re.findall(r"<tr><th scope=\"row\"", table.group(1))

    assert len(rows) == len(selectors.evm_series(project, project.today()))


# --- actual costs ---------------------------------------------------------------------------------


def test_actuals_add_a_credit_and_see_it_negative(client_for, member, project, money):
    """A member records a credit; the list shows it as a negative amount."""
    client = client_for(member)
    response = client.post(
        reverse("budgets:actuals", args=[project.pk]),
        {
            "new-date": "2026-01-20",
            "new-kind": "credit",
            "new-amount": "80.00",
            "new-category": "software",
            "new-vendor": "Acme",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Credit of €80.00 on 20 Jan 2026 recorded" in html
    assert "−€80.00" in html
    assert CostEntry.objects.get(vendor="Acme").signed_amount == M("-80.00")


def test_actuals_refuses_a_reserve_category_and_negative_amounts(client_for, member, project):
    """The service's rules reach the form: negative money is refused with its message."""
    response = client_for(member).post(
        reverse("budgets:actuals", args=[project.pk]),
        {
            "new-date": "2026-01-20",
            "new-kind": "cost",
            "new-amount": "-5",
            "new-category": "software",
        },
        **HTMX,
    )
    assert "is negative" in response.content.decode()
    assert not CostEntry.objects.filter(project=project).exists()


def test_actuals_filters_by_category_and_month_and_sorts(client_for, viewer, manager, project):
    """Filters narrow the list and its net total; sorting by amount orders the rows."""
    for day, amount, category in (
        (D(2026, 1, 5), "10.00", "software"),
        (D(2026, 2, 5), "30.00", "software"),
        (D(2026, 2, 6), "20.00", "travel"),
    ):
        services.cost_entry_create(
            project=project, by=manager, date=day, amount=amount, category=category
        )
    client = client_for(viewer)
    url = reverse("budgets:actuals", args=[project.pk])
    html = client.get(url, {"category": "software", "month": "2026-02"}).content.decode()
    assert "1 entry matches · net €30.00" in html
    html = client.get(url, {"sort": "amount"}, **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="actuals-region"')
    amounts = re.findall(r"€(\d+\.\d\d)</td>", html)
    assert amounts == ["10.00", "20.00", "30.00"]
    bad = client.get(url, {"month": "Feb"}).content.decode()
    assert "Write the month as YYYY-MM" in bad


def test_actuals_paginates(client_for, viewer, manager, project):
    """26 entries make two pages of 25."""
    CostEntry.objects.bulk_create(
        CostEntry(project=project, date=D(2026, 1, 5), amount=M("1"), category="other")
        for _ in range(26)
    )
    client = client_for(viewer)
    url = reverse("budgets:actuals", args=[project.pk])
    assert "Page 1 of 2" in client.get(url).content.decode()
    assert client.get(url, {"page": 2}).context["entries"].__len__() == 1


def test_cost_entry_edit_saves_and_refuses_a_stale_version(client_for, member, project, money):
    """The edit page saves a new amount; posting the old version again is refused."""
    client = client_for(member)
    entry = money["entry"]
    url = reverse("budgets:cost_entry_edit", args=[project.pk, entry.pk])
    data = {
        "version": entry.version,
        "date": "2026-01-06",
        "kind": "cost",
        "amount": "1300.00",
        "category": "software",
    }
    assert client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.amount == M("1300.00")
    stale = client.post(url, {**data, "amount": "1.00"})
    assert stale.status_code == 200 and "form-errors" in stale.content.decode()


def test_cost_entry_delete_with_htmx_returns_the_list(client_for, member, project, money):
    """Deleting swaps the list region in place, without the entry."""
    entry = money["entry"]
    url = reverse("budgets:cost_entry_delete", args=[project.pk, entry.pk])
    html = client_for(member).post(url, **HTMX).content.decode()
    assert "Cost entry of 6 Jan 2026 €1,200.00 deleted." in html
    assert f'id="entry-{entry.pk}"' not in html


def test_actuals_import_is_all_or_nothing_and_lists_every_error(client_for, member, project):
    """One bad row imports nothing; the page names each line, column and problem."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        b"date,amount,category,vendor\n"
        b"2026-01-05,100.00,software,Good\n"
        b"2026-13-01,-5,contingency,Bad\n"
    )
    response = client_for(member).post(
        reverse("budgets:actuals_import", args=[project.pk]),
        {"file": SimpleUploadedFile("costs.csv", csv, content_type="text/csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: 3 problems in the file." in html
    for column in ("date", "amount", "category"):
        assert f'<td class="num">3</td><td><code>{column}</code></td>' in html
    assert not CostEntry.objects.filter(project=project).exists()


def test_actuals_import_success_reports_the_count(client_for, member, project):
    """A clean file imports every row and says how many."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"date,amount,category\n2026-01-05,100.00,software\n2026-01-06,50.00,travel\n"
    response = client_for(member).post(
        reverse("budgets:actuals_import", args=[project.pk]),
        {"file": SimpleUploadedFile("costs.csv", csv, content_type="text/csv")},
        follow=True,
    )
    assert "Imported 2 cost entries." in response.content.decode()
    assert CostEntry.objects.filter(project=project).count() == 2


def test_actuals_export_is_csv_guarded_against_formulas(client_for, viewer, manager, project):
    """The export is a CSV download; a vendor starting with = is quoted as text."""
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 5),
        amount="5",
        category="other",
        vendor="=HYPERLINK(1)",
    )
    response = client_for(viewer).get(reverse("budgets:actuals_export", args=[project.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_actuals_export_xlsx_is_a_workbook_with_text_never_formulas(
    client_for, viewer, manager, project
):
    """The Excel download has the header and rows; a vendor starting with = is a plain string."""
    services.cost_entry_create(
        project=project,
        by=manager,
        date=D(2026, 1, 5),
        amount="1234.5",
        category="other",
        vendor='=HYPERLINK("http://evil.example","x")',
    )
    response = client_for(viewer).get(reverse("budgets:actuals_export_xlsx", args=[project.pk]))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == selectors.EXPORT_COLUMNS
    assert len(rows) == 2
    date, _, amount, *_ = sheet[2]
    vendor = sheet.cell(row=2, column=7)
    assert vendor.data_type == "s"
    assert vendor.value == '\'=HYPERLINK("http://evil.example","x")'
    assert date.value.date() == D(2026, 1, 5) and date.is_date
    assert amount.data_type == "n" and amount.value == 1234.5
    assert amount.number_format == "#,##0.00"


def test_commitment_add_and_close(client_for, member, project, money):
    """A member records a commitment, then marks the open one invoiced (htmx)."""
    client = client_for(member)
    url = reverse("budgets:commitments", args=[project.pk])
    client.post(
        url,
        {
            "new-date": "2026-01-08",
            "new-amount": "99.00",
            "new-category": "cloud",
            "new-reference": "PO-9",
        },
    )
    assert Commitment.objects.filter(reference="PO-9", status="open").exists()
    close = reverse("budgets:commitment_close", args=[project.pk, money["commitment"].pk])
    html = client.post(close, {"to": "invoiced"}, **HTMX).content.decode()
    assert "is now invoiced." in html
    again = client.post(close, {"to": "cancelled"}, **HTMX).content.decode()
    assert "It is already invoiced." in again
    money["commitment"].refresh_from_db()
    assert money["commitment"].status == "invoiced"


# --- earned value ---------------------------------------------------------------------------------


def test_earned_value_tiles_equal_the_selector(client_for, viewer, manager, project, money):
    """Each tile shows the selector's number at the chosen status date."""
    schedule_services.task_update(
        task=money["design"], by=manager, version=None, percent_complete=60
    )
    as_of = D(2026, 1, 8)
    response = client_for(viewer).get(
        reverse("budgets:earned_value", args=[project.pk]), {"as_of": as_of.isoformat()}
    )
    html = response.content.decode()
    ev = selectors.evm_for(project, as_of)
    shown = dict(re.findall(r'data-kpi="(\w+)">([^<]*)<', html))
    assert shown["bac"] == f"€{ev.bac:,}"
    assert shown["pv"] == f"€{ev.pv:,}"
    assert shown["ev"] == f"€{ev.ev:,}"
    assert shown["ac"] == f"€{ev.ac:,}"
    assert shown["cpi"] == f"{ev.cpi:.2f}"
    assert shown["spi"] == f"{ev.spi:.2f}"
    assert shown["eac_budget_rate"] == f"€{ev.eac_budget_rate:,}"
    assert response.context["as_of"] == as_of
    assert f"Every €1 spent earns €{ev.cpi:.2f} of planned work" in html


def test_earned_value_tiles_show_a_dash_for_zero_denominators(client_for, viewer, project):
    """Nothing planned or spent: SPI, CPI, EAC, ETC, VAC show “—” and say why."""
    html = (
        client_for(viewer)
        .get(reverse("budgets:earned_value", args=[project.pk]), {"as_of": "2025-12-01"})
        .content.decode()
    )
    shown = dict(re.findall(r'data-kpi="(\w+)">([^<]*)<', html))
    for key in ("spi", "cpi", "etc", "vac", "eac_cpi", "eac_cpi_spi"):
        assert shown[key] == "—", key
    assert "Nothing has been spent yet" in html


def test_earned_value_tile_wording_follows_the_numbers():
    """CPI 0.78 reads as every €1 earning €0.78; TCPI 1.22 above it reads as harder than so far."""
    from budgets import evm

    ev = evm.EarnedValue(
        bac=M("1000"),
        pv=M("500"),
        ev=M("390"),
        ac=M("500"),
        sv=M("-110"),
        cv=M("-110"),
        spi=M("0.78"),
        cpi=M("0.78"),
        eac=M("1282.05"),
        etc=M("782.05"),
        vac=M("-282.05"),
        tcpi=M("1.22"),
        eac_cpi=M("1282.05"),
        eac_budget_rate=M("1110"),
        eac_cpi_spi=M("1500"),
    )
    by_key = {t.key: t for t in tiles(ev, currency="EUR", as_of=D(2026, 1, 9))}
    assert by_key["cpi"].explanation == ("Every €1 spent earns €0.78 of planned work: over budget.")
    assert by_key["cpi"].health == "Red"
    assert by_key["sv"].explanation.startswith("Behind schedule: €110.00 less work")
    assert by_key["tcpi"].explanation.endswith("€1.22 of work: harder than so far.")
    assert by_key["vac"].explanation == "Expect to finish €282.05 over the approved budget."


def test_earned_value_defaults_to_today_in_the_project_time_zone(client_for, viewer, project):
    """Without a status date the page measures at today where the project is."""

    response = client_for(viewer).get(reverse("budgets:earned_value", args=[project.pk]))
    assert response.context["as_of"] == project.today()


def test_earned_value_s_curve_table_matches_the_series(client_for, viewer, project, money):
    """The S-curve's table has one row per point of ``evm_series`` with the status date."""
    as_of = D(2026, 1, 14)
    html = (
        client_for(viewer)
        .get(reverse("budgets:earned_value", args=[project.pk]), {"as_of": as_of.isoformat()})
        .content.decode()
    )
    points = selectors.evm_series(project, as_of)
    table = re.search(r'<table class="data compact scurve-table">(.*?)</table>', html, re.S)
    assert table.group(1).count('<th scope="row"') == len(points)
    assert "Status date 14 Jan" in html


# --- resources ------------------------------------------------------------------------------------


def test_resources_list_counts_tasks_and_the_manager_adds_one(client_for, manager, project, money):
    """The list shows rate, capacity and task count; a new resource is added."""
    client = client_for(manager)
    url = reverse("budgets:resources", args=[project.pk])
    html = client.get(url).content.decode()
    row = re.search(rf'<tr id="resource-{money["ada"].pk}">(.*?)</tr>', html, re.S).group(1)
    assert "€50.00 per hour" in row and "8 h/day" in row and '<td class="num">2</td>' in row
    response = client.post(
        url,
        {
            "new-name": "Bob",
            "new-kind": "person",
            "new-rate": "60",
            "new-rate_unit": "hour",
            "new-capacity_hours": "6",
        },
        follow=True,
    )
    assert "Bob added as a resource." in response.content.decode()
    assert Resource.objects.get(project=project, name="Bob").capacity_hours == M("6")


def test_resource_assignment_units_change_and_removal(client_for, member, project, money):
    """A member sets units to 50% (re-costing the task) and removes the assignment."""
    client = client_for(member)
    ada, assignment = money["ada"], money["assignment"]
    url = reverse("budgets:assignment_update", args=[project.pk, ada.pk, assignment.pk])
    html = client.post(url, {"units": "50", "version": assignment.version}, **HTMX).content.decode()
    assert "Ada is now at 50% on “Design”." in html
    assert Task.objects.get(pk=money["design"].pk).labour_cost == M("1000.00")  # 5 d × 4 h × 50
    remove = reverse("budgets:assignment_remove", args=[project.pk, ada.pk, assignment.pk])
    html = client.post(remove, **HTMX).content.decode()
    assert "Ada is no longer on “Design”." in html
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_resource_assignment_add_shows_the_service_refusal(client_for, member, project, money):
    """Booking Ada on a task she already has is refused next to the field."""
    url = reverse("budgets:assignment_add", args=[project.pk, money["ada"].pk])
    html = (
        client_for(member)
        .post(url, {"assign-task": money["design"].pk, "assign-units": "50"}, **HTMX)
        .content.decode()
    )
    assert "Ada is already assigned to “Design”." in html


def test_resource_days_off_add_and_remove(client_for, member, project, money):
    """A day off is added and removed from the resource page."""
    client = client_for(member)
    ada = money["ada"]
    html = client.post(
        reverse("budgets:day_off_add", args=[project.pk, ada.pk]),
        {"off-date": "2026-01-12"},
        **HTMX,
    ).content.decode()
    assert "Mon 12 Jan 2026 is a day off." in html
    day = DayOff.objects.get(resource=ada, date=D(2026, 1, 12))
    client.post(reverse("budgets:day_off_remove", args=[project.pk, ada.pk, day.pk]))
    assert not DayOff.objects.filter(pk=day.pk).exists()


# --- utilisation and levelling --------------------------------------------------------------------


def test_utilisation_cells_show_the_right_percent_and_open_over_allocated_days(
    client_for, viewer, project, money
):
    """Ada is booked 100% on two parallel 5-day tasks with Fri 9 Jan off: 80 h of 32 h = 250%,
    over-allocated on each working day, naming both tasks; next week is empty (0%)."""
    html = (
        client_for(viewer)
        .get(
            reverse("budgets:utilisation", args=[project.pk]), {"start": "2026-01-05", "weeks": "4"}
        )
        .content.decode()
    )
    cells = re.findall(r'data-percent="(\d*)"', html)
    assert cells == ["250", "0", "0", "0"]
    assert '<span class="heat-pct">250%</span>' in html
    assert "Mon 5 Jan</time>: 16 h of 8" in html
    assert "Fri 9 Jan</time>: 16 h of 0 (day off)" in html
    assert "Design</a>, <a" in html and "Build</a>" in html
    assert '<span class="status status-warn">Includes a day off</span>' in html


def _overbooked(project, manager):
    """Two parallel tasks, one with float, both needing Ada full time."""
    short = schedule_services.task_create(project=project, by=manager, name="Short", duration=2)
    long = schedule_services.task_create(project=project, by=manager, name="Long", duration=6)
    ada = services.resource_create(project=project, by=manager, name="Ada")
    services.assignment_add(task=short, resource=ada, by=manager, units=100)
    services.assignment_add(task=long, resource=ada, by=manager, units=100)
    return short, long


def test_levelling_preview_lists_moves_and_the_manager_applies(
    client_for, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    """The preview shows the move and the finish; Apply takes “Before levelling” and says so."""
    _overbooked(project, manager)
    client = client_for(manager)
    url = reverse("budgets:levelling", args=[project.pk])
    response = client.get(url, {"allow_past_float": "on"})
    plan = response.context["plan"]
    assert plan.moves
    html = response.content.decode()
    for move in plan.moves:
        assert move.task_name in html
        assert f"{move.to_start:%a %-d %b %Y}" in html
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            reverse("budgets:levelling_apply", args=[project.pk]),
            {"allow_past_float": "on", "fingerprint": response.context["fingerprint"]},
        )
    applied = client.get(queued.url)
    baseline = Baseline.objects.get(project=project, name__startswith="Before levelling")
    assert f"kept as the baseline “{baseline.name}”" in applied.content.decode()
    assert not selectors.conflicts_of(project)


def test_levelling_apply_refuses_a_stale_preview(
    client_for, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    """When the plan changed since the preview, nothing is applied and the page says so."""
    _overbooked(project, manager)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            reverse("budgets:levelling_apply", args=[project.pk]),
            {"allow_past_float": "on", "fingerprint": "0:2000-01-01"},
        )
    response = client.get(queued.url)
    assert "The plan changed since your preview" in response.content.decode()
    assert not Baseline.objects.filter(project=project).exists()


# --- query counts ---------------------------------------------------------------------------------


def _grow(project, manager, n: int, start: int) -> None:
    """n more of everything the list pages show."""
    tasks = Task.objects.bulk_create(
        Task(project=project, name=f"T{start + i}", duration=3, fixed_cost=10) for i in range(n)
    )
    schedule_services.schedule_recompute(project)
    BudgetLine.objects.bulk_create(
        BudgetLine(project=project, category="other", planned_amount=M("5"), name=f"L{start + i}")
        for i in range(n)
    )
    CostEntry.objects.bulk_create(
        CostEntry(
            project=project, date=D(2026, 1, 5), amount=M("1"), category="other", task=tasks[i]
        )
        for i in range(n)
    )
    Commitment.objects.bulk_create(
        Commitment(project=project, date=D(2026, 1, 5), amount=M("1"), category="other")
        for _ in range(n)
    )
    people = Resource.objects.bulk_create(
        Resource(project=project, name=f"R{start + i}") for i in range(n)
    )
    DayOff.objects.bulk_create(DayOff(resource=r, date=D(2026, 1, 6)) for r in people)
    ada = Resource.objects.get(project=project, name="Ada")
    for task in tasks[:3]:
        services.assignment_add(task=task, resource=ada, by=manager, units=50)
    Assignment.objects.bulk_create(
        Assignment(project=project, resource=r, task=t, units=100)
        for r, t in zip(people, tasks, strict=True)
    )


# Each page's query budget (login and session included); none grows with the rows shown.
QUERY_BUDGETS = [
    ("budget", 24),
    ("actuals", 8),
    ("commitments", 5),
    ("earned_value", 29),  # + the project's RAG thresholds
    ("resources", 7),
    ("resource", 8),
    ("utilisation", 14),
    ("levelling", 12),  # + the levellings that can be undone
]


@pytest.mark.parametrize(("name", "budget"), QUERY_BUDGETS)
def test_list_pages_query_count_is_constant(
    client_for, manager, project, money, name, budget, django_assert_max_num_queries
):
    """Each list page costs the same queries with few rows as with many, within its budget."""
    client = client_for(manager)
    url = dict(_urls(project, money))[name]
    client.get(url)  # the first read of the schedule creates the project calendar
    _grow(project, manager, 3, 100)
    few = _count_queries(client, url)
    _grow(project, manager, 30, 200)
    many = _count_queries(client, url)
    assert many == few, name
    with django_assert_max_num_queries(budget):
        client.get(url)
