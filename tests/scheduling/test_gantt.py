"""The Gantt builder (scheduling/gantt.py): outline order and codes, the axis, arrow anchors.
Pure: no database."""

import datetime

import pytest

from scheduling import gantt
from scheduling.workdays import WorkCalendar

D = datetime.date
CALENDAR = WorkCalendar(
    working_weekdays=frozenset({1, 2, 3, 4, 5}), holidays=frozenset(), start=D(2026, 1, 5)
)
PACKAGES = [
    {"id": 10, "parent_id": None, "code": "1", "name": "Build"},
    {"id": 11, "parent_id": 10, "code": "1.1", "name": "Front end"},
    {"id": 12, "parent_id": 10, "code": "1.2", "name": "Back end"},
]


def _task(pk: int, package: int | None, start: D, finish: D, duration: int, **extra) -> dict:
    return {
        "id": pk,
        "name": f"T{pk}",
        "work_package_id": package,
        "start_date": start,
        "finish_date": finish,
        "duration": duration,
        "percent_complete": 0,
        "is_critical": False,
        "total_float": 0,
        **extra,
    }


TASKS = [
    _task(1, 10, D(2026, 1, 16), D(2026, 1, 16), 0),  # a milestone on the parent package
    _task(2, 11, D(2026, 1, 5), D(2026, 1, 7), 3),
    _task(3, 12, D(2026, 1, 8), D(2026, 1, 9), 2),
    _task(4, None, D(2026, 1, 5), D(2026, 1, 5), 1),
]
ROLLUP = {
    10: {"start_date": D(2026, 1, 5), "finish_date": D(2026, 1, 16), "percent_complete": 0},
    11: {"start_date": D(2026, 1, 5), "finish_date": D(2026, 1, 7), "percent_complete": 0},
    12: {"start_date": D(2026, 1, 8), "finish_date": D(2026, 1, 9), "percent_complete": 0},
}


def test_plan_rows_put_a_packages_own_tasks_after_its_children():
    """Build's closing milestone comes after Front end and Back end, numbered 1.3; a task
    outside the WBS comes last as 2."""
    rows = gantt.plan_rows(TASKS, PACKAGES, ROLLUP, CALENDAR)
    assert [(r.kind, r.code, r.name) for r in rows] == [
        ("summary", "1", "Build"),
        ("summary", "1.1", "Front end"),
        ("task", "1.1.1", "T2"),
        ("summary", "1.2", "Back end"),
        ("task", "1.2.1", "T3"),
        ("task", "1.3", "T1"),
        ("task", "2", "T4"),
    ]
    assert rows[0].duration == 10  # 5 to 16 Jan: two working weeks


def test_plan_rows_collapse_hides_everything_under_the_package():
    """Collapsing Build keeps its summary row and hides its children and tasks."""
    rows = gantt.plan_rows(TASKS, PACKAGES, ROLLUP, CALENDAR, collapsed={10})
    assert [(r.code, r.collapsed) for r in rows] == [("1", True), ("2", False)]


def test_axis_covers_whole_weeks_or_months():
    """Week zoom runs Monday to a spare week after the last date; month zoom whole months."""
    week = gantt.axis_for([D(2026, 1, 7), D(2026, 1, 20)], "week", default=D(2026, 1, 1))
    assert (week.start, week.end, week.px_per_day) == (D(2026, 1, 5), D(2026, 2, 2), 18)
    month = gantt.axis_for([D(2026, 1, 7), D(2026, 2, 10)], "month", default=D(2026, 1, 1))
    assert (month.start, month.end) == (D(2026, 1, 1), D(2026, 3, 1))
    assert gantt.axis_for([], "nonsense", default=D(2026, 1, 7)).zoom == "week"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        # FS: out of the predecessor's finish (x=54), down, into the successor's start (x=72).
        ("FS", "M54,13H59V39H72"),
        # SS: out of the predecessor's start (x=0) to the left, into the successor's start.
        ("SS", "M0,13H-5V39H72"),
        # FF: out of the finish, into the successor's finish (x=144) from the right.
        ("FF", "M54,13H151V39H144"),
        # SF: out of the start, double back to enter the successor's finish from the right.
        ("SF", "M0,13H-5V26H151V39H144"),
    ],
)
def test_arrows_leave_and_enter_at_the_ends_the_link_type_names(kind, path):
    """Each link type's arrow starts and ends at the bar ends its rule relates."""
    predecessor = _task(1, None, D(2026, 1, 5), D(2026, 1, 7), 3)
    successor = _task(2, None, D(2026, 1, 9), D(2026, 1, 12), 2)
    rows = gantt.plan_rows([predecessor, successor], [], {}, CALENDAR)
    axis = gantt.axis_for([D(2026, 1, 5), D(2026, 1, 12)], "week", default=D(2026, 1, 5))
    svg = gantt.chart_svg(
        rows,
        first=0,
        last=2,
        axis=axis,
        links=[gantt.Link(1, 2, kind)],
        today=D(2025, 1, 1),
        calendar=CALENDAR,
        url="/t/{}/".format,
        baseline_name="",
    )
    assert f'd="{path}"' in svg
    assert 'href="/t/1/"' in svg and "<title>T1" not in svg  # titles carry the code first


