"""``allocation.across_projects`` alone (no database): a person's hours summed over projects per
ISO week and per day, with the projects the reader cannot see kept as a sum."""

import datetime
from decimal import Decimal

from budgets.allocation import ProjectDay, across_projects

D = datetime.date
M = Decimal
MONDAY = D(2026, 1, 5)
WEEK = [MONDAY + datetime.timedelta(days=d) for d in range(5)]


def _days(person, project, hours, task, dates=WEEK):
    return [ProjectDay(person, project, day, M(hours), (task,)) for day in dates]


def test_across_projects_flags_a_day_no_project_is_over_on_its_own():
    """8 h on A and 4 h on B each day of a 40-hour week: 60 of 40 h, five days over."""
    grid, over = across_projects(
        _days("u1", 1, "8", 10) + _days("u1", 2, "4", 20),
        people=["u1"],
        capacity={"u1": M("8")},
        working={"u1": frozenset(WEEK)},
        weeks=[MONDAY],
        visible=frozenset({1, 2}),
    )
    (cell,) = grid["u1"]
    assert (cell.booked, cell.elsewhere, cell.capacity, cell.ratio) == (
        M("60"),
        M("0"),
        M("40"),
        M("1.50"),
    )
    assert [o.date for o in over] == WEEK
    assert over[0].across and over[0].projects == ((1, M("8"), (10,)), (2, M("4"), (20,)))


def test_across_projects_hides_what_the_reader_cannot_see():
    """Project 2 is not visible: its hours are elsewhere, and no over day names it."""
    grid, over = across_projects(
        _days("u1", 1, "8", 10) + _days("u1", 2, "4", 20),
        people=["u1"],
        capacity={"u1": M("8")},
        working={"u1": frozenset(WEEK)},
        weeks=[MONDAY],
        visible=frozenset({1}),
    )
    assert (grid["u1"][0].booked, grid["u1"][0].elsewhere) == (M("40"), M("20"))
    assert {o.projects for o in over} == {((1, M("8"), (10,)),)}
    assert {o.elsewhere for o in over} == {M("4")}


def test_across_projects_a_day_off_has_no_capacity():
    """Off on Wednesday: 32 h of capacity, and 4 h booked that day is over (of 0)."""
    wednesday = WEEK[2]
    grid, over = across_projects(
        _days("u1", 1, "4", 10),
        people=["u1"],
        capacity={"u1": M("8")},
        working={"u1": frozenset(WEEK) - {wednesday}},
        weeks=[MONDAY, MONDAY + datetime.timedelta(weeks=1)],
        visible=frozenset({1}),
    )
    assert [c.capacity for c in grid["u1"]] == [M("32"), M("0")]
    assert grid["u1"][1].ratio is None
    assert [(o.date, o.capacity, o.across) for o in over] == [(wednesday, M("0"), False)]


def test_across_projects_ignores_days_outside_the_weeks_and_other_people():
    grid, over = across_projects(
        _days("u1", 1, "12", 10, [MONDAY - datetime.timedelta(days=7)]) + _days("u9", 1, "12", 10),
        people=["u1"],
        capacity={"u1": M("8")},
        working={"u1": frozenset(WEEK)},
        weeks=[MONDAY],
        visible=frozenset({1}),
    )
    assert grid["u1"][0].total == 0 and over == []
