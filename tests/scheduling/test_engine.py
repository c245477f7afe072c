"""The schedule engine and working-day calendar (DESIGN §4 "Schedule").

Worked examples use the calendar of a project starting Monday 2026-01-05, Monday to Friday,
so index 0 is Mon 5 Jan, 4 is Fri 9 Jan, 5 is Mon 12 Jan. Every expected number below can be
checked with a pencil; the property tests then compare the vectorised engine with the
plain reference implementation at the bottom of this file on random networks.
"""

import pickle
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.engine import (
    LINK_TYPES,
    MISSING,
    CycleError,
    LinkInput,
    RollupInput,
    RollupTotals,
    ScheduleResult,
    SummaryRollup,
    TaskInput,
    WorkCalendar,
    compute_schedule,
    compute_schedule_arrays,
    critical_paths,
    rollup_summaries,
    rollup_totals,
)

MON_FRI = frozenset({1, 2, 3, 4, 5})
JAN_5 = date(2026, 1, 5)  # a Monday


def row(result: ScheduleResult, task_id: int) -> tuple[int, int, int, int, int, int, bool]:
    """ES, EF, LS, LF, total float, free float, critical — compact for hand-checked tables."""
    task = result.tasks[task_id]
    return (
        task.early_start,
        task.early_finish,
        task.late_start,
        task.late_finish,
        task.total_float,
        task.free_float,
        task.is_critical,
    )


# --- Worked examples: one per link type, with lags and leads ------------------------------------


@pytest.mark.parametrize(
    ("kind", "lag", "expected_b", "expected_finish"),
    [
        # A takes days 0-2; B (2 days) after it.
        ("FS", 0, (3, 5), 5),  # B starts the day after A ends
        ("FS", 2, (5, 7), 7),  # two days' wait
        ("FS", -1, (2, 4), 4),  # one-day lead: B starts on A's last day
        ("SS", 1, (1, 3), 3),  # B starts one day after A starts
        ("SS", -2, (0, 2), 3),  # a lead before the project start is held at day 0
        ("FF", 2, (3, 5), 5),  # B ends two days after A ends
        ("FF", -3, (0, 2), 3),  # FF lead would start B before day 0: held at 0
        ("SF", 4, (2, 4), 4),  # B ends no earlier than 4 days after A starts
        ("SF", 0, (0, 2), 3),  # SF pulls B before the start: held at day 0
    ],
)
def test_compute_schedule_link_types_bound_successor(
    kind: str, lag: int, expected_b: tuple[int, int], expected_finish: int
) -> None:
    """Each link type with a lag or lead places its successor per DESIGN §4, never before 0."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 2)], [LinkInput(1, 2, kind, lag)])
    assert (result.tasks[2].early_start, result.tasks[2].early_finish) == expected_b
    assert result.finish == expected_finish


def test_compute_schedule_fs_chain_is_critical() -> None:
    """A finish-to-start chain has no float and is the critical path."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 2)], [LinkInput(1, 2, "FS")])
    assert row(result, 1) == (0, 3, 0, 3, 0, 0, True)
    assert row(result, 2) == (3, 5, 3, 5, 0, 0, True)
    assert result.critical_path == [1, 2]


def test_compute_schedule_ss_backward_pass_keeps_start_offset() -> None:
    """With SS +1, A's late start is B's late start minus the lag, so both are critical."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 2)], [LinkInput(1, 2, "SS", 1)])
    assert row(result, 1) == (0, 3, 0, 3, 0, 0, True)
    assert row(result, 2) == (1, 3, 1, 3, 0, 0, True)


def test_compute_schedule_ff_lead_held_at_start_leaves_predecessor_float() -> None:
    """A(2) FF B(5): B cannot start before day 0, so A can slip 3 days without harm."""
    result = compute_schedule([TaskInput(1, 2), TaskInput(2, 5)], [LinkInput(1, 2, "FF", 0)])
    assert row(result, 2) == (0, 5, 0, 5, 0, 0, True)
    assert row(result, 1) == (0, 2, 3, 5, 3, 3, False)


def test_compute_schedule_sf_after_constrained_start() -> None:
    """A starts no earlier than day 4; B SF A must finish on or after A's start."""
    result = compute_schedule(
        [TaskInput(1, 2, constraint=4), TaskInput(2, 3)], [LinkInput(1, 2, "SF", 0)]
    )
    # B ends at EF 4 (shown Thu 8 Jan = index 3) so it occupies days 1-3; the project ends at 6.
    assert row(result, 1) == (4, 6, 4, 6, 0, 0, True)
    assert row(result, 2) == (1, 4, 3, 6, 2, 2, False)
    assert result.finish == 6


