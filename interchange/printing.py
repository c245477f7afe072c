"""Printables for steering packs: the Gantt chart as a PDF (landscape A4 or A3) or one of its
pages as a PNG, and the risk register and the RACI matrix as PDFs.

The Gantt on paper is the whole plan, not the screen's window of rows: every row in outline
order, the time axis stretched across the page's width (``scheduling.gantt.axis_fitted``), split
into sheets of as many rows as the paper holds. Every sheet repeats the header (project, key,
date, baseline), the time scale, the legend and "Page x of y", so a page torn out of a steering
pack still reads alone. The sheets are laid out here, one per page, rather than left to the PDF
engine's page breaks: the page count is known before rendering, and a PNG of page N is the PDF
of sheet N alone, not of the whole plan.

The bars are ``scheduling.gantt``'s SVG, the same drawing as the screen's, with the print colours
carried inside each SVG (WeasyPrint draws inline SVG as an image of its own, which the page's
stylesheet does not reach). The whole plan is read in a fixed number of queries whatever its
size (``tests/interchange/test_printing.py`` counts them at 10 and 100 tasks).
"""

from __future__ import annotations

import base64
import datetime
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.html import format_html

from projects.models import Project
from projects.pdf import PdfUnavailable, html_to_pdf, pdf_page_png
from projects.queue import enqueue_on_commit
from projects.selectors import get_project_for
from risks import selectors as risk_selectors
from scheduling import gantt
from scheduling import selectors as schedule_selectors
from scheduling.models import Baseline
from scheduling.services import work_calendar
from stakeholders import selectors as stakeholder_selectors

__all__ = [
    "PAPERS",
    "GanttOptions",
    "Paper",
    "gantt_layout",
    "gantt_pdf",
    "gantt_png",
    "raci_pdf",
    "risk_register_pdf",
]

PX_PER_MM = 96 / 25.4  # CSS pixels, WeasyPrint's unit
MARGIN_MM = 10
# The chart is drawn in the screen's units (26 a row) and printed at this scale: rows of 4.8 mm.
SCALE = 0.7
ROW_PX = gantt.ROW_HEIGHT * SCALE
AXIS_PX = gantt.HEADER_HEIGHT * SCALE
HEADER_PX = 46  # the sheet's title and the line under it
FOOTER_PX = 50  # the legend and "Page x of y"
DPI_RANGE = (50, 300)
DEFAULT_DPI = 150


@dataclass(frozen=True)
class Paper:
    """A landscape sheet and the Gantt's columns on it (CSS pixels)."""

    name: str
    width_mm: int  # landscape: the long side
    height_mm: int
    name_column_px: int  # the task name column: wider on A3

    @property
    def content_width(self) -> float:
        return (self.width_mm - 2 * MARGIN_MM) * PX_PER_MM

    @property
    def content_height(self) -> float:
        return (self.height_mm - 2 * MARGIN_MM) * PX_PER_MM

    @property
    def table_width(self) -> int:
        return GANTT_COLUMNS_PX + self.name_column_px

    @property
    def chart_width(self) -> float:
        """The chart's width on paper, right of the task table."""
        return self.content_width - self.table_width

    @property
    def rows_per_page(self) -> int:
        room = self.content_height - HEADER_PX - AXIS_PX - FOOTER_PX
        return max(1, math.floor(room / ROW_PX))


GANTT_COLUMNS_PX = 30 + 38 + 2 * 60  # the #, duration, start and finish columns
PAPERS = {
    "A4": Paper("A4", 297, 210, name_column_px=230),
    "A3": Paper("A3", 420, 297, name_column_px=330),
}
DEFAULT_PAPER = "A4"


def paper_of(value: str | None) -> Paper:
    """``A4`` (the default) or ``A3``, in any case; anything else is refused with the choices."""
    name = (value or DEFAULT_PAPER).strip().upper()
    if name not in PAPERS:
        raise ValidationError({"paper": f"Choose the paper: {' or '.join(PAPERS)}."})
    return PAPERS[name]


def _whole(value: str | None, field: str, low: int, high: int, default: int, what: str) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationError({field: f"{what} is a whole number from {low} to {high}."})
    return int(value)


