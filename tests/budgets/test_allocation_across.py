"""``allocation.across_projects`` alone (no database): a person's hours summed over projects per
week and per day, with the projects the reader cannot see kept as a sum."""

from decimal import Decimal

import numpy as np

from budgets.allocation import Booking, across_projects

M = Decimal
WEEKDAYS = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]  # two Mon–Fri weeks, as window days


def _working(days=WEEKDAYS, people=1):
    mask = np.zeros((people, 14), dtype=bool)
    mask[:, days] = True
    return mask


def _run(bookings, *, working=None, visible=frozenset({1, 2}), capacity="8"):
    """Resource 11 of person 0 on project 1, resource 12 of person 0 on project 2; both projects
    Mon–Fri with index 0 on the first Monday."""
    grid, over, total = across_projects(
        bookings,
        person_of={11: 0, 12: 0},
        project_of={11: 1, 12: 2},
        day_offsets={1: (0, WEEKDAYS), 2: (0, WEEKDAYS)},
        capacity=[M(capacity)],
        working=_working() if working is None else working,
        visible=visible,
    )
    assert total == len(over)
    return grid, over


def test_across_projects_flags_a_day_no_project_is_over_on_its_own():
    """8 h on A and 4 h on B each day of a 40-hour week: 60 of 40 h, five days over."""
    grid, over = _run([Booking(11, 100, 0, 5, M("8")), Booking(12, 200, 0, 5, M("4"))])
    first = grid[0][0]
    assert (first.booked, first.elsewhere, first.capacity, first.ratio) == (
        M("60"),
        M("0"),
        M("40"),
        M("1.50"),
    )
    assert grid[0][1].total == 0
    assert [o.date for o in over] == [0, 1, 2, 3, 4]
    assert over[0].across
    assert over[0].projects == ((1, M("8"), (100,)), (2, M("4"), (200,)))


def test_across_projects_hides_what_the_reader_cannot_see():
    """Project 2 is not visible: its hours are elsewhere, and no over day names it."""
    grid, over = _run(
        [Booking(11, 100, 0, 5, M("8")), Booking(12, 200, 0, 5, M("4"))],
        visible=frozenset({1}),
    )
    assert (grid[0][0].booked, grid[0][0].elsewhere) == (M("40"), M("20"))
    assert {o.projects for o in over} == {((1, M("8"), (100,)),)}
    assert {o.elsewhere for o in over} == {M("4")}


def test_across_projects_a_day_off_has_no_capacity():
    """Off on the first Wednesday: 32 h of capacity, and 4 h booked that day is over (of 0)."""
    working = _working([d for d in WEEKDAYS if d != 2])
    grid, over = _run([Booking(11, 100, 0, 5, M("4"))], working=working)
    assert [c.capacity for c in grid[0]] == [M("32"), M("40")]
    assert [(o.date, o.capacity, o.across) for o in over] == [(2, M("0"), False)]


def test_across_projects_one_project_over_alone_is_not_across():
    """10 h a day on one project (units 125 %) is over, but not only across projects; a task
    spanning the weekend books only working days."""
    grid, over = _run([Booking(11, 100, 3, 4, M("10"))])
    assert [c.booked for c in grid[0]] == [M("20"), M("20")]
    assert [o.date for o in over] == [3, 4, 7, 8]
    assert not any(o.across for o in over)


def test_across_projects_no_capacity_week_has_no_ratio():
    grid, _ = _run([], working=_working([]))
    assert grid[0][0].ratio is None
