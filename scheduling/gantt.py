"""The Gantt chart: plan rows (WBS summaries and tasks) and the SVG that draws them.

Pure: no Django, no clock. The view passes plain rows (``selectors.schedule_rows``, the WBS
and its roll-up) and gets back rows for the left-hand table and two SVG strings, the time axis
and the chart body, drawn from the same stored dates the task table and the API show.

A plan's outline is laid out from counts alone (:func:`outline_blocks`: the WBS, and how many
tasks each work package holds), so the page reads only the tasks of the rows it shows, however
large the plan: 200 rows of a 10,000-task plan are 200 rows from the database, not 10,000.

Built as one string from Python rather than a template with per-row includes: 200 rows of bars
and arrows are a few thousand elements, and the page must stay quick at 10,000 tasks (it is
paged by rows; the time axis is the whole project's, so every page lines up the same way).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from scheduling.workdays import WorkCalendar

ROW_HEIGHT = 26  # px; the left-hand table's rows have the same height (charter.css)
HEADER_HEIGHT = 40  # px; two tiers of 20 px
ZOOMS = {"week": 18, "month": 4}  # px per calendar day
DEFAULT_ZOOM = "week"
# "Fit" scales the whole plan into the chart's visible width (the page sends it; this guess
# is the timeline's width at 1280 px when it does not), in whole pixels a day from 1 to 18.
FIT = "fit"
FIT_WIDTH = 560
FIT_WIDTH_RANGE = (200, 4000)
# Below this many pixels a day the axis names months, not weekdays.
_DAY_LETTERS_FROM = 12
# Below this many pixels a month the axis names quarters (or years), not every month.
_MONTH_LABEL_PX = 24
# Room after the last date for a milestone's date label ("22 Jun" beside its diamond), so the
# chart never ends in the middle of it.
LABEL_ROOM = 50  # px

_DAY = datetime.timedelta(days=1)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_WEEKDAY_LETTERS = "MTWTFSS"


@dataclass(slots=True)
class PlanRow:
    """One line of the Gantt: a WBS summary or a task, with the dates as shown."""

    kind: str  # "summary" or "task"
    id: int
    code: str
    name: str
    depth: int
    start: datetime.date | None
    finish: datetime.date | None  # inclusive, as shown
    duration: int | None  # working days
    percent: float = 0
    is_critical: bool = False
    total_float: int | None = None
    baseline_start: datetime.date | None = None
    baseline_finish: datetime.date | None = None
    collapsed: bool = False
    ref: int | None = None  # a task's number in the project (Task.ref)

    @property
    def is_summary(self) -> bool:
        return self.kind == "summary"

    @property
    def is_milestone(self) -> bool:
        return self.kind == "task" and self.duration == 0


def outline(
    tasks: Sequence[Mapping[str, Any]],
    packages: Sequence[Mapping[str, Any]],
    collapsed: Iterable[int] = (),
) -> Iterator[tuple[str, Mapping[str, Any], str, int, bool]]:
    """Walk the plan as an outline, the order of the Gantt and of the task table:
    ``(kind, row, code, depth, hidden)`` for each work package (kind ``"package"``) and task.

    A work package comes first, then its children, then its own tasks (so a closing milestone
    on a parent comes after the work under it). Tasks are numbered after their package's
    children, as outline numbers run: under 1.2 with children 1.2.1 and 1.2.2, its own tasks
    are 1.2.3, 1.2.4. Tasks outside the WBS come last, numbered after the top-level packages.
    Rows under a collapsed package (ids in ``collapsed``) come with ``hidden`` set.
    """
    collapsed = set(collapsed)
    known = {p["id"] for p in packages}
    children: dict[int | None, list[Mapping[str, Any]]] = {}
    for package in packages:  # reading order, so each list of children is in order too
        children.setdefault(package["parent_id"], []).append(package)
    own: dict[int | None, list[Mapping[str, Any]]] = {}
    for task in tasks:
        package = task["work_package_id"]
        own.setdefault(package if package in known else None, []).append(task)

    def walk(package: Mapping[str, Any], depth: int, hidden: bool) -> Iterator:
        yield "package", package, package["code"], depth, hidden
        inner = hidden or package["id"] in collapsed
        kids = children.get(package["id"], [])
        for kid in kids:
            yield from walk(kid, depth + 1, inner)
        for n, task in enumerate(own.get(package["id"], ()), start=len(kids) + 1):
            yield "task", task, f"{package['code']}.{n}", depth + 1, inner

    top = children.get(None, [])
    for package in top:
        yield from walk(package, 0, False)
    for n, task in enumerate(own.get(None, ()), start=len(top) + 1):
        yield "task", task, str(n), 0, False


def task_codes(tasks: Sequence[Mapping[str, Any]], packages: Sequence[Mapping]) -> dict[int, str]:
    """Each task's outline code, in outline order (dicts keep it)."""
    return {row["id"]: code for kind, row, code, _, _ in outline(tasks, packages) if kind == "task"}