@dataclass(frozen=True)
class GanttOptions:
    """What a request for the printed Gantt asks for, checked: ``paper`` (A4 or A3),
    ``baseline`` (a baseline's id, ``none``, or empty for the default), ``page`` (the PNG's
    page, from 1) and ``dpi`` (the PNG's resolution)."""

    paper: Paper
    baseline: str = ""
    page: int = 1
    dpi: int = DEFAULT_DPI

    @classmethod
    def of(cls, params: Mapping[str, str]) -> GanttOptions:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"baseline": (params.get("baseline") or "").strip()}
        baseline = values["baseline"]
        if baseline and baseline != "none" and not baseline.isdigit():
            errors["baseline"] = "Name a baseline by its id, or none."
        for field, read in (
            ("paper", lambda: paper_of(params.get("paper"))),
            ("page", lambda: _whole(params.get("page"), "page", 1, 10_000, 1, "The page")),
            (
                "dpi",
                lambda: _whole(params.get("dpi"), "dpi", *DPI_RANGE, DEFAULT_DPI, "The resolution"),
            ),
        ):
            try:
                values[field] = read()
            except ValidationError as error:
                errors.update({k: v[0] for k, v in error.message_dict.items()})
        if errors:
            raise ValidationError(errors)
        return cls(**values)


# --- the Gantt ------------------------------------------------------------------------------------


# The screen's Gantt colours (static/css/charter.css), for inside the SVG: no CSS variables,
# no hover. Print keeps the hatching of critical bars, so they read in black and white too.
SVG_CSS = (
    "text{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif}"
    ".axis-bg{fill:#f1f3f6}.tick{stroke:#d5dae1}.rule{stroke:#9aa5b1}"
    ".gantt-axis text{font-size:11px;fill:#52606d}.tier1{font-weight:bold;fill:#1f2933}"
    ".tier2{fill:#1f2933}.day{text-anchor:middle;font-size:10px}.day.off{fill:#a3abb7}"
    ".today{stroke:#d97706;stroke-width:2}.gantt-body .today{stroke-width:1.5;"
    "stroke-dasharray:5 3}"
    ".band{fill:#ffffff}.band.odd{fill:#f7f8fa}.band.summary{fill:#eef2f7}"
    ".off{fill:#e9ecf1;opacity:0.6}.grid{stroke:#d5dae1}"
    ".bar{fill:#5b8fd8;stroke:#2f62a8;stroke-width:1}"
    ".bar.critical{fill:url(#gantt-critical);stroke:#9b1c16}"
    ".crit-fill{fill:#d64541}.crit-stripe{fill:#ffffff;opacity:0.32}"
    ".progress{fill:#15325a;opacity:0.8}"
    ".milestone{fill:#1f2937;stroke:#0b0f16}"
    ".milestone.critical{fill:url(#gantt-critical);stroke:#7a1010;stroke-width:1.5}"
    ".ms-label{font-size:10.5px;fill:#52606d}"
    ".bar-label{font-size:9px;font-weight:bold;fill:#ffffff}"
    ".summary-bar{fill:#273142}.baseline-bar{fill:#9aa4b2}"
    ".link{fill:none;stroke:#76818f;stroke-width:1}.link.critical{stroke:#c0392b}"
    ".arrow-head{fill:#76818f}.arrow-head.critical{fill:#c0392b}"
)


@dataclass(frozen=True)
class GanttSheet:
    """One printed page of the Gantt: its rows and their chart."""

    number: int
    rows: list[gantt.PlanRow]
    chart_svg: str  # an <img> of the chart's SVG (svg_image); empty when not drawn
    height: float  # the chart's height on paper


@dataclass(frozen=True)
class GanttLayout:
    """The printed Gantt: the plan's facts for the header, and its sheets."""

    project: Project
    paper: Paper
    today: datetime.date
    baseline: Baseline | None
    baselines: list[Baseline]
    task_count: int
    critical_count: int
    start: datetime.date | None
    finish: datetime.date | None
    axis_svg: str
    chart_width: float
    sheets: list[GanttSheet]

    @property
    def page_count(self) -> int:
        return len(self.sheets)


def chosen_baseline(baselines: list[Baseline], wanted: str) -> Baseline | None:
    """The baseline ``wanted`` names (an id of one of ``baselines``, or ``none``); by default
    the performance baseline, else the latest (``baselines`` come latest first)."""
    if wanted == "none":
        return None
    if wanted:
        found = next((b for b in baselines if str(b.pk) == wanted), None)
        if found is None:
            raise ValidationError({"baseline": "This project has no such baseline."})
        return found
    return next((b for b in baselines if b.is_performance), baselines[0] if baselines else None)