def test_compute_schedule_constraint_delays_start() -> None:
    """A start-no-earlier-than constraint moves a task later, never earlier than its links."""
    result = compute_schedule(
        [TaskInput(1, 2), TaskInput(2, 1, constraint=5), TaskInput(3, 1, constraint=1)],
        [LinkInput(1, 2), LinkInput(1, 3)],
    )
    assert result.tasks[2].early_start == 5
    assert result.tasks[3].early_start == 2


def test_compute_schedule_negative_constraint_holds_at_project_start() -> None:
    """A constraint before the project start still leaves the task at day 0."""
    result = compute_schedule([TaskInput(1, 2, constraint=-3)], [])
    assert result.tasks[1].early_start == 0


# --- Deadlines and negative float ---------------------------------------------------------------


def test_compute_schedule_deadline_makes_float_negative() -> None:
    """B must finish by index 3 (Thu 8 Jan) but ends on index 4: one day of negative float."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 2, deadline=3)], [LinkInput(1, 2)])
    assert row(result, 2) == (3, 5, 2, 4, -1, -1, True)
    assert row(result, 1) == (0, 3, -1, 2, -1, -1, True)


def test_compute_schedule_deadline_met_leaves_float() -> None:
    """A deadline later than the task's finish is met: float stays positive."""
    result = compute_schedule([TaskInput(1, 3, deadline=10), TaskInput(2, 7)], [])
    assert row(result, 1) == (0, 3, 4, 7, 4, 4, False)


def test_compute_schedule_milestone_deadline_counts_its_own_day() -> None:
    """A milestone is shown on day ES, so a deadline on day 2 for a milestone at 3 is one late."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 0, deadline=2)], [LinkInput(1, 2)])
    assert row(result, 2) == (3, 3, 2, 2, -1, -1, True)


@pytest.mark.parametrize(
    ("must_finish_by", "expected_float", "critical"),
    [
        (4, 0, [1, 2]),  # the last working day of the plan: no float
        (3, -1, [1, 2]),  # one day too early: everything on the path is a day late
        (6, 2, []),  # two spare days: nothing is critical (float <= 0 rule)
    ],
)
def test_compute_schedule_must_finish_by_sets_late_dates(
    must_finish_by: int, expected_float: int, critical: list[int]
) -> None:
    """The project's must-finish-by replaces the latest early finish in the backward pass."""
    result = compute_schedule(
        [TaskInput(1, 3), TaskInput(2, 2)], [LinkInput(1, 2)], must_finish_by=must_finish_by
    )
    assert result.tasks[1].total_float == expected_float
    assert result.tasks[2].total_float == expected_float
    assert result.critical_path == critical
    assert result.finish == 5


# --- Milestones ---------------------------------------------------------------------------------