@dataclass(frozen=True, slots=True)
class Block:
    """A run of the outline's rows (see :func:`outline`): a work package's summary row, or a
    work package's own tasks (``package`` None: the tasks outside the WBS), from row
    ``first`` on."""

    kind: str  # "summary" or "tasks"
    package: int | None
    first: int
    size: int
    depth: int
    code: str  # the work package's code; "" outside the WBS
    number_from: int = 1  # tasks: the outline number of the first of them

    @property
    def end(self) -> int:
        return self.first + self.size

    def task_code(self, offset: int) -> str:
        """The outline code of the block's task at ``offset``."""
        number = self.number_from + offset
        return f"{self.code}.{number}" if self.code else str(number)


def outline_blocks(
    packages: Sequence[Mapping[str, Any]],
    counts: Mapping[int | None, int],
    summaries: Container[int],
    collapsed: Iterable[int] = (),
) -> list[Block]:
    """The plan's rows in outline order as blocks, from the WBS in reading order (``id``,
    ``parent_id``, ``code``), how many tasks each work package holds itself (``counts``,
    None for the tasks outside the WBS) and the work packages that have a summary row
    (``summaries``: those with a scheduled task under them). Nothing under a collapsed
    package has a block; its summary row stays."""
    collapsed = set(collapsed)
    children: dict[int | None, list[Mapping[str, Any]]] = {}
    for package in packages:
        children.setdefault(package["parent_id"], []).append(package)
    blocks: list[Block] = []

    def add(kind: str, package: int | None, size: int, depth: int, code: str, n: int = 1) -> None:
        first = blocks[-1].end if blocks else 0
        blocks.append(Block(kind, package, first, size, depth, code, n))

    def walk(package: Mapping[str, Any], depth: int) -> None:
        if package["id"] in summaries:
            add("summary", package["id"], 1, depth, package["code"])
        if package["id"] in collapsed:
            return
        kids = children.get(package["id"], [])
        for kid in kids:
            walk(kid, depth + 1)
        own = counts.get(package["id"])
        if own:
            add("tasks", package["id"], own, depth + 1, package["code"], len(kids) + 1)

    top = children.get(None, [])
    for package in top:
        walk(package, 0)
    if counts.get(None):
        add("tasks", None, counts[None], 0, "", len(top) + 1)
    return blocks