def gantt_layout(
    project: Project, options: GanttOptions, *, pages: range | None = None
) -> GanttLayout:
    """The whole plan laid out on ``options.paper``; the chart is drawn only for ``pages``
    (numbers from 1; all of them by default), the rest of the sheets carry their rows alone.
    Eight queries whatever the plan's size."""
    paper = options.paper
    today = project.today()
    calendar = work_calendar(project)
    plan = schedule_selectors.plan_outline(project, calendar)
    tasks = schedule_selectors.schedule_rows(project)
    baselines = schedule_selectors.baselines_of(project)
    baseline = chosen_baseline(baselines, options.baseline)
    frozen = schedule_selectors.baseline_task_dates(baseline) if baseline else {}
    rows = gantt.plan_rows(tasks, plan.packages, plan.rollup, calendar, baseline=frozen)
    links = [
        gantt.Link(d["predecessor_id"], d["successor_id"], d["type"], d["lag"])
        for d in schedule_selectors.dependency_rows(project)
    ]
    frozen_dates = [d for span in frozen.values() for d in span]
    chart_units = paper.chart_width / SCALE  # the chart is drawn in screen units, then scaled
    axis = gantt.axis_fitted(
        [plan.start, plan.finish, *frozen_dates], width=chart_units, default=project.start_date
    )
    per_page = paper.rows_per_page
    count = max(1, math.ceil(len(rows) / per_page))
    wanted = pages or range(1, count + 1)

    index = {row.id: i for i, row in enumerate(rows) if row.kind == "task"}
    sheets = []
    for number in range(1, count + 1):
        first = (number - 1) * per_page
        page = rows[first : first + per_page]
        chart = ""
        if number in wanted and page:
            on_page = _links_of(links, page)
            # The tasks on other pages that the page's links reach: their arrows leave
            # through the top or the bottom edge. Only the page's rows go to chart_svg, so a
            # page costs its rows and links, not the whole plan's.
            ends = {end for link in on_page for end in (link.predecessor, link.successor)}
            off = sorted(
                index[t] for t in ends if t in index and not first <= index[t] < first + len(page)
            )
            chart = gantt.chart_svg(
                page,
                first=0,
                last=len(page),
                axis=axis,
                links=on_page,
                today=today,
                calendar=calendar,
                url=_no_link,
                baseline_name=baseline.name if baseline else "",
                title=f"Gantt chart of {project.key}, page {number} of {count}",
                above=[rows[i] for i in off if i < first],
                below=[rows[i] for i in off if i >= first],
                style=SVG_CSS,
            )
        sheets.append(
            GanttSheet(
                number=number,
                rows=page,
                chart_svg=svg_image(chart) if chart else "",
                height=max(len(page), 1) * ROW_PX,
            )
        )
    return GanttLayout(
        project=project,
        paper=paper,
        today=today,
        baseline=baseline,
        baselines=baselines,
        task_count=plan.count,
        critical_count=plan.critical_count,
        start=plan.start,
        finish=plan.finish,
        axis_svg=svg_image(gantt.axis_svg(axis, today, calendar, style=SVG_CSS)),
        chart_width=paper.chart_width,
        sheets=sheets,
    )


def _no_link(task_id: int) -> str:
    # A bar in an image links nowhere; the task's number and name are in the table beside it.
    return "#"


def svg_image(svg: str) -> str:
    """``svg`` as an ``<img>`` with a ``data:`` URI, filling its box. WeasyPrint draws an SVG
    image without running the page's CSS cascade over its thousands of shapes, which an inline
    SVG costs: a third less time a page (and no "anchor defined twice" for the ids every page's
    chart repeats)."""
    data = base64.b64encode(svg.encode()).decode("ascii")
    return format_html('<img alt="" src="data:image/svg+xml;base64,{}">', data)


def _links_of(links: list[gantt.Link], page: list[gantt.PlanRow]) -> list[gantt.Link]:
    """The links with an end on the page: ``chart_svg`` draws no others, and a 2,000-task plan
    would otherwise walk every link for every one of its pages."""
    ids = {row.id for row in page if row.kind == "task"}
    return [link for link in links if link.predecessor in ids or link.successor in ids]


def _gantt_html(layout: GanttLayout, pages: range | None = None) -> str:
    sheets = layout.sheets if pages is None else [s for s in layout.sheets if s.number in pages]
    return render_to_string(
        "interchange/print/gantt.html",
        {
            "layout": layout,
            "project": layout.project,
            "paper": layout.paper,
            "sheets": sheets,
            "row_px": ROW_PX,
            "axis_px": AXIS_PX,
            "header_px": HEADER_PX,
            "footer_px": FOOTER_PX,
            "margin_mm": MARGIN_MM,
        },
    )


def gantt_pdf(project: Project, options: GanttOptions) -> bytes:
    """The whole plan as a PDF, a sheet a page."""
    return html_to_pdf(_gantt_html(gantt_layout(project, options)))


# WeasyPrint prints about two Gantt pages a second (bench/printing.py): a plan of more pages
# than this is printed by a worker while the page polls (DESIGN §6: no request waits long).
SYNC_PAGES = 8
JOB_SECONDS = 60 * 60  # how long a printed PDF waits in the cache to be downloaded
JOB_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def gantt_page_count(project: Project, paper: Paper) -> int:
    """How many pages the plan prints on: its rows (one query) over the rows a page holds."""
    rows = schedule_selectors.plan_row_count(project)
    return max(1, math.ceil(rows / paper.rows_per_page))