def test_compute_schedule_milestone_sits_at_predecessor_finish() -> None:
    """A milestone after a 3-day task takes no time: ES = EF = 3, and it is critical."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 0)], [LinkInput(1, 2)])
    assert row(result, 2) == (3, 3, 3, 3, 0, 0, True)
    assert result.finish == 3


def test_compute_schedule_start_milestone_drives_successor() -> None:
    """A kick-off milestone at day 0 with FS +2 starts its successor on day 2."""
    result = compute_schedule([TaskInput(1, 0), TaskInput(2, 4)], [LinkInput(1, 2, "FS", 2)])
    assert row(result, 1) == (0, 0, 0, 0, 0, 0, True)
    assert row(result, 2) == (2, 6, 2, 6, 0, 0, True)


# --- Free float ---------------------------------------------------------------------------------


def test_compute_schedule_free_float_is_least_outgoing_slack() -> None:
    """A(2) and B(4) both feed C: A can slip 2 days before C moves, B none."""
    result = compute_schedule(
        [TaskInput(1, 2), TaskInput(2, 4), TaskInput(3, 1)],
        [LinkInput(1, 3), LinkInput(2, 3)],
    )
    assert row(result, 1) == (0, 2, 2, 4, 2, 2, False)
    assert row(result, 2) == (0, 4, 0, 4, 0, 0, True)
    assert row(result, 3) == (4, 5, 4, 5, 0, 0, True)


def test_compute_schedule_free_float_smaller_than_total_float() -> None:
    """A feeds B directly (no free float) but the A-B chain has 2 days of total float."""
    result = compute_schedule(
        [TaskInput(1, 1), TaskInput(2, 1), TaskInput(3, 4), TaskInput(4, 1)],
        [LinkInput(1, 2), LinkInput(2, 4), LinkInput(3, 4)],
    )
    assert row(result, 1) == (0, 1, 2, 3, 2, 0, False)
    assert row(result, 2) == (1, 2, 3, 4, 2, 2, False)


def test_compute_schedule_free_float_never_exceeds_total_float() -> None:
    """SS -5 held at day 0 leaves 5 days of link slack, but the 10-day task is critical."""
    result = compute_schedule([TaskInput(1, 10), TaskInput(2, 1)], [LinkInput(1, 2, "SS", -5)])
    assert row(result, 1) == (0, 10, 0, 10, 0, 0, True)


def test_compute_schedule_free_float_of_last_task_reaches_project_finish() -> None:
    """A task without successors has free float up to the project finish."""
    result = compute_schedule([TaskInput(1, 2), TaskInput(2, 6)], [])
    assert result.tasks[1].free_float == 4


# --- Actual dates -------------------------------------------------------------------------------


def test_compute_schedule_actual_start_fixes_early_start() -> None:
    """A task that started on day 2 keeps that start and its planned duration."""
    result = compute_schedule([TaskInput(1, 3, actual_start=2), TaskInput(2, 1)], [LinkInput(1, 2)])
    assert result.tasks[1].early_start == 2
    assert result.tasks[1].early_finish == 5
    assert result.tasks[2].early_start == 5


def test_compute_schedule_actual_finish_fixes_early_finish() -> None:
    """A 3-day task that ran days 0-4 (last day 4) finishes at EF 5 and pushes its successor."""
    result = compute_schedule(
        [TaskInput(1, 3, actual_start=0, actual_finish=4), TaskInput(2, 2)], [LinkInput(1, 2)]
    )
    assert row(result, 1) == (0, 5, 0, 5, 0, 0, True)
    assert result.tasks[2].early_start == 5


def test_compute_schedule_out_of_sequence_start_ignores_predecessor() -> None:
    """B started on day 1 before A finished: B keeps its start and A is not made late."""
    result = compute_schedule([TaskInput(1, 3), TaskInput(2, 2, actual_start=1)], [LinkInput(1, 2)])
    assert result.tasks[2].early_start == 1
    assert result.tasks[1].total_float == 0
    assert result.driving_links == ()


def test_compute_schedule_finished_milestone_uses_actual_finish() -> None:
    """A milestone reached on day 7 sits on day 7, with or without an actual start."""
    result = compute_schedule([TaskInput(1, 0, actual_finish=7)], [])
    assert (result.tasks[1].early_start, result.tasks[1].early_finish) == (7, 7)


@pytest.mark.parametrize(
    "task",
    [
        TaskInput(1, 3, actual_finish=4),  # finished work needs a start
        TaskInput(1, 3, actual_start=5, actual_finish=4),  # finished before it started
    ],
)
def test_compute_schedule_inconsistent_actuals_rejected(task: TaskInput) -> None:
    """Actual dates that cannot both be true are refused."""
    with pytest.raises(ValueError):
        compute_schedule([task], [])


# --- Cycles and bad input -----------------------------------------------------------------------


def test_compute_schedule_cycle_names_the_cycle() -> None:
    """A cycle is refused with exactly its tasks in link order, not the tasks downstream."""
    tasks = [TaskInput(task_id, 1) for task_id in (5, 10, 20, 30, 40)]
    links = [
        LinkInput(5, 10),
        LinkInput(10, 20),
        LinkInput(20, 30),
        LinkInput(30, 10, "SS"),
        LinkInput(30, 40),
    ]
    with pytest.raises(CycleError) as caught:
        compute_schedule(tasks, links)
    assert caught.value.task_ids == [10, 20, 30]
    assert "10 -> 20 -> 30 -> 10" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_compute_schedule_self_link_is_a_cycle() -> None:
    """A task linked to itself is a one-task cycle."""
    with pytest.raises(CycleError) as caught:
        compute_schedule([TaskInput(7, 1)], [LinkInput(7, 7)])
    assert caught.value.task_ids == [7]


def test_cycle_error_pickles_with_task_ids() -> None:
    """A CycleError survives pickling (Celery results) with its task ids."""
    error = pickle.loads(pickle.dumps(CycleError([3, 4])))
    assert error.task_ids == [3, 4]
    assert str(error) == "Dependency cycle: 3 -> 4 -> 3"


@pytest.mark.parametrize(
    ("tasks", "links", "message"),
    [
        ([TaskInput(1, 1), TaskInput(1, 2)], [], "appears twice"),
        ([TaskInput(1, 1)], [LinkInput(1, 9)], "unknown task 9"),
        ([TaskInput(1, 1), TaskInput(2, 1)], [LinkInput(1, 2, "XX")], "unknown link type"),
        ([TaskInput(1, -1)], [], "negative duration"),
    ],
)
def test_compute_schedule_bad_input_rejected(
    tasks: list[TaskInput], links: list[LinkInput], message: str
) -> None:
    """Duplicate ids, unknown tasks, unknown link types and negative durations are refused."""
    with pytest.raises(ValueError, match=message):
        compute_schedule(tasks, links)


def test_compute_schedule_empty_project() -> None:
    """No tasks: an empty schedule finishing at day 0."""
    result = compute_schedule([], [])
    assert result.tasks == {}
    assert result.finish == 0
    assert result.critical_path == []


# --- Critical path ------------------------------------------------------------------------------


def test_critical_paths_lists_parallel_chains() -> None:
    """Two equally long branches between A and D are two critical chains; E is not critical."""
    result = compute_schedule(
        [TaskInput(1, 2), TaskInput(2, 3), TaskInput(3, 3), TaskInput(4, 1), TaskInput(5, 1)],
        [LinkInput(1, 2), LinkInput(1, 3), LinkInput(2, 4), LinkInput(3, 4), LinkInput(1, 5)],
    )
    assert result.critical_path in ([1, 2, 3, 4], [1, 3, 2, 4])
    assert sorted(critical_paths(result)) == [[1, 2, 4], [1, 3, 4]]


def test_critical_paths_follow_driving_links_only() -> None:
    """A critical task joined by a non-driving link does not join the chain through it."""
    # A(2) FS C(3) drives C to day 2; B(5) also ends at 5 (critical) but B SS C has 2 days of
    # slack, so B is a chain of its own and C's chain starts at A.
    result = compute_schedule(
        [TaskInput(1, 2), TaskInput(2, 5), TaskInput(3, 3)],
        [LinkInput(1, 3), LinkInput(2, 3, "SS", 0)],
    )
    assert sorted(critical_paths(result)) == [[1, 3], [2]]


def test_critical_paths_respects_limit() -> None:
    """Parallel branches multiply chains; the limit caps how many are listed."""
    tasks = [TaskInput(0, 1), *(TaskInput(task_id, 1) for task_id in range(1, 11))]
    tasks.append(TaskInput(99, 1))
    links = [LinkInput(0, task_id) for task_id in range(1, 11)]
    links += [LinkInput(task_id, 99) for task_id in range(1, 11)]
    assert len(critical_paths(compute_schedule(tasks, links), limit=3)) == 3


# --- Calendar -----------------------------------------------------------------------------------

# Martin Luther King Jr. Day, Monday 19 January 2026, as a holiday.
MLK = WorkCalendar(MON_FRI, frozenset({date(2026, 1, 19), date(2026, 1, 1)}), JAN_5)


@pytest.mark.parametrize(
    ("index", "day"),
    [
        (0, date(2026, 1, 5)),  # Monday, the start
        (4, date(2026, 1, 9)),  # Friday
        (5, date(2026, 1, 12)),  # the weekend is skipped
        (9, date(2026, 1, 16)),
        (10, date(2026, 1, 20)),  # Monday 19th is a holiday
        (-1, date(2026, 1, 2)),  # the Friday before the start
        (-2, date(2025, 12, 31)),  # New Year's Day (Thu 1 Jan) is a holiday too
        # 52 weeks on, Mon 4 Jan 2027, is 260 - 1 (the 19th) = 259, so 260 is the Tuesday.
        (260, date(2027, 1, 5)),
    ],
)
def test_work_calendar_index_to_date_skips_weekends_and_holidays(index: int, day: date) -> None:
    """Indexes count working days only, forwards and backwards from the start."""
    assert MLK.index_to_date(index) == day
    assert MLK.date_to_index(day) == index


@pytest.mark.parametrize(
    ("day", "on_or_after", "on_or_before"),
    [
        (date(2026, 1, 10), 5, 4),  # Saturday: next is Mon (5), previous Fri (4)
        (date(2026, 1, 11), 5, 4),  # Sunday
        (date(2026, 1, 19), 10, 9),  # the holiday
        (date(2026, 1, 3), 0, -1),  # the Saturday before the start
    ],
)
def test_work_calendar_non_working_day_maps_to_next_or_previous(
    day: date, on_or_after: int, on_or_before: int
) -> None:
    """A non-working day means the next working day, or the previous one for deadlines."""
    assert MLK.date_to_index(day) == on_or_after
    assert MLK.last_index_on_or_before(day) == on_or_before


@pytest.mark.parametrize(
    ("start", "finish", "indexes"),
    [
        (date(2026, 1, 10), date(2026, 1, 11), (5, 5)),  # Sat–Sun: done on Mon 12 Jan
        (date(2026, 1, 6), date(2026, 1, 9), (1, 4)),  # Tue–Fri: as worked
        (date(2026, 1, 6), None, (1, None)),
        (None, None, (None, None)),
    ],
)
def test_work_calendar_actual_indexes_never_finish_before_they_start(
    start: date | None, finish: date | None, indexes: tuple[int | None, int | None]
) -> None:
    """Work done wholly on non-working days counts on the next working day."""
    assert MLK.actual_indexes(start, finish) == indexes


def test_work_calendar_last_index_on_or_before_the_last_date_there_is() -> None:
    """31 Dec 9999 (a Friday) has an index as a deadline, the day after being no date."""
    assert MLK.last_index_on_or_before(date.max) == MLK.date_to_index(date.max)


def test_work_calendar_shown_dates_for_task_over_weekend_and_holiday() -> None:
    """An 8-day task starting Thu 8 Jan shows Thu 8 Jan to Tue 20 Jan (weekends, 19th off)."""
    assert MLK.shown_dates(3, 11) == (date(2026, 1, 8), date(2026, 1, 20))


def test_work_calendar_shown_dates_for_milestone() -> None:
    """A milestone shows its start day as both start and finish."""
    assert MLK.shown_dates(5, 5) == (date(2026, 1, 12), date(2026, 1, 12))


def test_work_calendar_schedule_to_dates_worked_example() -> None:
    """Design (5d) FS Build (8d) FS Launch (milestone), shown on the MLK calendar."""
    result = compute_schedule(
        [TaskInput(1, 5), TaskInput(2, 8), TaskInput(3, 0)], [LinkInput(1, 2), LinkInput(2, 3)]
    )
    shown = {
        task_id: MLK.shown_dates(task.early_start, task.early_finish)
        for task_id, task in result.tasks.items()
    }
    assert shown[1] == (date(2026, 1, 5), date(2026, 1, 9))
    assert shown[2] == (date(2026, 1, 12), date(2026, 1, 22))  # skips Mon 19th
    assert shown[3] == (date(2026, 1, 23), date(2026, 1, 23))


def test_work_calendar_start_on_weekend_begins_next_working_day() -> None:
    """A project starting on a Saturday has index 0 on the Monday."""
    calendar = WorkCalendar(MON_FRI, frozenset(), date(2026, 1, 3))
    assert calendar.index_to_date(0) == date(2026, 1, 5)
    assert calendar.index_to_date(-1) == date(2026, 1, 2)


def test_work_calendar_sunday_to_thursday_week() -> None:
    """A Sunday-Thursday week works Sundays and rests Fridays and Saturdays."""
    calendar = WorkCalendar(frozenset({7, 1, 2, 3, 4}), frozenset(), date(2026, 1, 4))
    assert calendar.index_to_date(0) == date(2026, 1, 4)  # Sunday
    assert calendar.index_to_date(4) == date(2026, 1, 8)  # Thursday
    assert calendar.index_to_date(5) == date(2026, 1, 11)  # next Sunday
    assert calendar.date_to_index(date(2026, 1, 9)) == 5  # Friday -> Sunday


def test_work_calendar_holiday_on_weekend_changes_nothing() -> None:
    """A holiday on a Saturday removes no working day."""
    calendar = WorkCalendar(MON_FRI, frozenset({date(2026, 1, 10)}), JAN_5)
    assert calendar.index_to_date(5) == date(2026, 1, 12)


@pytest.mark.parametrize("weekdays", [frozenset(), frozenset({0}), frozenset({8})])
def test_work_calendar_rejects_bad_weekdays(weekdays: frozenset[int]) -> None:
    """A calendar needs at least one ISO weekday 1-7."""
    with pytest.raises(ValueError):
        WorkCalendar(weekdays, frozenset(), JAN_5)


def test_work_calendar_vectorised_matches_scalar() -> None:
    """The numpy conversions give the same answers as the scalar ones."""
    indexes = np.arange(-400, 400)
    days = MLK.indexes_to_dates(indexes)
    assert [d.item() for d in days] == [MLK.index_to_date(int(i)) for i in indexes]
    all_days = np.arange("2024-06-01", "2028-01-01", dtype="datetime64[D]")
    assert MLK.dates_to_indexes(all_days).tolist() == [
        MLK.date_to_index(d.item()) for d in all_days
    ]


def naive_working_days(calendar: WorkCalendar, first: date, last: date) -> list[date]:
    """Working days in [first, last] by walking day by day: the obvious, slow way."""
    days = (first + timedelta(days=k) for k in range((last - first).days + 1))
    return [day for day in days if calendar.is_working_day(day)]


calendars = st.builds(
    WorkCalendar,
    st.frozensets(st.integers(1, 7), min_size=1),
    st.frozensets(st.dates(date(2025, 6, 1), date(2027, 6, 1)), max_size=40),
    st.dates(date(2025, 9, 1), date(2026, 9, 1)),
)


@settings(deadline=None)
@given(calendar=calendars)
def test_work_calendar_matches_day_by_day_walk(calendar: WorkCalendar) -> None:
    """Indexes agree with counting working days one by one, before and after the start."""
    window = naive_working_days(calendar, date(2024, 1, 1), date(2028, 12, 31))
    zero = next(k for k, day in enumerate(window) if day >= calendar.start)
    for position in range(0, len(window), 7):
        assert calendar.index_to_date(position - zero) == window[position]
        assert calendar.date_to_index(window[position]) == position - zero
    walked = date(2024, 6, 1)
    while walked < date(2028, 6, 1):
        next_working = next(day for day in window if day >= walked)
        assert calendar.date_to_index(walked) == window.index(next_working) - zero
        walked += timedelta(days=5)


# --- Roll-up ------------------------------------------------------------------------------------


def test_rollup_summaries_min_start_max_finish_weighted_progress() -> None:
    """Phase 1 holds 10, 11 and sub-phase 2 (holding 12): progress weighted by leaf duration."""
    leaves = [
        RollupInput(10, start=0, finish=4, duration=4, percent_complete=50.0),
        RollupInput(11, start=4, finish=6, duration=2, percent_complete=100.0),
        RollupInput(12, start=2, finish=8, duration=6, percent_complete=0.0),
    ]
    parent_of = {10: 1, 11: 1, 12: 2, 2: 1, 1: None}
    rolled = rollup_summaries(leaves, parent_of)
    # (4 * 50 + 2 * 100 + 6 * 0) / 12 = 33.33...
    assert rolled[1] == SummaryRollup(1, 0, 8, pytest.approx(400 / 12))
    assert rolled[2] == SummaryRollup(2, 2, 8, 0.0)


def test_rollup_summaries_milestones_only_take_plain_mean() -> None:
    """A summary of milestones only (no duration to weigh) averages their progress."""
    leaves = [RollupInput(10, 3, 3, 0, 100.0), RollupInput(11, 5, 5, 0, 0.0)]
    assert rollup_summaries(leaves, {10: 1, 11: 1})[1] == SummaryRollup(1, 3, 5, 50.0)


def test_rollup_summaries_parent_loop_is_a_cycle() -> None:
    """A WBS whose parents loop is refused."""
    with pytest.raises(CycleError):
        rollup_summaries([RollupInput(10, 0, 1, 1, 0.0)], {10: 1, 1: 2, 2: 1})


def test_rollup_totals_of_each_summarys_own_leaves_give_the_same_roll_up() -> None:
    """Totalled by their own summary first (as a GROUP BY gives them), the leaves of the worked
    example roll up to the same summaries; milestones alone still take their plain mean."""
    direct = {
        1: RollupTotals(start=0, finish=6, weighted=400.0, length=6, plain=150.0, count=2),
        2: RollupTotals(start=2, finish=8, weighted=0.0, length=6, plain=0.0, count=1),
        3: RollupTotals(start=3, finish=5, weighted=0.0, length=0, plain=100.0, count=2),
    }
    rolled = rollup_totals(direct, {2: 1, 1: None, 3: None})
    assert rolled[1] == SummaryRollup(1, 0, 8, pytest.approx(400 / 12))
    assert rolled[2] == SummaryRollup(2, 2, 8, 0.0)
    assert rolled[3] == SummaryRollup(3, 3, 5, 50.0)


# --- Array entry point --------------------------------------------------------------------------


def test_compute_schedule_arrays_uses_positions_and_missing() -> None:
    """The array form takes positions, link type codes and MISSING for absent values."""
    result = compute_schedule_arrays(
        np.array([3, 2]),
        np.array([0]),
        np.array([1]),
        np.array([LINK_TYPES.index("FS")]),
        np.array([1]),
        constraint=np.array([MISSING, 6]),
    )
    assert result.early_start.tolist() == [0, 6]
    # A may slip until B's late start minus FS+1: LS(A) = 6 - 1 - 3 = 2.
    assert result.total_float.tolist() == [2, 0]
    assert result.driving.tolist() == [False]
    assert result.finish == 8


def test_compute_schedule_arrays_cycle_reports_positions() -> None:
    """A cycle in array form is named by task positions."""
    with pytest.raises(CycleError) as caught:
        compute_schedule_arrays([1, 1, 1], [0, 1, 2], [1, 2, 1], [0, 0, 0], [0, 0, 0])
    assert caught.value.task_ids == [1, 2]


def test_compute_schedule_arrays_rejects_floats() -> None:
    """Durations are whole working days."""
    with pytest.raises(ValueError, match="whole working days"):
        compute_schedule_arrays([1.5], [], [], [], [])


# --- Random networks: properties and a reference implementation ---------------------------------


@dataclass(frozen=True)
class Network:
    tasks: list[TaskInput]
    links: list[LinkInput]
    must_finish_by: int | None = None


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    constraints: bool = False,
    deadlines: bool = False,
    actuals: bool = False,
) -> Network:
    """Schedule-shaped random networks: each task has 0-3 predecessors among earlier tasks.

    Ids are a shuffled range so that input order is not a topological order.
    """
    size = draw(st.integers(1, 18))
    ids = draw(st.permutations(range(100, 100 + size)))
    tasks = []
    for task_id in ids:
        duration = draw(st.integers(0, 6))
        started = draw(st.integers(-2, 12)) if actuals and draw(st.booleans()) else None
        finished = None
        if started is not None and draw(st.booleans()):
            finished = started + max(duration - 1, 0) + draw(st.integers(-1, 2))
            finished = max(finished, started)
        tasks.append(
            TaskInput(
                task_id,
                duration,
                constraint=draw(st.none() | st.integers(-2, 15)) if constraints else None,
                deadline=draw(st.none() | st.integers(0, 25)) if deadlines else None,
                actual_start=started,
                actual_finish=finished,
            )
        )
    links = []
    for position in range(1, size):
        predecessors = draw(st.lists(st.integers(0, position - 1), max_size=3, unique=True))
        for before in predecessors:
            links.append(
                LinkInput(
                    ids[before],
                    ids[position],
                    draw(st.sampled_from(LINK_TYPES)),
                    draw(st.integers(-3, 4)),
                )
            )
    must_finish_by = draw(st.none() | st.integers(0, 40)) if deadlines else None
    return Network(tasks, draw(st.permutations(links)), must_finish_by)


def holds(kind: str, lag: int, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Whether a link's DESIGN §4 inequality holds for (ES, EF) pairs."""
    (p_start, p_finish), (s_start, s_finish) = before, after
    return {
        "FS": s_start >= p_finish + lag,
        "SS": s_start >= p_start + lag,
        "FF": s_finish >= p_finish + lag,
        "SF": s_finish >= p_start + lag,
    }[kind]