@dataclass(frozen=True, slots=True)
class Window:
    """Rows ``first`` to ``last`` (exclusive) of a plan laid out in ``blocks``."""

    blocks: Sequence[Block]
    first: int
    last: int

    @property
    def parts(self) -> list[tuple[Block, int, int]]:
        """Each block with rows in the window, and the offsets (from, to) of those rows."""
        first, last = self.first, self.last
        return [
            (b, max(first, b.first) - b.first, min(last, b.end) - b.first)
            for b in self.blocks
            if b.first < last and b.end > first
        ]

    def task_query(self) -> tuple[list[int | None], int, int]:
        """What to read for the window's tasks: the work packages whose tasks it shows, in
        outline order, and the offset and count of its tasks among theirs (each package's
        tasks in plan order, the packages one after the other)."""
        tasks = [(b, lo, hi) for b, lo, hi in self.parts if b.kind == "tasks"]
        if not tasks:
            return [], 0, 0
        return [b.package for b, _, _ in tasks], tasks[0][1], sum(hi - lo for _, lo, hi in tasks)

    def rows(
        self,
        tasks: Sequence[Mapping[str, Any]],
        packages: Sequence[Mapping[str, Any]],
        rollup: Mapping[int, Mapping[str, Any]],
        calendar: WorkCalendar,
        *,
        collapsed: Iterable[int] = (),
        baseline: Mapping[int, tuple[datetime.date | None, datetime.date | None]] | None = None,
    ) -> list[PlanRow]:
        """The window's rows, given its tasks (as :meth:`task_query` reads them)."""
        collapsed = set(collapsed)
        baseline = baseline or {}
        names = {p["id"]: p["name"] for p in packages}
        queue = iter(tasks)
        rows: list[PlanRow] = []
        for block, lo, hi in self.parts:
            if block.kind == "summary":
                summary = rollup[block.package]
                start, finish = summary["start_date"], summary["finish_date"]
                rows.append(
                    PlanRow(
                        kind="summary",
                        id=block.package,
                        code=block.code,
                        name=names[block.package],
                        depth=block.depth,
                        start=start,
                        finish=finish,
                        duration=calendar.date_to_index(finish) - calendar.date_to_index(start) + 1,
                        percent=summary["percent_complete"],
                        collapsed=block.package in collapsed,
                    )
                )
                continue
            for offset in range(lo, hi):
                row = next(queue)
                rows.append(task_row(row, block.task_code(offset), block.depth, baseline))
        return rows

    def beyond(
        self, tasks: Sequence[Mapping[str, Any]], others: Iterable[Mapping[str, Any]]
    ) -> tuple[list[PlanRow], list[PlanRow]]:
        """Tasks off the window (``others``, rows with ``work_package_id`` and ``position``)
        that the window's ``tasks`` link to: those whose rows come before the window and
        those after, for the arrows that leave through its top and bottom edges. A task
        under a collapsed work package has no row and is left out, as its arrows are."""
        by_package = {b.package: b for b in self.blocks if b.kind == "tasks"}
        shown: dict[int | None, list[tuple[int, int]]] = {}
        for row in tasks:
            shown.setdefault(row["work_package_id"], []).append((row["position"], row["id"]))
        above, below = [], []
        for row in others:
            block = by_package.get(row["work_package_id"])
            if block is None:
                continue
            keys = shown.get(block.package)
            if block.end <= self.first or (keys and (row["position"], row["id"]) < keys[0]):
                above.append(task_row(row, "", block.depth, {}))
            else:
                below.append(task_row(row, "", block.depth, {}))
        return above, below


def task_row(
    row: Mapping[str, Any],
    code: str,
    depth: int,
    baseline: Mapping[int, tuple[datetime.date | None, datetime.date | None]],
) -> PlanRow:
    """A task's line of the Gantt from its schedule row."""
    before = baseline.get(row["id"], (None, None))
    return PlanRow(
        kind="task",
        id=row["id"],
        code=code,
        name=row.get("name", ""),
        depth=depth,
        start=row["start_date"],
        finish=row["finish_date"],
        duration=row["duration"],
        percent=row.get("percent_complete", 0),
        is_critical=row["is_critical"],
        total_float=row.get("total_float"),
        baseline_start=before[0],
        baseline_finish=before[1],
        ref=row.get("ref"),
    )


def plan_rows(
    tasks: Sequence[Mapping[str, Any]],
    packages: Sequence[Mapping[str, Any]],
    rollup: Mapping[int, Mapping[str, Any]],
    calendar: WorkCalendar,
    *,
    collapsed: Iterable[int] = (),
    baseline: Mapping[int, tuple[datetime.date | None, datetime.date | None]] | None = None,
) -> list[PlanRow]:
    """The Gantt's rows in outline order (see :func:`outline`): a summary row for each work
    package with tasks under it, and the tasks. Rows under a collapsed package are left out;
    its summary row stays, marked collapsed.

    ``tasks`` are schedule rows in plan order, ``packages`` the WBS in reading order
    (``id``, ``parent_id``, ``code``, ``name``), ``rollup`` the summaries by work package id,
    ``baseline`` the baseline's (start, finish) by task id. The whole plan at once; the page
    reads one :class:`Window` of it instead.
    """
    known = {p["id"] for p in packages}
    own: dict[int | None, list[Mapping[str, Any]]] = {}
    for task in tasks:
        package = task["work_package_id"]
        own.setdefault(package if package in known else None, []).append(task)
    blocks = outline_blocks(packages, {k: len(v) for k, v in own.items()}, rollup, collapsed)
    ordered = [task for b in blocks if b.kind == "tasks" for task in own[b.package]]
    window = Window(blocks, 0, blocks[-1].end if blocks else 0)
    return window.rows(ordered, packages, rollup, calendar, collapsed=collapsed, baseline=baseline)


