"""Printables: the Gantt of a 2,000-task plan as PDF and PNG, against in-run baselines.

Runs Django in-process on a throw-away test database of the configured engine (SQLite in
memory by default, PostgreSQL when ``DATABASE_URL`` says so), builds ``gantt``'s plans of 200
and 2,000 tasks (streams of 5 work packages of 20 tasks in FS chains, a performance baseline),
runs ``ANALYZE`` on PostgreSQL, and times the Gantt's PDF as ``interchange.printing.gantt_pdf``
makes it (A4 and A3: in the request up to ``SYNC_PAGES`` pages, on a worker beyond), and whole
requests through the test client with a logged-in member: ``GET …/gantt.png`` (page 1, 150
dpi), and the risk register (200 risks) and RACI matrix (every work package by 30 people) as PDF.
Best of a few runs. The layout alone (reading the plan and drawing every page's SVG, no PDF) is
timed too, so the rest is WeasyPrint's.

Baselines measured in the same run:

* WeasyPrint printing a plain table of the same 2,000 rows (names and dates, no chart) in the
  same page size: what any PDF of the plan costs with this engine;
* the screen's Gantt page (its first window of 200 rows) for the same plan.

Goals: the 2,000-task Gantt PDF (A4) in at most 3x the time of the plain table of its rows (the
chart, header and legend on every page cost less than the text itself), and its first page as
a PNG under 2 s (the PNG is the PDF of that one page: it must not grow with the plan).
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Callable

from bench import _django
from bench.gantt import _plan

GOAL_PDF_RATIO = 3.0  # x the plain table's PDF
GOAL_PNG_S = 2.0
SIZES = (200, 2_000)
REPEATS = 3


def fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:8.2f} s"


def _risks_and_raci(project, user) -> None:
    """200 risks, 30 stakeholders, and a RACI row (one A, one R, C and I) per work package."""
    from projects.models import WorkPackage
    from risks import services as risk_services
    from stakeholders import services as stakeholder_services

    for n in range(200):
        risk_services.risk_create(
            project=project,
            by=user,
            title=f"Risk {n + 1}: a supplier or a person may not be there when needed",
            probability=1 + n % 5,
            impact=1 + (n // 5) % 5,
            cost_impact=f"{1000 * (1 + n % 9)}.00",
        )
    people = [
        stakeholder_services.stakeholder_create(project=project, by=user, name=f"Person {n + 1}")
        for n in range(30)
    ]
    for n, package in enumerate(WorkPackage.objects.filter(project=project).order_by("sort_key")):
        stakeholder_services.raci_set_row(
            project=project,
            by=user,
            row=package,
            cells={
                people[n % 30]: "A",
                people[(n + 1) % 30]: "R",
                people[(n + 2) % 30]: "C",
                people[(n + 3) % 30]: "I",
            },
        )


def _plain_table_pdf(project) -> Callable[[], bytes]:
    """The baseline: the plan's rows as a plain HTML table, printed by the same engine."""
    from html import escape

    from projects.pdf import html_to_pdf
    from scheduling import selectors

    rows = selectors.schedule_rows(project)
    body = "".join(
        f"<tr><td>{r['ref']}</td><td>{escape(r['name'])}</td><td>{r['duration']} d</td>"
        f"<td>{r['start_date']:%d %b %y}</td><td>{r['finish_date']:%d %b %y}</td></tr>"
        for r in rows
    )
    html = (
        "<html><head><style>@page { size: A4 landscape; margin: 10mm }</style></head><body>"
        f"<table><thead><tr><th>#</th><th>Task</th><th>Dur.</th><th>Start</th><th>Finish</th>"
        f"</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
    return lambda: html_to_pdf(html)


def run() -> bool:
    _django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from pypdf import PdfReader

    from interchange import printing

    # WeasyPrint warns that it subsets fonts with fontTools where HarfBuzz-Subset is missing;
    # building the register runs a KPI refresh per risk, in-process.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("celery").setLevel(logging.WARNING)
    print(__doc__.strip().splitlines()[0])
    print(f"load average before: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    times: dict[tuple[str, int], float | None] = {}
    facts: dict[int, str] = {}
    with _django.throwaway_database():
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("bench", password="bench-bench-bench")
        client = Client()
        client.force_login(user)
        for size in SIZES:
            started = time.perf_counter()
            project = _plan(size, user)
            if size == SIZES[-1]:
                _risks_and_raci(project, user)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"built a {size:,}-task plan in {time.perf_counter() - started:.1f} s")

            def get(url: str) -> bytes:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response.content

            # A plan of more than printing.SYNC_PAGES pages is printed by a worker (the page
            # waits on a job): time the printing itself, the same call the request or the
            # worker makes.
            options = printing.GanttOptions.of({})
            a3_options = printing.GanttOptions.of({"paper": "A3"})
            pdf = printing.gantt_pdf(project, options)
            a3 = printing.gantt_pdf(project, a3_options)
            connection.queries_log.clear()  # a full log (9,000 entries) would count 0 here
            with CaptureQueriesContext(connection) as captured:
                printing.gantt_layout(project, options)
            facts[size] = (
                f"A4: {len(PdfReader(io.BytesIO(pdf)).pages)} pages, {len(pdf) / 1024:,.0f} KB; "
                f"A3: {len(PdfReader(io.BytesIO(a3)).pages)} pages, {len(a3) / 1024:,.0f} KB; "
                f"the plan read in {len(captured.captured_queries)} queries"
            )
            times[("layout alone (A4)", size)] = _django.best_of(
                lambda p=project, o=options: printing.gantt_layout(p, o), REPEATS
            )
            times[("gantt PDF A4", size)] = _django.best_of(
                lambda p=project, o=options: printing.gantt_pdf(p, o), REPEATS
            )
            times[("gantt PDF A3", size)] = _django.best_of(
                lambda p=project, o=a3_options: printing.gantt_pdf(p, o), REPEATS
            )
            png_url = reverse("interchange:gantt_png", args=[project.pk])
            times[("gantt.png page 1", size)] = _django.best_of(lambda u=png_url: get(u), REPEATS)
            screen = reverse("scheduling:gantt", args=[project.pk])
            times[("screen Gantt (200 rows)", size)] = _django.best_of(
                lambda u=screen: get(u), REPEATS
            )
            times[("plain table PDF (baseline)", size)] = _django.best_of(
                _plain_table_pdf(project), REPEATS
            )
            if size == SIZES[-1]:
                register = reverse("interchange:risk_register_pdf", args=[project.pk])
                times[("risk register (200)", size)] = _django.best_of(
                    lambda u=register: get(u), REPEATS
                )
                raci = reverse("interchange:raci_pdf", args=[project.pk])
                times[("RACI (120 rows × 31)", size)] = _django.best_of(
                    lambda u=raci: get(u), REPEATS
                )

    print(f"load average after: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for size in SIZES:
        print(f"{size:,} tasks: {facts[size]}")
    whats = sorted({what for what, _ in times}, key=list(dict.fromkeys(w for w, _ in times)).index)
    print(f"{'what':<28}" + "".join(f"{f'{n:,} tasks':>13}" for n in SIZES))
    for what in whats:
        print(f"{what:<28}" + "".join(f"{fmt(times.get((what, n))):>13}" for n in SIZES))
    large = SIZES[-1]
    pdf, png = times[("gantt PDF A4", large)], times[("gantt.png page 1", large)]
    plain = times[("plain table PDF (baseline)", large)]
    print(f"{large:,}-task Gantt PDF vs a plain table of its rows: {pdf / plain:.1f}x the time")
    passed = pdf <= GOAL_PDF_RATIO * plain and png < GOAL_PNG_S
    print(
        f"{'PASS' if passed else 'FAIL'}: {large:,}-task Gantt PDF at most {GOAL_PDF_RATIO:.0f}x "
        f"a plain table of its rows ({pdf / plain:.1f}x: {pdf:.1f} s) and its first page as PNG "
        f"under {GOAL_PNG_S:.0f} s ({png:.2f} s)"
    )
    return passed