@settings(deadline=None, max_examples=200)
@given(network=networks(constraints=True, actuals=True))
def test_compute_schedule_every_link_holds(network: Network) -> None:
    """Every link into an unstarted task holds, and no unstarted task starts before day 0."""
    result = compute_schedule(network.tasks, network.links)
    dates = {i: (t.early_start, t.early_finish) for i, t in result.tasks.items()}
    started = {t.id for t in network.tasks if t.actual_start is not None}
    for link in network.links:
        if link.successor not in started:
            assert holds(link.type, link.lag, dates[link.predecessor], dates[link.successor])
    for task in network.tasks:
        if task.id not in started:
            assert dates[task.id][0] >= max(0, task.constraint or 0)


@settings(deadline=None, max_examples=200)
@given(network=networks(constraints=True, actuals=True))
def test_compute_schedule_float_never_negative_without_deadlines(network: Network) -> None:
    """Without deadlines total and free float are >= 0 and free float <= total float."""
    result = compute_schedule(network.tasks, network.links)
    for task in result.tasks.values():
        assert 0 <= task.free_float <= task.total_float
        assert task.late_finish <= result.finish
        assert task.is_critical == (task.total_float == 0)


@settings(deadline=None, max_examples=200)
@given(network=networks())
def test_critical_paths_run_from_day_zero_to_finish(network: Network) -> None:
    """Each critical chain starts at ES 0, ends at the project finish, along driving links."""
    result = compute_schedule(network.tasks, network.links)
    chains = critical_paths(result, limit=20)
    assert chains
    driving = {(link.predecessor, link.successor) for link in result.driving_links}
    for chain in chains:
        assert result.tasks[chain[0]].early_start == 0
        assert result.tasks[chain[-1]].early_finish == result.finish
        assert all(result.tasks[task_id].is_critical for task_id in chain)
        assert all(pair in driving for pair in zip(chain, chain[1:], strict=False))
    assert {task_id for chain in chains for task_id in chain} <= set(result.critical_path)