# --- the time axis --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Axis:
    """The chart's span of calendar days and its scale."""

    start: datetime.date
    end: datetime.date  # exclusive
    zoom: str
    px_per_day: int | float  # whole pixels on screen; a fraction on paper (axis_fitted)

    @property
    def width(self) -> int | float:
        return self.x(self.end)

    def x(self, day: datetime.date) -> int | float:
        # Rounded so that a fractional scale writes short SVG numbers; whole pixels stay ints.
        return round((day - self.start).days * self.px_per_day, 2)


def axis_for(
    dates: Iterable[datetime.date | None],
    zoom: str,
    *,
    default: datetime.date,
    width: int | None = None,
) -> Axis:
    """An axis covering ``dates`` (``default`` when there are none) with a margin: whole weeks
    (Monday to Sunday, one spare week after) at week zoom, whole months at month zoom, and
    room for a milestone's label after the last date.

    ``width`` is the chart's visible width: at week and month zoom the axis runs on (whole
    weeks or months) until it fills it, so a short plan's chart does not stop mid-screen; at
    ``"fit"`` the plan is scaled into it, at the most whole pixels a day (1 to 18) that fit,
    drawn as weeks when there is room for the weekday letters, else as months.
    """
    fit_width = width or FIT_WIDTH
    known = [d for d in dates if d is not None] or [default]
    first, last = min(known), max(known)
    if zoom == FIT:
        start = first - datetime.timedelta(days=first.weekday())
        days = (last - start).days + 1
        px = max(1, min(ZOOMS["week"], (fit_width - LABEL_ROOM) // days))
        style = "week" if px >= _DAY_LETTERS_FROM else "month"
        end = last + datetime.timedelta(days=1 - (-LABEL_ROOM // px))
        if style == "week":  # whole weeks, as the week axis draws them
            end += datetime.timedelta(days=-end.weekday() % 7)
        return Axis(start=start, end=end, zoom=style, px_per_day=px)
    zoom = zoom if zoom in ZOOMS else DEFAULT_ZOOM
    if zoom == "week":
        start = first - datetime.timedelta(days=first.weekday())
        end = last + datetime.timedelta(days=7 - last.weekday() + 7)
    else:
        start = first.replace(day=1)
        end = _next_month(last)
        if ((end - last).days - 1) * ZOOMS["month"] < LABEL_ROOM:
            end = _next_month(end)
    while width and (end - start).days * ZOOMS[zoom] < width:
        end = end + datetime.timedelta(days=7) if zoom == "week" else _next_month(end)
    return Axis(start=start, end=end, zoom=zoom, px_per_day=ZOOMS[zoom])


def axis_fitted(
    dates: Iterable[datetime.date | None], *, width: float, default: datetime.date
) -> Axis:
    """The whole plan stretched across ``width`` (a printed page's chart): from the Monday
    of the first date to the last one, with room for a milestone's label after it, at as many
    pixels a day as fill the width (a fraction); drawn as weeks when there is room for the
    weekday letters, else as months. Unlike :func:`axis_for` at ``"fit"``, the scale is not
    rounded to whole pixels, which on paper would leave up to half the width empty."""
    known = [d for d in dates if d is not None] or [default]
    first, last = min(known), max(known)
    start = first - datetime.timedelta(days=first.weekday())
    days = (last - start).days + 1
    px = round(max(width - LABEL_ROOM, days * 0.05) / days, 4)
    style = "week" if px >= _DAY_LETTERS_FROM else "month"
    end = start + datetime.timedelta(days=max(int(width // px), days))
    return Axis(start=start, end=end, zoom=style, px_per_day=px)


def opening_day(rows: Sequence[PlanRow]) -> datetime.date | None:
    """Where the chart opens: the start of the first unfinished task among ``rows`` (the rows
    on screen), so the bars that still matter are in view whatever today is; the first start
    of all when every task is done; None when nothing is scheduled."""
    tasks = [r for r in rows if r.kind == "task" and r.start is not None]
    unfinished = [r.start for r in tasks if r.percent < 100]
    return min(unfinished or [r.start for r in tasks], default=None)


def _month_step(axis: Axis) -> int:
    """Every how many months the axis names a month and the chart draws its line: 1, or 3
    (quarters) or 12 (years) where months are too narrow for their names (a long plan on
    paper; the screen's scales always have room)."""
    month_px = 30 * axis.px_per_day
    return 1 if month_px >= _MONTH_LABEL_PX else 3 if 3 * month_px >= _MONTH_LABEL_PX else 12


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _months(axis: Axis) -> list[datetime.date]:
    months, day = [], axis.start.replace(day=1)
    while day < axis.end:
        months.append(day)
        day = _next_month(day)
    return months


def axis_svg(axis: Axis, today: datetime.date, calendar: WorkCalendar, *, style: str = "") -> str:
    """The two-tier time scale above the chart: weeks over days, or years over months.

    ``style`` is CSS to carry inside the SVG, for renderers that do not apply the page's
    stylesheet to inline SVG (WeasyPrint draws each one as an image of its own)."""
    width, half = axis.width, HEADER_HEIGHT // 2
    out = [
        f'<svg class="gantt-axis" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{HEADER_HEIGHT}" viewBox="0 0 {width} {HEADER_HEIGHT}" aria-hidden="true">',
        f"<style>{style}</style>" if style else "",
        f'<rect class="axis-bg" width="{width}" height="{HEADER_HEIGHT}"/>',
    ]
    ppd = axis.px_per_day
    if axis.zoom == "week":
        day = axis.start
        while day < axis.end:
            x = axis.x(day)
            iso_year, week, _ = day.isocalendar()
            out.append(
                f'<line class="tick" x1="{x}" y1="0" x2="{x}" y2="{HEADER_HEIGHT}"/>'
                f'<text class="tier1" x="{x + 5}" y="14">W{week} · {day.day} '
                f"{_MONTHS[day.month - 1]} {day.year}</text>"
            )
            for offset in range(7):
                current = day + datetime.timedelta(days=offset)
                cls = "day" if calendar.is_working_day(current) else "day off"
                out.append(
                    f'<text class="{cls}" x="{x + offset * ppd + ppd / 2:g}" y="{half + 14}">'
                    f"{_WEEKDAY_LETTERS[offset]}</text>"
                )
            day += datetime.timedelta(days=7)
    else:
        months = _months(axis)
        # A month that began before the axis is named at its left edge, unless the next
        # month's name comes too close to leave room for it.
        if len(months) > 1 and axis.x(months[1]) < 30:
            months = months[1:]
        every = _month_step(axis)
        for n, month in enumerate(months):
            x = max(axis.x(month), 0)
            label = _MONTHS[month.month - 1]
            if month.month == 1 or n == 0:
                out.append(
                    f'<line class="tick" x1="{x}" y1="0" x2="{x}" y2="{half}"/>'
                    f'<text class="tier1" x="{x + 5}" y="14">{month.year}</text>'
                )
            out.append(f'<line class="tick" x1="{x}" y1="{half}" x2="{x}" y2="{HEADER_HEIGHT}"/>')
            if (month.month - 1) % every == 0:
                out.append(f'<text class="tier2" x="{x + 5}" y="{half + 14}">{label}</text>')
    out.append(
        f'<line class="rule" x1="0" y1="{half}" x2="{width}" y2="{half}"/>'
        f'<line class="rule" x1="0" y1="{HEADER_HEIGHT - 0.5}" x2="{width}" '
        f'y2="{HEADER_HEIGHT - 0.5}"/>'
    )
    if axis.start <= today < axis.end:
        x = axis.x(today) + ppd / 2
        out.append(f'<line class="today" x1="{x:g}" y1="{half}" x2="{x:g}" y2="{HEADER_HEIGHT}"/>')
    out.append("</svg>")
    return "".join(out)


# --- the chart body -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    predecessor: int
    successor: int
    type: str  # FS, SS, FF or SF
    lag: int = 0


_DEFS = (
    "<defs>"
    '<pattern id="gantt-critical" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" class="crit-fill"/>'
    '<rect width="2.2" height="6" class="crit-stripe"/></pattern>'
    '<marker id="gantt-arrow" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" '
    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0.5 L8,4 L0,7.5 z" '
    'class="arrow-head"/></marker>'
    '<marker id="gantt-arrow-critical" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" '
    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0.5 L8,4 L0,7.5 z" '
    'class="arrow-head critical"/></marker>'
    "</defs>"
)


def _date_label(day: datetime.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def chart_svg(
    rows: Sequence[PlanRow],
    *,
    first: int,
    last: int,
    axis: Axis,
    links: Iterable[Link],
    today: datetime.date,
    calendar: WorkCalendar,
    url: Callable[[int], str],
    baseline_name: str = "",
    title: str = "Gantt chart",
    above: Sequence[PlanRow] = (),
    below: Sequence[PlanRow] = (),
    defs: bool = True,
    style: str = "",
) -> str:
    """The bars of ``rows[first:last]`` on ``axis``: task bars (critical ones hatched), progress,
    milestones as diamonds, summaries as brackets, baseline bars beneath, the dependency
    arrows, non-working days and today. Arrows to rows on other pages leave through the top or
    bottom edge: rows before ``first`` or in ``above``, rows from ``last`` on or in ``below``
    (the linked tasks of a window read without the rest of the plan).

    ``defs`` False leaves out the hatching pattern and arrow heads, for a chart appended
    under one that has them (an id is defined once per page). ``style``: CSS carried inside
    the SVG (see :func:`axis_svg`)."""
    page = rows[first:last]
    width, height = axis.width, max(len(page), 1) * ROW_HEIGHT
    bar_top, bar_height = (4, 12) if baseline_name else (7, 12)
    return "".join(
        [
            f'<svg class="gantt-body" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="group" '
            f'aria-label="{escape(title)}">',
            f"<style>{style}</style>" if style else "",
            _DEFS if defs else "",
            *_background(page, axis, calendar, today, height),
            *_arrows(
                rows,
                links,
                axis,
                above=above,
                below=below,
                first=first,
                last=last,
                height=height,
                centre=bar_top + bar_height / 2,
            ),
            *_bars(page, axis, url, bar_top=bar_top, bar_height=bar_height, baseline=baseline_name),
            "</svg>",
        ]
    )


def _background(
    page: Sequence[PlanRow],
    axis: Axis,
    calendar: WorkCalendar,
    today: datetime.date,
    height: int,
) -> list[str]:
    """Row bands, then non-working days (week zoom) or month lines, then today."""
    out = []
    for i, row in enumerate(page):
        cls = "band summary" if row.is_summary else ("band odd" if i % 2 else "band")
        out.append(
            f'<rect class="{cls}" y="{i * ROW_HEIGHT}" width="{axis.width}" height="{ROW_HEIGHT}"/>'
        )
    if axis.zoom == "week":
        out.extend(_non_working(axis, calendar, height))
    else:
        every = _month_step(axis)
        for month in _months(axis)[1:]:
            if (month.month - 1) % every:
                continue
            x = axis.x(month)
            out.append(f'<line class="grid" x1="{x}" y1="0" x2="{x}" y2="{height}"/>')
    if axis.start <= today < axis.end:
        x = axis.x(today) + axis.px_per_day / 2
        out.append(
            f'<line class="today" x1="{x:g}" y1="0" x2="{x:g}" y2="{height}">'
            f"<title>Today, {_date_label(today)}</title></line>"
        )
    return out


def _arrows(
    rows: Sequence[PlanRow],
    links: Iterable[Link],
    axis: Axis,
    *,
    first: int,
    last: int,
    height: int,
    centre: float,
    above: Sequence[PlanRow] = (),
    below: Sequence[PlanRow] = (),
) -> list[str]:
    """The dependency arrows with an end on ``rows[first:last]``; an arrow to a row on another
    page (or in ``above`` / ``below``) leaves through the top or bottom edge."""
    # Where each task is, on any page: arrows need both ends.
    position = {row.id: i for i, row in enumerate(rows) if row.kind == "task"}
    position.update({row.id: first - 1 for row in above})
    position.update({row.id: last for row in below})
    everyone = [*rows, *above, *below]
    spans = {
        row.id: _span(row, axis)
        for row in everyone
        if row.kind == "task" and row.start is not None and row.finish is not None
    }
    critical = {row.id for row in everyone if row.kind == "task" and row.is_critical}

    def y_of(task_id: int) -> float:
        index = position[task_id]
        if index < first:
            return -2
        if index >= last:
            return height + 2
        return (index - first) * ROW_HEIGHT + centre

    arrows = []
    for link in links:
        p, s = link.predecessor, link.successor
        if p not in spans or s not in spans:
            continue
        inside = first <= position[p] < last, first <= position[s] < last
        if not any(inside):
            continue
        from_finish = link.type in ("FS", "FF")
        to_start = link.type in ("FS", "SS")
        x1 = spans[p][1] if from_finish else spans[p][0]
        x2 = spans[s][0] if to_start else spans[s][1]
        cls = "link critical" if p in critical and s in critical else "link"
        marker = "gantt-arrow-critical" if cls == "link critical" else "gantt-arrow"
        path = _route(x1, y_of(p), x2, y_of(s), from_finish, to_start)
        arrows.append(
            f'<path class="{cls}" d="{path}" marker-end="url(#{marker})">'
            f"<title>{link.type}{f' {link.lag:+d}d' if link.lag else ''}</title></path>"
        )
    return arrows


def _bars(
    page: Sequence[PlanRow],
    axis: Axis,
    url: Callable[[int], str],
    *,
    bar_top: int,
    bar_height: int,
    baseline: str,
) -> list[str]:
    """Each row's bar (a summary's bracket, a task's bar or diamond), and its baseline bar
    beneath when a ``baseline`` (its name) is shown."""
    out = []
    for i, row in enumerate(page):
        top = i * ROW_HEIGHT
        if row.start is None or row.finish is None:
            continue
        if row.is_summary:
            out.append(_summary_bar(row, axis, top + bar_top))
        else:
            out.append(_task_bar(row, axis, top, bar_top, bar_height, url(row.id)))
        if baseline and row.baseline_start and row.baseline_finish:
            out.append(_baseline_bar(row, axis, top + 19, baseline))
    return out


def _span(row: PlanRow, axis: Axis) -> tuple[float, float]:
    """The x of a task's start and finish edges; a milestone's diamond tips."""
    x = axis.x(row.start)
    if row.duration == 0:
        return x - 6, x + 6
    return x, axis.x(row.finish) + axis.px_per_day


def _route(x1: float, y1: float, x2: float, y2: float, from_finish: bool, to_start: bool) -> str:
    """An orthogonal arrow from an anchor (leaving rightwards from a finish, leftwards from a
    start) into an anchor (entering a start from the left, a finish from the right)."""
    out_x = x1 + 5 if from_finish else x1 - 5
    in_x = x2 - 7 if to_start else x2 + 7
    if to_start:
        turn = min(out_x, in_x) if not from_finish else out_x
        if not from_finish or turn <= in_x:
            return f"M{x1:g},{y1:g}H{turn:g}V{y2:g}H{x2:g}"
    else:
        turn = max(out_x, in_x) if from_finish else out_x
        if from_finish or turn >= in_x:
            return f"M{x1:g},{y1:g}H{turn:g}V{y2:g}H{x2:g}"
    # The arrow must double back: down (or up) to the row boundary, across, then in.
    mid = y1 + (ROW_HEIGHT / 2 if y2 > y1 else -ROW_HEIGHT / 2)
    return f"M{x1:g},{y1:g}H{out_x:g}V{mid:g}H{in_x:g}V{y2:g}H{x2:g}"


def _task_title(row: PlanRow) -> str:
    if row.duration == 0:
        when = f"milestone on {_date_label(row.start)}"
    else:
        when = f"{_date_label(row.start)} – {_date_label(row.finish)}, {row.duration} d"
    extra = ", critical" if row.is_critical else ""
    if row.total_float is not None and not row.is_critical:
        extra += f", {row.total_float} d float"
    number = f"#{row.ref} " if row.ref is not None else ""
    return f"{number}{row.code} {row.name}: {when}{extra}, {row.percent:g}% complete"


def _task_bar(row: PlanRow, axis: Axis, top: int, bar_top: int, bar_height: int, href: str) -> str:
    x0, x1 = _span(row, axis)
    title = escape(_task_title(row))
    critical = " critical" if row.is_critical else ""
    data = (
        f'data-task="{row.id}" data-start="{row.start.isoformat()}" '
        f'data-finish="{row.finish.isoformat()}"'
    )
    y = top + bar_top
    if row.duration == 0:
        cx, cy, r = (x0 + x1) / 2, y + bar_height / 2, 7
        label = f"{row.start.day} {_MONTHS[row.start.month - 1]}"
        return (
            f'<a href="{href}" class="task{critical}" aria-label="{title}"><title>{title}</title>'
            f'<path class="milestone{critical}" {data} '
            f'd="M{cx:g},{cy - r:g}L{cx + r:g},{cy:g}L{cx:g},{cy + r:g}L{cx - r:g},{cy:g}z"/>'
            f'<text class="ms-label" x="{cx + r + 3:g}" y="{cy + 4:g}">{label}</text></a>'
        )
    width = max(x1 - x0, 2)
    parts = [
        f'<a href="{href}" class="task{critical}" aria-label="{title}"><title>{title}</title>'
        f'<rect class="bar{critical}" {data} x="{x0:g}" y="{y}" width="{width:g}" '
        f'height="{bar_height}" rx="2"/>'
    ]
    if row.percent:
        done = width * min(row.percent, 100) / 100
        parts.append(
            f'<rect class="progress" x="{x0:g}" y="{y + bar_height / 2 - 2:g}" '
            f'width="{done:g}" height="4"/>'
        )
    if row.is_critical and width >= 58:  # room for the word; the hatching marks it anyway
        parts.append(f'<text class="bar-label" x="{x0 + 4:g}" y="{y + 10}">critical</text>')
    parts.append("</a>")
    return "".join(parts)


def _summary_bar(row: PlanRow, axis: Axis, y: int) -> str:
    x0, x1 = axis.x(row.start), axis.x(row.finish) + axis.px_per_day
    title = escape(
        f"{row.code} {row.name}: {_date_label(row.start)} – {_date_label(row.finish)}, "
        f"{row.percent:g}% complete"
    )
    return (
        f'<path class="summary-bar" d="M{x0},{y}H{x1}V{y + 11}L{x1 - 5},{y + 6}H{x0 + 5}'
        f'L{x0},{y + 11}z"><title>{title}</title></path>'
    )


def _baseline_bar(row: PlanRow, axis: Axis, y: int, baseline_name: str) -> str:
    x0 = axis.x(row.baseline_start)
    title = escape(
        f"{baseline_name}: {_date_label(row.baseline_start)} – {_date_label(row.baseline_finish)}"
    )
    if row.baseline_start == row.baseline_finish and row.duration == 0:
        return (
            f'<path class="baseline-bar" d="M{x0},{y - 1}l4,3l-4,3l-4,-3z">'
            f"<title>{title}</title></path>"
        )
    x1 = axis.x(row.baseline_finish) + axis.px_per_day
    return (
        f'<rect class="baseline-bar" x="{x0}" y="{y}" width="{max(x1 - x0, 2)}" height="4">'
        f"<title>{title}</title></rect>"
    )


def _non_working(axis: Axis, calendar: WorkCalendar, height: int) -> list[str]:
    """One shaded rectangle per run of non-working days (weekends, holidays)."""
    out, run_start, day = [], None, axis.start
    while day <= axis.end:
        working = day == axis.end or calendar.is_working_day(day)
        if not working and run_start is None:
            run_start = day
        elif working and run_start is not None:
            x = axis.x(run_start)
            out.append(
                f'<rect class="off" x="{x}" y="0" width="{axis.x(day) - x}" height="{height}"/>'
            )
            run_start = None
        day += _DAY
    return out