def test_chart_escapes_task_names():
    """A task name with markup is text in the SVG, never markup."""
    rows = gantt.plan_rows(
        [_task(1, None, D(2026, 1, 5), D(2026, 1, 5), 1, name="<script>x</script>")],
        [],
        {},
        CALENDAR,
    )
    axis = gantt.axis_for([D(2026, 1, 5)], "week", default=D(2026, 1, 5))
    svg = gantt.chart_svg(
        rows,
        first=0,
        last=1,
        axis=axis,
        links=[],
        today=D(2026, 1, 6),
        calendar=CALENDAR,
        url="/t/{}/".format,
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def _row(pk: int, start: D, finish: D, percent: float) -> gantt.PlanRow:
    return gantt.PlanRow(
        kind="task",
        id=pk,
        code=str(pk),
        name=f"T{pk}",
        depth=0,
        start=start,
        finish=finish,
        duration=3,
        percent=percent,
    )


def test_opening_day_is_the_first_unfinished_task_on_screen():
    """The chart opens at the earliest bar not yet done; all done: the first bar; none: None."""
    done = _row(1, D(2026, 1, 5), D(2026, 1, 7), 100)
    later = _row(2, D(2026, 3, 2), D(2026, 3, 4), 40)
    last = _row(3, D(2026, 4, 6), D(2026, 4, 8), 0)
    assert gantt.opening_day([done, last, later]) == D(2026, 3, 2)
    assert gantt.opening_day([done]) == D(2026, 1, 5)
    assert gantt.opening_day([]) is None


def test_axis_fit_puts_the_whole_plan_in_the_given_width():
    """Fit: whole weeks with a spare week each side, whole pixels a day, within the width;
    weekday letters only when there is room, else months."""
    dates = [D(2026, 1, 7), D(2026, 6, 24)]
    axis = gantt.axis_for(dates, gantt.FIT, default=D(2026, 1, 5), width=600)
    assert (axis.start, axis.end) == (D(2026, 1, 5), D(2026, 7, 12))
    assert axis.width == 564 and axis.px_per_day == 3 and axis.zoom == "month"
    short = gantt.axis_for(dates[:1], gantt.FIT, default=D(2026, 1, 5), width=600)
    assert (short.px_per_day, short.zoom, short.end) == (18, "week", D(2026, 1, 12))
    huge = gantt.axis_for([D(2020, 1, 1), D(2030, 1, 1)], gantt.FIT, default=D(2026, 1, 5))
    assert huge.px_per_day == 1


@pytest.mark.parametrize("zoom", ["week", "month", gantt.FIT])
def test_axis_leaves_room_for_the_last_milestones_label(zoom):
    """The chart does not end inside the date label of a milestone on the last day (a finish
    on Friday 19 Jun left 44 px at month zoom, and "19 Jun" was cut off on the right)."""
    last = D(2026, 6, 19)
    axis = gantt.axis_for([D(2026, 1, 5), last], zoom, default=D(2026, 1, 5), width=900)
    assert axis.width - axis.x(last) - axis.px_per_day >= gantt.LABEL_ROOM


def test_month_axis_does_not_print_a_clipped_month_over_the_next():
    """A fitted axis starting on 29 Dec names January, not "Dec" squeezed against "Jan"."""
    axis = gantt.Axis(start=D(2025, 12, 29), end=D(2026, 3, 2), zoom="month", px_per_day=3)
    svg = gantt.axis_svg(axis, D(2026, 1, 5), CALENDAR)
    assert ">Dec<" not in svg and ">Jan<" in svg and ">2026<" in svg and ">2025<" not in svg


@pytest.mark.parametrize(("zoom", "end"), [("week", D(2026, 2, 9)), ("month", D(2026, 6, 1))])
def test_axis_fills_the_visible_width_with_whole_weeks_or_months(zoom, end):
    """A two-week plan on a 600 px chart runs on to fill it instead of stopping mid-screen."""
    axis = gantt.axis_for([D(2026, 1, 5), D(2026, 1, 16)], zoom, default=D(2026, 1, 5), width=600)
    assert axis.end == end and axis.width >= 600


# --- the outline as blocks, and one window of it --------------------------------------------------


def test_outline_blocks_lay_out_the_rows_from_counts_alone():
    """Build (summary), Front end (summary, 1 task), Back end (summary, 1 task), Build's own
    milestone numbered 1.3, then the task outside the WBS numbered 2: seven rows."""
    blocks = gantt.outline_blocks(PACKAGES, {10: 1, 11: 1, 12: 1, None: 1}, ROLLUP)
    assert [(b.kind, b.package, b.first, b.size) for b in blocks] == [
        ("summary", 10, 0, 1),
        ("summary", 11, 1, 1),
        ("tasks", 11, 2, 1),
        ("summary", 12, 3, 1),
        ("tasks", 12, 4, 1),
        ("tasks", 10, 5, 1),
        ("tasks", None, 6, 1),
    ]
    assert (blocks[5].task_code(0), blocks[6].task_code(0)) == ("1.3", "2")
    collapsed = gantt.outline_blocks(PACKAGES, {10: 1, 11: 1, 12: 1, None: 1}, ROLLUP, {10})
    assert [(b.kind, b.package) for b in collapsed] == [("summary", 10), ("tasks", None)]


def _ordered(rows: list[dict], blocks: list[gantt.Block]) -> list[dict]:
    """The tasks in the order the window query reads them: block by block."""
    return [
        t for b in blocks if b.kind == "tasks" for t in rows if t["work_package_id"] == b.package
    ]


@pytest.mark.parametrize(("first", "last"), [(0, 7), (0, 3), (2, 5), (4, 7), (5, 6)])
def test_window_rows_equal_the_same_rows_of_the_whole_plan(first, last):
    """Any window of the outline holds exactly the rows the whole plan has there, its tasks
    read as one offset and count among the tasks of the packages it touches."""
    whole = gantt.plan_rows(TASKS, PACKAGES, ROLLUP, CALENDAR)
    blocks = gantt.outline_blocks(PACKAGES, {10: 1, 11: 1, 12: 1, None: 1}, ROLLUP)
    window = gantt.Window(blocks, first, last)
    packages, offset, limit = window.task_query()
    read = [t for t in TASKS if t["work_package_id"] in packages]
    tasks = _ordered(read, blocks)[offset : offset + limit]
    assert window.rows(tasks, PACKAGES, ROLLUP, CALENDAR) == whole[first:last]


def test_window_places_linked_tasks_off_screen_above_or_below():
    """In a window of Back end's rows, Front end's task is above, Build's milestone and the task
    outside the WBS below; a task of a collapsed package has no row and is left out."""
    tasks = [{**t, "position": t["id"]} for t in TASKS]
    blocks = gantt.outline_blocks(PACKAGES, {10: 1, 11: 1, 12: 1, None: 1}, ROLLUP)
    window = gantt.Window(blocks, 3, 5)
    shown = [t for t in tasks if t["id"] == 3]
    above, below = window.beyond(shown, [t for t in tasks if t["id"] != 3])
    assert ([r.id for r in above], [r.id for r in below]) == ([2], [1, 4])
    folded = gantt.outline_blocks(PACKAGES, {10: 1, 11: 1, 12: 1, None: 1}, ROLLUP, {11})
    above, _ = gantt.Window(folded, 2, 4).beyond(shown, [tasks[1]])
    assert above == []


def test_window_places_tasks_of_a_package_cut_by_the_window_by_their_position():
    """A package of five tasks cut by a window of rows 2-3: its tasks 1-2 lie above, 5 below."""
    rows = [{**_task(n, None, D(2026, 1, 5), D(2026, 1, 5), 1), "position": n} for n in range(1, 6)]
    window = gantt.Window(gantt.outline_blocks([], {None: 5}, {}), 2, 4)
    packages, offset, limit = window.task_query()
    assert (packages, offset, limit) == ([None], 2, 2)
    above, below = window.beyond(rows[2:4], [rows[0], rows[1], rows[4]])
    assert ([r.id for r in above], [r.id for r in below]) == ([1, 2], [5])


def test_chart_arrow_to_a_task_above_the_window_enters_through_the_top():
    """An FS link from a task above the window comes down from the top edge (y=-2) to the
    successor's bar; one to a task below leaves through the bottom edge."""
    before = gantt.task_row(_task(1, None, D(2026, 1, 5), D(2026, 1, 7), 3), "", 0, {})
    shown = gantt.task_row(_task(2, None, D(2026, 1, 9), D(2026, 1, 12), 2), "", 0, {})
    after = gantt.task_row(_task(3, None, D(2026, 1, 15), D(2026, 1, 15), 1), "", 0, {})
    axis = gantt.axis_for([D(2026, 1, 5), D(2026, 1, 15)], "week", default=D(2026, 1, 5))
    svg = gantt.chart_svg(
        [shown],
        first=0,
        last=1,
        axis=axis,
        links=[gantt.Link(1, 2, "FS"), gantt.Link(2, 3, "FS")],
        today=D(2025, 1, 1),
        calendar=CALENDAR,
        url="/t/{}/".format,
        above=[before],
        below=[after],
        defs=False,
    )
    assert 'd="M54,-2H59V13H72"' in svg  # from Alpha's finish above, into Beta's start
    assert 'd="M144,13H149V28H180"' in svg  # out of Beta's finish, down out of the window
    assert "<defs>" not in svg


def test_axis_fitted_stretches_the_plan_across_the_width():
    """On paper the whole plan fills the chart's width at a fractional scale: from the Monday
    of the first date, with room for a milestone's label after the last."""
    axis = gantt.axis_fitted([D(2026, 1, 7), D(2026, 12, 18)], width=800, default=D(2026, 1, 1))
    assert axis.start == D(2026, 1, 5) and axis.zoom == "month"
    assert axis.px_per_day == round((800 - gantt.LABEL_ROOM) / 348, 4)
    assert 800 - axis.px_per_day < axis.width <= 800
    assert axis.x(D(2026, 12, 18)) + gantt.LABEL_ROOM <= 800 + axis.px_per_day
    short = gantt.axis_fitted([D(2026, 1, 5), D(2026, 1, 30)], width=800, default=D(2026, 1, 1))
    assert short.zoom == "week" and short.px_per_day >= 12


def test_axis_names_quarters_or_years_when_months_are_too_narrow():
    """A ten-year plan on a page has months a few pixels wide: the scale names years, and the
    chart draws a line a year, not a month."""
    axis = gantt.axis_fitted([D(2026, 1, 5), D(2035, 12, 31)], width=700, default=D(2026, 1, 1))
    scale = gantt.axis_svg(axis, D(2026, 3, 1), CALENDAR)
    assert scale.count('class="tier2"') == 10 and ">Feb<" not in scale
    chart = gantt.chart_svg(
        [], first=0, last=0, axis=axis, links=[], today=D(2026, 3, 1), calendar=CALENDAR, url=str
    )
    assert chart.count('class="grid"') == 10  # 1 Jan 2027 to 2036 (the label's room)
    quarters = gantt.axis_fitted([D(2026, 1, 5), D(2028, 12, 31)], width=700, default=D(2026, 1, 1))
    assert ">Apr<" in gantt.axis_svg(quarters, D(2026, 3, 1), CALENDAR)
    assert ">Feb<" not in gantt.axis_svg(quarters, D(2026, 3, 1), CALENDAR)