@settings(deadline=None, max_examples=300)
@given(network=networks(constraints=True, deadlines=True, actuals=True))
def test_compute_schedule_matches_reference(network: Network) -> None:
    """The vectorised engine equals the plain reference implementation on random networks."""
    result = compute_schedule(network.tasks, network.links, must_finish_by=network.must_finish_by)
    expected = reference_schedule(network.tasks, network.links, network.must_finish_by)
    assert {task_id: row(result, task_id) for task_id in result.tasks} == expected
    order = {task_id: k for k, task_id in enumerate(result.critical_path)}
    for link in network.links:
        if link.predecessor in order and link.successor in order:
            assert order[link.predecessor] < order[link.successor]


def reference_schedule(
    tasks: list[TaskInput], links: list[LinkInput], must_finish_by: int | None
) -> dict[int, tuple[int, int, int, int, int, int, bool]]:
    """CPM straight from DESIGN §4, one task and one link at a time, with dicts."""
    by_id = {task.id: task for task in tasks}
    duration: dict[int, int] = {}
    fixed_start: dict[int, int] = {}
    for task in tasks:
        duration[task.id] = task.duration
        if task.actual_finish is not None and task.duration == 0:
            fixed_start[task.id] = task.actual_finish
        elif task.actual_start is not None:
            fixed_start[task.id] = task.actual_start
            if task.actual_finish is not None:
                duration[task.id] = task.actual_finish + 1 - task.actual_start
    # Links into a started task no longer constrain anything (progress override).
    live = [link for link in links if link.successor not in fixed_start]
    incoming: dict[int, list[LinkInput]] = {task.id: [] for task in tasks}
    outgoing: dict[int, list[LinkInput]] = {task.id: [] for task in tasks}
    for link in live:
        incoming[link.successor].append(link)
        outgoing[link.predecessor].append(link)

    # Topological order by repeatedly taking a task whose predecessors are all placed.
    order: list[int] = []
    placed: set[int] = set()
    every_pred = {
        task.id: {k.predecessor for k in links if k.successor == task.id} for task in tasks
    }
    while len(order) < len(tasks):
        ready = next(t.id for t in tasks if t.id not in placed and every_pred[t.id] <= placed)
        order.append(ready)
        placed.add(ready)

    es: dict[int, int] = {}
    ef: dict[int, int] = {}
    for task_id in order:
        if task_id in fixed_start:
            es[task_id] = fixed_start[task_id]
        else:
            bounds = [0, by_id[task_id].constraint or 0]
            for link in incoming[task_id]:
                p, lag, d = link.predecessor, link.lag, duration[task_id]
                bounds.append(
                    {
                        "FS": ef[p] + lag,
                        "SS": es[p] + lag,
                        "FF": ef[p] + lag - d,
                        "SF": es[p] + lag - d,
                    }[link.type]
                )
            es[task_id] = max(bounds)
        ef[task_id] = es[task_id] + duration[task_id]
    finish = max(ef.values())

    ls: dict[int, int] = {}
    lf: dict[int, int] = {}
    for task_id in reversed(order):
        d = duration[task_id]
        shows_last_day = 1 if d > 0 else 0  # a milestone is shown on its start day
        caps = [finish if must_finish_by is None else must_finish_by + shows_last_day]
        if by_id[task_id].deadline is not None:
            caps.append(by_id[task_id].deadline + shows_last_day)
        for link in outgoing[task_id]:
            s, lag = link.successor, link.lag
            caps.append(
                {
                    "FS": ls[s] - lag,
                    "SS": ls[s] - lag + d,
                    "FF": lf[s] - lag,
                    "SF": lf[s] - lag + d,
                }[link.type]
            )
        lf[task_id] = min(caps)
        ls[task_id] = lf[task_id] - d

    expected = {}
    for task_id in order:
        total = ls[task_id] - es[task_id]
        slacks = [
            {
                "FS": es[k.successor] - ef[task_id] - k.lag,
                "SS": es[k.successor] - es[task_id] - k.lag,
                "FF": ef[k.successor] - ef[task_id] - k.lag,
                "SF": ef[k.successor] - es[task_id] - k.lag,
            }[k.type]
            for k in outgoing[task_id]
        ]
        free = min(slacks) if slacks else finish - ef[task_id]
        expected[task_id] = (
            es[task_id],
            ef[task_id],
            ls[task_id],
            lf[task_id],
            total,
            min(free, total),
            total <= 0,
        )
    return expected
