"""The printables for steering packs: the Gantt as PDF (A4 or A3 landscape, the whole plan over
as many pages as it needs, header, legend and "Page x of y" on each) and PNG (one page), the
risk register and the RACI matrix as PDF; through the pages and the API, members only."""

from __future__ import annotations

import base64
import io
import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from interchange import printing
from projects import services as project_services
from projects.models import Project, WorkPackage
from risks import services as risk_services
from scheduling import services as scheduling_services
from scheduling.models import Dependency, Task
from stakeholders import services as stakeholder_services

pytestmark = pytest.mark.django_db


def build_plan(project: Project, by, size: int, *, baseline: bool = True) -> list[Task]:
    """``size`` tasks in work packages of 10 (FS chains, every 10th a milestone), the packages
    under streams of 5, the streams one after the other; the plan recomputed and, with
    ``baseline``, a performance baseline taken."""
    packages_needed = max(1, -(-size // 10))
    streams = -(-packages_needed // 5)
    project_services.wbs_import(
        project=project,
        by=by,
        nodes=[
            {
                "name": f"Stream {s + 1}",
                "children": [{"name": f"Package {s + 1}.{c + 1}"} for c in range(5)],
            }
            for s in range(streams)
        ],
    )
    packages = list(
        WorkPackage.objects.filter(project=project, parent__isnull=False).order_by("sort_key")
    )
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Step {n + 1} of {packages[n // 10].name}",
            work_package=packages[n // 10],
            position=n % 10 + 1,
            ref=n + 1,
            duration=0 if n % 10 == 9 else 1 + n % 4,
        )
        for n in range(size)
    )
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=tasks[n - 1], successor=tasks[n])
        for n in range(1, size)
    )
    scheduling_services.schedule_recompute(project)
    if baseline:
        scheduling_services.baseline_create(
            project=project, by=by, name="Approved plan", is_performance=True
        )
    return tasks


def charts_of(layout: printing.GanttLayout) -> str:
    """The SVG of every page's chart (each an <img> with a data: URI), one after the other."""
    return "".join(
        base64.b64decode(re.search(r"base64,([^\"]+)", sheet.chart_svg)[1]).decode()
        for sheet in layout.sheets
        if sheet.chart_svg
    )


def pages_of(content: bytes) -> list[str]:
    """The text of each page of a PDF."""
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def gantt_url(project: Project, kind: str = "pdf", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(f"interchange:gantt_{kind}", args=[project.pk]) + (f"?{query}" if query else "")


def row_count(size: int) -> int:
    """Rows of ``build_plan``'s plan: its tasks, a summary per package and per stream."""
    packages = -(-size // 10)
    return size + packages + -(-packages // 5)


def test_gantt_pdf_runs_over_pages_each_with_header_legend_and_number(client_for, project, viewer):
    """A plan longer than a page prints on as many A4 landscape pages as its rows need, every
    page with the project, the legend and "Page x of N", the tasks in outline order."""
    build_plan(project, project.memberships.get(role="manager").user, 120)
    response = client_for(viewer).get(gantt_url(project))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{project.key}-gantt-')
    pages = pages_of(response.content)
    expected = math.ceil(row_count(120) / printing.PAPERS["A4"].rows_per_page)
    assert expected >= 4 and len(pages) == expected
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    for number, text in enumerate(pages, start=1):
        assert f"{project.key} · {project.name}: Gantt chart" in text
        assert f"Page {number} of {expected}" in text
        assert (
            "Critical path" in text and "Milestone" in text and "Baseline “Approved plan”" in text
        )
    assert "Step 1 of Package 1.1" in pages[0] and "1.1.1" in pages[0]
    assert "Step 120 of Package 3.2" in pages[-1]
    assert "Baseline: Approved plan" in pages[0]


def test_gantt_pdf_on_a3_holds_more_rows_a_page(client_for, project, manager):
    """A3 landscape pages are larger and hold more rows, so the plan needs fewer of them."""
    build_plan(project, manager, 120)
    response = client_for(manager).get(gantt_url(project, paper="a3"))
    pages = pages_of(response.content)
    assert len(pages) == math.ceil(row_count(120) / printing.PAPERS["A3"].rows_per_page)
    assert len(pages) < math.ceil(row_count(120) / printing.PAPERS["A4"].rows_per_page)
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape


def test_gantt_marks_critical_tasks_and_draws_baseline_bars(project, manager):
    """Critical tasks are hatched red bars and say "(critical)"; a task with float does not;
    baseline bars are drawn under the tasks of the chosen baseline, and none without one."""
    tasks = build_plan(project, manager, 20)
    spare = scheduling_services.task_create(project=project, by=manager, name="Spare", duration=1)
    options = printing.GanttOptions.of({})
    layout = printing.gantt_layout(project, options)
    assert layout.baseline.name == "Approved plan"
    chart = charts_of(layout)
    assert chart.count('class="bar critical"') + chart.count('class="milestone critical"') == 20
    assert f'data-task="{spare.pk}"' in chart and 'class="baseline-bar"' in chart
    rows = {row.id: row for sheet in layout.sheets for row in sheet.rows}
    assert rows[tasks[0].pk].is_critical and not rows[spare.pk].is_critical
    text = printing.gantt_pdf(project, options)
    words = " ".join(pages_of(text))
    assert "Step 1 of Package 1.1 (critical)" in words and "Spare (critical)" not in words

    plain = printing.gantt_layout(project, printing.GanttOptions.of({"baseline": "none"}))
    assert plain.baseline is None
    assert "<svg" in charts_of(plain) and 'class="baseline-bar"' not in charts_of(plain)


def test_gantt_default_baseline_is_the_performance_one_else_the_latest(project, manager):
    """Without ?baseline= the chart compares with the performance baseline, else the latest."""
    build_plan(project, manager, 10, baseline=False)
    first = scheduling_services.baseline_create(project=project, by=manager, name="First")
    latest = scheduling_services.baseline_create(project=project, by=manager, name="Latest")
    assert printing.gantt_layout(project, printing.GanttOptions.of({})).baseline == latest
    chosen = printing.GanttOptions.of({"baseline": str(first.pk)})
    assert printing.gantt_layout(project, chosen).baseline == first


def test_gantt_png_is_one_page_at_the_asked_resolution(client_for, project, member):
    """The PNG is a page of the printed chart: A4 landscape at 96 dpi is 1123 × 794 pixels, at
    the default 150 dpi 1754 × 1240; ?page= picks the page, one past the last is a 400."""
    build_plan(project, member, 60)
    client = client_for(member)
    response = client.get(gantt_url(project, "png", dpi="96"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and abs(image.width - 1123) <= 1 and abs(image.height - 794) <= 1
    second = Image.open(io.BytesIO(client.get(gantt_url(project, "png", page="2")).content))
    assert abs(second.width - 1754) <= 1 and abs(second.height - 1240) <= 1
    pages = math.ceil(row_count(60) / printing.PAPERS["A4"].rows_per_page)
    refused = client.get(gantt_url(project, "png", page=str(pages + 1)))
    assert refused.status_code == 400
    assert f"The chart has {pages} pages on A4." in refused.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"paper": "letter"}, "Choose the paper: A4 or A3."),
        ({"baseline": "latest"}, "Name a baseline by its id, or none."),
        ({"baseline": "999999"}, "This project has no such baseline."),
        ({"page": "0"}, "The page is a whole number from 1 to 10000."),
        ({"dpi": "9000"}, "The resolution is a whole number from 50 to 300."),
    ],
)
def test_gantt_bad_parameters_are_refused_with_a_reason(
    client_for, api_for, project, viewer, params, message
):
    """A parameter that makes no sense is a 400 saying what to ask for, on the page and API."""
    page = client_for(viewer).get(gantt_url(project, "png", **params))
    assert page.status_code == 400 and message in page.content.decode()
    url = reverse("api:project-export-gantt", kwargs={"project_pk": project.pk})
    api = api_for(viewer).get(url, {"format": "png", **params})
    assert api.status_code == 400 and message in str(api.json())


def test_gantt_reads_the_same_number_of_queries_for_10_and_100_tasks(
    project, manager, django_assert_max_num_queries
):
    """The printed plan is read in a fixed number of queries, whatever its size."""
    counts = []
    for size in (10, 100):
        other = Project.objects.create(
            name=f"Plan {size}",
            key=f"P{size}",
            start_date=project.start_date,
            target_finish=project.target_finish,
        )
        other.memberships.create(user=manager, role="manager")
        build_plan(other, manager, size)
        other = Project.objects.get(pk=other.pk)
        with CaptureQueriesContext(connection) as queries:
            printing.gantt_layout(other, printing.GanttOptions.of({}))
        counts.append(len(queries))
    assert counts[0] == counts[1] > 0
    with django_assert_max_num_queries(counts[1]):
        printing.gantt_layout(other, printing.GanttOptions.of({}))


def test_api_exports_the_gantt_register_and_raci(api_for, project, viewer):
    """The API's exports answer with the files; an unknown format is a 400 in JSON."""
    client = api_for(viewer)
    base = {"project_pk": project.pk}
    gantt = client.get(reverse("api:project-export-gantt", kwargs=base), {"format": "pdf"})
    assert gantt.status_code == 200 and gantt["Content-Type"] == "application/pdf"
    png = client.get(reverse("api:project-export-gantt", kwargs=base), {"format": "png"})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    for name in ("project-export-risk-register", "project-export-raci"):
        response = client.get(reverse(f"api:{name}", kwargs=base), {"format": "pdf", "paper": "A3"})
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        refused = client.get(reverse(f"api:{name}", kwargs=base), {"format": "png"})
        assert refused.status_code == 400 and refused.json() == {"format": ["Export as pdf."]}


def test_printables_are_404_for_a_non_member(client_for, api_for, project, outsider):
    """Someone outside the project finds none of its printables, on the pages or the API."""
    for name in ("gantt_pdf", "gantt_png", "risk_register_pdf", "raci_pdf"):
        url = reverse(f"interchange:{name}", args=[project.pk])
        assert client_for(outsider).get(url).status_code == 404, name
    for name in ("project-export-gantt", "project-export-risk-register", "project-export-raci"):
        url = reverse(f"api:{name}", kwargs={"project_pk": project.pk})
        assert api_for(outsider).get(url, {"format": "pdf"}).status_code == 404, name


def test_printables_read_a_closed_project(client_for, project, viewer):
    """A closed project is read-only, and its printables can still be downloaded."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    for name in ("gantt_pdf", "risk_register_pdf", "raci_pdf"):
        url = reverse(f"interchange:{name}", args=[project.pk])
        assert client_for(viewer).get(url).status_code == 200, name


def test_risk_register_pdf_lists_the_risks_with_scores_and_levels(client_for, project, manager):
    """Every risk with its probability, impact, score and level in words, live ones first."""
    risk_services.risk_create(
        project=project,
        by=manager,
        title="Vendor goes bust",
        probability=4,
        impact=5,
        cost_impact="20000.00",
        response_strategy="mitigate",
        response_plan="Second supplier",
    )
    risk_services.risk_create(
        project=project, by=manager, title="Key engineer leaves", probability=2, impact=3
    )
    response = client_for(manager).get(reverse("interchange:risk_register_pdf", args=[project.pk]))
    assert response.status_code == 200
    text = " ".join(pages_of(response.content))
    assert "Risk register" in text and "2 risks, 2 live" in text
    assert "Vendor goes bust" in text and "Key engineer leaves" in text
    assert "4 5 20 Critical" in text and "2 3 6 Medium" in text
    assert "Response: Second supplier" in text and "Page 1 of 1" in text
    assert text.index("Vendor goes bust") < text.index("Key engineer leaves")


def test_raci_pdf_prints_the_matrix(client_for, project, manager, member):
    """The matrix: a row per work package, a column per person, R/A/C/I in the cells."""
    package = project_services.work_package_add(project=project, by=manager, name="Cut-over")
    sponsor = stakeholder_services.stakeholder_create(
        project=project, by=manager, name="Ada Sponsor"
    )
    stakeholder_services.raci_set_row(
        project=project, by=manager, row=package, cells={sponsor: "A", member: "R"}
    )
    response = client_for(member).get(reverse("interchange:raci_pdf", args=[project.pk]))
    assert response.status_code == 200
    text = " ".join(pages_of(response.content))
    assert "RACI matrix" in text and "Ada Sponsor" in text and "Cut-over" in text
    assert "R = Responsible" in text and "every assigned row has exactly one A" in text


def test_pages_link_their_printables(client_for, project, viewer):
    """The Gantt, the risk register and the RACI matrix offer their downloads."""
    client = client_for(viewer)
    gantt = client.get(reverse("scheduling:gantt", args=[project.pk])).content.decode()
    assert reverse("interchange:gantt_pdf", args=[project.pk]) in gantt
    assert reverse("interchange:gantt_png", args=[project.pk]) in gantt
    risks = client.get(reverse("risks:register", args=[project.pk])).content.decode()
    assert reverse("interchange:risk_register_pdf", args=[project.pk]) in risks
    raci = client.get(reverse("stakeholders:raci", args=[project.pk])).content.decode()
    assert reverse("interchange:raci_pdf", args=[project.pk]) in raci


def test_gantt_pdf_of_a_large_plan_is_printed_by_a_worker_while_the_page_waits(
    client_for, project, manager, outsider, monkeypatch, django_capture_on_commit_callbacks
):
    """A plan of more pages than a request should wait for goes to a worker: the page
    redirects to its job, which says it is printing until the PDF is there, then answers
    with it (to htmx's poll: a redirect to the file). Nobody else gets the job's PDF."""
    monkeypatch.setattr(printing, "SYNC_PAGES", 2)
    build_plan(project, manager, 120)
    client = client_for(manager)
    response = client.get(gantt_url(project, paper="A3"))
    assert response.status_code == 302 and "?job=" in response["Location"]
    job = response["Location"]
    page = client.get(job)
    assert page.status_code == 200 and "Printing the plan on 3 pages" in page.content.decode()
    token = job.split("job=")[1]
    with django_capture_on_commit_callbacks(execute=True):
        printing.gantt_job_render(
            token=token, project_id=project.pk, user_id=manager.pk, params={"paper": "A3"}
        )
    poll = client.get(job, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and poll["HX-Redirect"] == job
    pdf = client.get(job)
    assert pdf["Content-Type"] == "application/pdf" and len(pages_of(pdf.content)) == 3
    assert client_for(outsider).get(job).status_code == 404
    assert client.get(gantt_url(project, job="forged")).status_code == 404


def test_gantt_job_runs_in_process_on_the_embedded_default(
    client_for, project, manager, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    """Without a broker the worker's part runs at the commit, so the job is ready at once."""
    monkeypatch.setattr(printing, "SYNC_PAGES", 1)
    build_plan(project, manager, 60)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):  # the request's commit
        job = client.get(gantt_url(project))["Location"]
    response = client.get(job)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    expected = math.ceil(row_count(60) / printing.PAPERS["A4"].rows_per_page)
    assert printing.gantt_page_count(project, printing.PAPERS["A4"]) == expected
    assert len(pages_of(response.content)) == expected


def test_gantt_job_that_fails_says_why(
    client_for, project, manager, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    """A job the worker cannot print (a baseline that is not there) ends the wait with the
    reason, a 400, rather than printing for ever."""
    monkeypatch.setattr(printing, "SYNC_PAGES", 1)
    build_plan(project, manager, 60)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        job = client.get(gantt_url(project, baseline="999999"))["Location"]
    assert client.get(job, HTTP_HX_REQUEST="true")["HX-Redirect"] == job
    refused = client.get(job)
    assert refused.status_code == 400
    assert refused.content.decode() == "This project has no such baseline."


def test_api_gantt_pdf_of_a_large_plan_answers_202_then_the_pdf(
    api_for, project, manager, outsider, monkeypatch, django_capture_on_commit_callbacks
):
    """The API does as the page does: a big plan is printed by a worker; the 202 names the
    job's URL, which answers 202 while printing and then the PDF. Only its owner gets it."""
    monkeypatch.setattr(printing, "SYNC_PAGES", 2)
    build_plan(project, manager, 120)
    api = api_for(manager)
    url = f"/api/v1/projects/{project.pk}/export/gantt/"
    started = api.get(url, {"format": "pdf", "paper": "A3"})
    assert started.status_code == 202, started.content
    body = started.json()
    assert body["status"] == "printing" and body["pages"] == 3
    assert started["Location"] == body["url"] and "job=" in body["url"]
    assert "3 pages" in body["detail"]
    params = {"format": "pdf", "paper": "A3", "job": body["job"]}
    waiting = api.get(url, params)
    assert waiting.status_code == 202 and waiting.json()["job"] == body["job"]
    with django_capture_on_commit_callbacks(execute=True):
        printing.gantt_job_render(
            token=body["job"], project_id=project.pk, user_id=manager.pk, params={"paper": "A3"}
        )
    pdf = api.get(url, params)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert len(pages_of(pdf.content)) == 3
    forged = api.get(url, {**params, "job": "forged"})
    assert forged.status_code == 404 and "expired" in forged.json()["detail"]
    assert api_for(outsider).get(url, params).status_code == 404