def _job_key(token: str) -> str:
    return f"interchange:printable:{token}"


def gantt_job_start(project: Project, user, params: Mapping[str, str], pages: int) -> str:
    """Have a worker print the plan; returns the job's token (the download's key)."""
    token = secrets.token_urlsafe(18)
    state = {"user": user.pk, "project": project.pk, "pages": pages, "pdf": None, "error": ""}
    cache.set(_job_key(token), state, JOB_SECONDS)
    enqueue_on_commit(
        "interchange.tasks.gantt_pdf_render", token, project.pk, user.pk, dict(params.items())
    )
    return token


def gantt_job_render(*, token: str, project_id: int, user_id: int, params: dict) -> None:
    """The worker's part: print the plan the job asked for, through the access door again,
    and keep the PDF (or why it failed) with the job. Running it twice prints it twice."""
    state = cache.get(_job_key(token))
    if state is None:
        return  # expired, or never started: nobody is waiting
    user = get_user_model().objects.get(pk=user_id)
    try:
        project = get_project_for(user, project_id)
        state["pdf"] = gantt_pdf(project, GanttOptions.of(params))
    except (Http404, ValidationError, PdfUnavailable) as error:
        state["error"] = (
            str(error) if not isinstance(error, ValidationError) else " ".join(error.messages)
        )
    cache.set(_job_key(token), state, JOB_SECONDS)


def gantt_job(project: Project, user, token: str) -> dict | None:
    """The job ``token`` of this user on this project (``pdf`` None while printing), or None:
    unknown, expired, or someone else's."""
    # Tokens are URL-safe base64 (``secrets.token_urlsafe``); anything else names no job.
    valid = bool(token) and len(token) <= 64 and JOB_TOKEN.fullmatch(token) is not None
    state = cache.get(_job_key(token)) if valid else None
    if not state or state["user"] != user.pk or state["project"] != project.pk:
        return None
    return state


def gantt_png(project: Project, options: GanttOptions) -> bytes:
    """Page ``options.page`` of the printed Gantt as a PNG at ``options.dpi``: the PDF of that
    sheet alone, rasterised. A page past the last is refused with the page count."""
    wanted = range(options.page, options.page + 1)
    layout = gantt_layout(project, options, pages=wanted)
    if options.page > layout.page_count:
        count, paper = layout.page_count, options.paper.name
        raise ValidationError(
            {"page": f"The chart has {count} page{'s' if count != 1 else ''} on {paper}."}
        )
    return pdf_page_png(html_to_pdf(_gantt_html(layout, wanted)), page=1, dpi=options.dpi)


# --- the risk register and the RACI matrix --------------------------------------------------------


def risk_register_pdf(project: Project, paper: Paper) -> bytes:
    """Every risk of the register, live ones first and then by score (the page's order), with
    its scores, level, response and owner, and the exposure of the live risks."""
    risks = list(risk_selectors.risks_of(project))
    html = render_to_string(
        "interchange/print/risk_register.html",
        {
            "project": project,
            "paper": paper,
            "today": project.today(),
            "risks": risks,
            "live_count": sum(1 for r in risks if r.settled == 0),
            "exposure": risk_selectors.risk_exposure(project),
            "margin_mm": MARGIN_MM,
        },
    )
    return html_to_pdf(html)


# Columns of the RACI matrix on one page; more are continued on the next pages, rows repeated.
RACI_COLUMNS = {"A4": 15, "A3": 24}


def raci_pdf(project: Project, paper: Paper) -> bytes:
    """The RACI matrix: a row per work package and deliverable, a column per stakeholder and
    team member; a wide matrix continues on further pages, its rows repeated there."""
    matrix = stakeholder_selectors.raci_matrix(project)
    columns = matrix["columns"]
    width = RACI_COLUMNS[paper.name]
    parts = []
    for lo in range(0, max(len(columns), 1), width):
        hi = min(lo + width, len(columns))
        parts.append(
            {
                "columns": columns[lo:hi],
                "range": (lo + 1, hi),
                "rows": [{**row, "part": row["cells"][lo:hi]} for row in matrix["rows"]],
            }
        )
    html = render_to_string(
        "interchange/print/raci.html",
        {
            "project": project,
            "paper": paper,
            "today": project.today(),
            "parts": parts,
            "column_count": len(columns),
            "rows": matrix["rows"],
            "problem_count": sum(1 for r in matrix["rows"] if r["problem"]),
            "margin_mm": MARGIN_MM,
        },
    )
    return html_to_pdf(html)
