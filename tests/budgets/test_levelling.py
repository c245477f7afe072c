"""Resource levelling: the pure method (``budgets.levelling``) on worked examples a PM can
check on a whiteboard, then preview, apply and undo through the database.

Day indexes: day 0 is the project's first working day. Ana works 8 hours a day.
"""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets import allocation, levelling, selectors, services
from budgets.levelling import Demand
from scheduling import services as schedule_services
from scheduling.engine import LinkInput, TaskInput, compute_schedule
from scheduling.models import Baseline, Task
from scheduling.workdays import WorkCalendar

D = datetime.date
M = Decimal
ANA, BEN = 1, 2
EIGHT = M("8.00")


def full_time(*task_ids: int, resource: int = ANA, hours: str = "8") -> list[Demand]:
    return [Demand(resource_id=resource, task_id=t, hours_per_day=M(hours)) for t in task_ids]


def starts(plan: levelling.Plan) -> dict[int, tuple[int, int]]:
    return {move.task_id: (move.from_start, move.to_start) for move in plan.moves}


# --- the method -----------------------------------------------------------------------------------


@pytest.fixture
def two_compete():
    """Critical chain A (5 d) → C (5 d), finish day 10, nobody booked on it; N1 (2 d, float 8)
    and N2 (3 d, float 7), unlinked, both need Ana full-time from day 0."""
    tasks = [TaskInput(10, 5), TaskInput(11, 5), TaskInput(21, 2), TaskInput(22, 3)]
    links = [LinkInput(10, 11)]
    return tasks, links, full_time(21, 22)


def test_level_delays_the_follower_not_the_task_it_follows():
    """A (4 d) → SS → B (4 d), both Ana full-time: delaying A would drag B along and the clash
    with it, so B waits for A (starts day 4) and the finish moves from day 4 to day 8."""
    tasks = [TaskInput(1, 4), TaskInput(2, 4)]
    links = [LinkInput(1, 2, "SS")]
    plan = levelling.level(
        tasks, links, full_time(1, 2), capacity={ANA: EIGHT}, allow_past_float=True
    )
    assert starts(plan) == {2: (0, 4)}
    assert (plan.finish_before, plan.finish_after, plan.remaining) == (4, 8, ())
    assert plan.complete


def test_level_never_returns_more_conflicts_than_it_found():
    """Within float, a move that only shifts a clash onto days it cannot clear is not kept."""
    # N (2 d, float 2) clashes with X on days 0-1; moving it within float puts it on Y's days.
    tasks = [TaskInput(1, 4), TaskInput(2, 2), TaskInput(3, 2), TaskInput(4, 2, constraint=2)]
    links = [LinkInput(2, 1, "SS")]
    plan = levelling.level(tasks, links, full_time(2, 3, 4), capacity={ANA: EIGHT})
    assert len(plan.remaining) <= plan.conflicts_before


def test_level_delays_the_task_with_more_float_within_its_float(two_compete):
    """N1 has more float than N2, so N2 keeps its days and N1 starts on day 3, after N2; the
    conflict on days 0-1 is gone and the finish (day 10) does not move."""
    tasks, links, demands = two_compete
    plan = levelling.level(tasks, links, demands, capacity={ANA: EIGHT})
    assert plan.conflicts_before == 2
    assert starts(plan) == {21: (0, 3)}
    (move,) = plan.moves
    assert (move.levelled, move.past_float, move.constraint, move.resource_id) == (
        True,
        False,
        3,
        ANA,
    )
    assert plan.remaining == ()
    assert (plan.finish_before, plan.finish_after) == (10, 10)


def test_level_priority_comes_before_float(two_compete):
    """Give N1 a higher priority: now N2 (less float, lower priority) waits for N1."""
    tasks, links, demands = two_compete
    plan = levelling.level(tasks, links, demands, capacity={ANA: EIGHT}, priority={21: 600})
    assert starts(plan) == {22: (0, 2)}
    assert plan.remaining == ()


def test_level_ties_go_to_the_lower_id():
    """Equal priority and float: the task with the higher id moves."""
    tasks = [TaskInput(5, 2), TaskInput(6, 2), TaskInput(7, 6)]
    plan = levelling.level(tasks, [], full_time(5, 6), capacity={ANA: EIGHT})
    assert starts(plan) == {6: (0, 2)}


def test_level_successors_follow_the_delayed_task(two_compete):
    """N1 → milestone S (FS): delaying N1 by 3 days moves S by 3 days too, as a follower."""
    tasks, links, demands = two_compete
    tasks = [*tasks, TaskInput(30, 0)]
    plan = levelling.level(tasks, [*links, LinkInput(21, 30)], demands, capacity={ANA: EIGHT})
    assert starts(plan) == {21: (0, 3), 30: (2, 5)}
    follower = next(move for move in plan.moves if move.task_id == 30)
    assert (follower.levelled, follower.constraint) == (False, None)


def test_level_critical_tasks_do_not_move_and_the_conflict_is_reported():
    """X and Y are both critical (float 0) and both need Ana: nothing may move within float, so
    the plan has no moves and reports the five over-allocated days."""
    tasks = [TaskInput(1, 5), TaskInput(2, 5)]
    plan = levelling.level(tasks, [], full_time(1, 2), capacity={ANA: EIGHT})
    assert plan.moves == ()
    assert [(c.day, c.booked, c.task_ids) for c in plan.remaining] == [
        (day, M("16"), (1, 2)) for day in range(5)
    ]
    assert plan.finish_after == plan.finish_before == 5


def test_level_past_float_moves_critical_work_and_the_finish():
    """Allowed past float, Y (the higher id) runs after X: days 5-9, and the finish moves to 10."""
    tasks = [TaskInput(1, 5), TaskInput(2, 5)]
    plan = levelling.level(tasks, [], full_time(1, 2), capacity={ANA: EIGHT}, allow_past_float=True)
    assert starts(plan) == {2: (0, 5)}
    assert plan.moves[0].past_float
    assert plan.remaining == ()
    assert (plan.finish_before, plan.finish_after) == (5, 10)


def test_level_moves_work_off_a_day_off():
    """Ana is off on day 2; T (2 d, lots of float) booked on days 1-2 moves to days 3-4."""
    tasks = [TaskInput(1, 10), TaskInput(2, 2, constraint=1)]
    plan = levelling.level(
        tasks, [], full_time(2), capacity={ANA: EIGHT}, days_off={ANA: frozenset({2})}
    )
    assert starts(plan) == {2: (1, 3)}
    assert plan.remaining == ()


def test_level_half_time_bookings_share_a_day():
    """Two half-time bookings fit Ana's day: nothing to do."""
    tasks = [TaskInput(1, 3), TaskInput(2, 3)]
    plan = levelling.level(tasks, [], full_time(1, 2, hours="4"), capacity={ANA: EIGHT})
    assert (plan.conflicts_before, plan.moves, plan.remaining) == (0, (), ())


def test_level_leaves_alone_what_no_move_can_fix():
    """A booking of 12 h on an 8 h day, or on a started task, is reported, never moved."""
    tasks = [TaskInput(1, 2), TaskInput(2, 8), TaskInput(3, 3, actual_start=0), TaskInput(4, 8)]
    demands = [*full_time(1, hours="12"), *full_time(3, 4, resource=BEN)]
    plan = levelling.level(
        tasks, [], demands, capacity={ANA: EIGHT, BEN: EIGHT}, allow_past_float=True
    )
    # Ben's conflict is solved by moving task 4 (not started) after the started task 3.
    assert starts(plan) == {4: (0, 3)}
    assert {(c.resource_id, c.day) for c in plan.remaining} == {(ANA, 0), (ANA, 1)}


def test_level_keeps_every_link_type_consistent():
    """The plan's moves are what the engine gives with its constraints, and every link (FS, SS,
    FF, SF, with lags and a lead) still holds after levelling."""
    tasks = [TaskInput(i, 2 + i % 3) for i in range(1, 13)]
    links = [
        LinkInput(1, 2, "FS"),
        LinkInput(2, 3, "SS", 1),
        LinkInput(3, 4, "FF", 0),
        LinkInput(5, 6, "SF", 2),
        LinkInput(7, 8, "FS", -1),
    ]
    demands = full_time(*range(1, 13, 2)) + full_time(*range(2, 13, 2), resource=BEN)
    plan = levelling.level(
        tasks, links, demands, capacity={ANA: EIGHT, BEN: EIGHT}, allow_past_float=True
    )
    assert plan.remaining == ()
    held = {move.task_id: move.constraint for move in plan.levelled}
    again = compute_schedule(
        [replace(t, constraint=held.get(t.id, t.constraint)) for t in tasks], links
    )
    moved = {move.task_id: move.to_start for move in plan.moves}
    for t in tasks:
        assert again.tasks[t.id].early_start == moved.get(t.id, again.tasks[t.id].early_start)
    es = {pk: r.early_start for pk, r in again.tasks.items()}
    ef = {pk: r.early_finish for pk, r in again.tasks.items()}
    for link in links:
        p, s, lag = link.predecessor, link.successor, link.lag
        holds = {
            "FS": es[s] >= ef[p] + lag,
            "SS": es[s] >= es[p] + lag,
            "FF": ef[s] >= ef[p] + lag,
            "SF": ef[s] >= es[p] + lag,
        }
        assert holds[link.type], link


# --- preview, apply and undo through the database -------------------------------------------------


@pytest.fixture
def office(db, project, manager):
    """Through the services: critical Build (5 d) → Launch (1 d); Docs (2 d) and Tests (3 d)
    beside it, both on Ana full-time from Monday 5 Jan 2026."""
    make = schedule_services.task_create
    build = make(project=project, by=manager, name="Build", duration=5)
    launch = make(project=project, by=manager, name="Launch", duration=1)
    docs = make(project=project, by=manager, name="Docs", duration=2)
    tests = make(project=project, by=manager, name="Tests", duration=3)
    schedule_services.dependency_add(
        project=project, by=manager, predecessor=build, successor=launch
    )
    ana = services.resource_create(project=project, by=manager, name="Ana", rate="50")
    for task in (docs, tests):
        services.assignment_add(task=task, resource=ana, by=manager)
    return {"build": build, "launch": launch, "docs": docs, "tests": tests, "ana": ana}


def test_levelling_preview_names_moves_and_writes_nothing(project, office):
    """The preview moves Docs (more float) to Thursday 8 Jan, says why, and saves nothing."""
    before = list(Task.objects.order_by("pk").values_list("constraint_date", "start_date"))
    result = services.levelling_preview(project=project)
    (move,) = result.moves
    assert (move.task_name, move.from_start, move.to_start, move.delay) == (
        "Docs",
        D(2026, 1, 5),
        D(2026, 1, 8),
        3,
    )
    assert (
        move.reason
        == "Delayed to clear Ana's over-allocation on Wed 07 Jan 2026, within its float."
    )
    assert (result.finish_before, result.finish_after, result.remaining) == (
        D(2026, 1, 12),
        D(2026, 1, 12),
        [],
    )
    assert list(Task.objects.order_by("pk").values_list("constraint_date", "start_date")) == before
    assert not Baseline.objects.filter(project=project).exists()


def test_levelling_preview_keeps_the_higher_priority_task_in_place(project, manager, office):
    """Docs has more float but priority 700 over Tests' 500: Tests waits for Docs and starts
    on Wednesday 7 Jan, while Docs keeps Monday 5 Jan."""
    schedule_services.task_update(task=office["docs"], by=manager, version=None, priority=700)
    result = services.levelling_preview(project=project)
    (move,) = result.moves
    assert (move.task_name, move.from_start, move.to_start, move.delay) == (
        "Tests",
        D(2026, 1, 5),
        D(2026, 1, 7),
        2,
    )
    assert result.remaining == []
    assert result.finish_after == result.finish_before


def test_levelling_apply_takes_a_baseline_first_and_clears_the_conflict(project, manager, office):
    """Apply: a "Before levelling" baseline with the old dates, Docs held to Thursday, the
    over-allocation gone, and the history says who levelled and why."""
    assert selectors.conflicts_of(project)
    result = services.levelling_apply(project=project, by=manager)
    baseline = result.baseline
    assert baseline.name.startswith("Before levelling ")
    assert baseline.tasks.get(task=office["docs"]).start_date == D(2026, 1, 5)
    docs = Task.objects.get(pk=office["docs"].pk)
    assert (docs.constraint_date, docs.start_date, docs.version) == (
        D(2026, 1, 8),
        D(2026, 1, 8),
        office["docs"].version + 1,
    )
    assert selectors.conflicts_of(project) == []
    record = docs.history.first()
    assert (record.history_user, record.history_change_reason) == (
        manager,
        f"Levelling (baseline {baseline.pk})",
    )


def test_levelling_apply_is_undone_through_its_baseline(project, manager, office):
    """Undo gives every task back its constraint, so the dates equal the baseline's again."""
    baseline = services.levelling_apply(project=project, by=manager).baseline
    assert services.levelling_undo(project=project, by=manager, baseline=baseline) == 1
    frozen = dict(baseline.tasks.values_list("task_id", "start_date"))
    assert dict(Task.objects.filter(project=project).values_list("id", "start_date")) == frozen
    assert Task.objects.get(pk=office["docs"].pk).constraint_date is None
    with pytest.raises(ValidationError, match="already been undone"):
        services.levelling_undo(project=project, by=manager, baseline=baseline)


def test_levelling_apply_with_nothing_to_do_refuses_and_takes_no_baseline(project, manager):
    """No over-allocation: a clear message, no baseline."""
    schedule_services.task_create(project=project, by=manager, name="Alone", duration=2)
    with pytest.raises(ValidationError, match="Nothing to level"):
        services.levelling_apply(project=project, by=manager)
    assert not Baseline.objects.filter(project=project).exists()


# --- across projects (dates, project priority, fixed load) ----------------------------------------

MON_FRI = frozenset({1, 2, 3, 4, 5})
AISHA = 7


def calendar(*holidays: datetime.date) -> WorkCalendar:
    """Monday to Friday from Monday 5 Jan 2026 (index 0), with ``holidays``."""
    return WorkCalendar(MON_FRI, frozenset(holidays), D(2026, 1, 5))


def cloud(priority: int = 600, **kwargs) -> levelling.ProjectNetwork:
    """CLOUD: Migrate (5 d), Aisha full-time, nothing else: critical."""
    return levelling.ProjectNetwork(1, calendar(), [TaskInput(11, 5)], priority=priority, **kwargs)


def soc2(*holidays: datetime.date, priority: int = 500) -> levelling.ProjectNetwork:
    """SOC2: Evidence (15 d, nobody booked) makes the finish; Policies (5 d, Aisha full-time,
    float 8) → Review (2 d)."""
    return levelling.ProjectNetwork(
        2,
        calendar(*holidays),
        [TaskInput(20, 15), TaskInput(21, 5), TaskInput(22, 2)],
        [LinkInput(21, 22)],
        priority=priority,
    )


AISHA_ON_BOTH = [Demand(AISHA, 11, EIGHT), Demand(AISHA, 21, EIGHT)]


def moves_of(plan: levelling.PortfolioPlan) -> dict[int, dict[int, tuple[int, int]]]:
    return {
        part.project_id: {m.task_id: (m.from_start, m.to_start) for m in part.moves}
        for part in plan.projects
    }


def test_level_across_the_higher_priority_project_keeps_the_week():
    """Aisha (8 h) is booked full-time on CLOUD (600) and SOC2 (500) the week of 5 Jan: CLOUD
    keeps it; SOC2's Policies moves by exactly the overlap (5 working days, to Mon 12 Jan) and
    its successor Review follows; neither finish moves (Policies had 8 days of float)."""
    plan = levelling.level_across([cloud(), soc2()], AISHA_ON_BOTH, capacity={AISHA: EIGHT})
    assert plan.conflicts_before == 5
    assert moves_of(plan) == {1: {}, 2: {21: (0, 5), 22: (5, 10)}}
    policies = plan.projects[1].moves[0]
    assert (policies.levelled, policies.constraint, policies.resource_id) == (True, 5, AISHA)
    assert [(p.finish_before, p.finish_after) for p in plan.projects] == [(5, 5), (15, 15)]
    assert plan.remaining == ()


def test_level_across_priority_swapped_moves_the_other_project_past_float_only():
    """CLOUD at 400: within float its critical Migrate cannot move, so it holds the week
    whatever its rank and SOC2's Policies still waits; past float SOC2 (now higher) keeps the
    week, Migrate waits 5 days and CLOUD's finish moves by 5."""
    within = levelling.level_across(
        [cloud(priority=400), soc2()], AISHA_ON_BOTH, capacity={AISHA: EIGHT}
    )
    assert moves_of(within) == {1: {}, 2: {21: (0, 5), 22: (5, 10)}}
    past = levelling.level_across(
        [cloud(priority=400), soc2()], AISHA_ON_BOTH, capacity={AISHA: EIGHT}, allow_past_float=True
    )
    assert moves_of(past) == {1: {11: (0, 5)}, 2: {}}
    assert past.projects[0].moves[0].past_float
    assert (past.projects[0].finish_before, past.projects[0].finish_after) == (5, 10)
    assert past.remaining == ()


def test_level_across_works_in_dates_when_calendars_differ():
    """SOC2 does not work Wed 7 Jan (a holiday there, not in CLOUD): Policies then runs Mon,
    Tue, Thu, Fri and Mon 12, clashing with Migrate on four dates; it moves by those four
    working days of SOC2's calendar to Mon 12 Jan (index 4), and Review follows."""
    plan = levelling.level_across(
        [cloud(), soc2(D(2026, 1, 7))], AISHA_ON_BOTH, capacity={AISHA: EIGHT}
    )
    assert plan.conflicts_before == 4
    assert moves_of(plan) == {1: {}, 2: {21: (0, 4), 22: (5, 9)}}
    assert plan.remaining == ()


def test_level_across_fixed_load_counts_and_never_moves():
    """CLOUD is fixed (Aisha's week there is booked in a project the user does not manage):
    its hours count, so Policies still moves to Mon 12 Jan; CLOUD has no plan of its own."""
    fixed = levelling.FixedProject(1, calendar(), [allocation.Booking(AISHA, 11, 0, 5, EIGHT)])
    plan = levelling.level_across(
        [soc2(priority=1)], [Demand(AISHA, 21, EIGHT)], capacity={AISHA: EIGHT}, fixed=[fixed]
    )
    assert moves_of(plan) == {2: {21: (0, 5), 22: (5, 10)}}
    # Booked elsewhere on the day of a SOC2 task that cannot move: reported, nothing moves.
    plan = levelling.level_across(
        [soc2()],
        [Demand(AISHA, 20, EIGHT)],
        capacity={AISHA: EIGHT},
        fixed=[fixed],
    )
    assert moves_of(plan) == {2: {}}
    assert [(c.date, c.projects) for c in plan.remaining][:1] == [
        (D(2026, 1, 5), ((1, M("8"), (11,)), (2, M("8"), (20,))))
    ]


def test_level_across_ignores_over_allocation_only_elsewhere():
    """Two fixed projects over-book Aisha on a day no levelled task touches: not our
    conflict, nothing reported."""
    fixed = [
        levelling.FixedProject(k, calendar(), [allocation.Booking(AISHA, 90 + k, 0, 1, EIGHT)])
        for k in (8, 9)
    ]
    plan = levelling.level_across(
        [soc2()], [Demand(AISHA, 22, EIGHT)], capacity={AISHA: EIGHT}, fixed=fixed
    )
    assert (plan.conflicts_before, plan.remaining) == (0, ())


def test_level_across_one_project_gives_the_single_project_plan():
    """With one project and no fixed load, levelling across projects moves what level() moves."""
    tasks = [TaskInput(10, 5), TaskInput(11, 5), TaskInput(21, 2), TaskInput(22, 3)]
    links = [LinkInput(10, 11)]
    demands = full_time(21, 22)
    single = levelling.level(tasks, links, demands, capacity={ANA: EIGHT})
    across = levelling.level_across(
        [levelling.ProjectNetwork(1, calendar(), tasks, links)], demands, capacity={ANA: EIGHT}
    )
    assert across.projects[0].moves == single.moves
    assert (across.conflicts_before, len(across.remaining)) == (
        single.conflicts_before,
        len(single.remaining),
    )


def test_levelling_starts_from_the_plan_external_predecessors_hold(project, manager, office):
    """Docs waits for another project's task (its external start is Mon 12 Jan): levelling
    reads that bound as the recompute does, so Docs no longer clashes with Tests and nothing
    moves (without it, Docs would be planned from Mon 5 Jan again)."""
    Task.objects.filter(pk=office["docs"].pk).update(external_start=D(2026, 1, 12))
    schedule_services.schedule_recompute(project)
    assert Task.objects.get(pk=office["docs"].pk).start_date == D(2026, 1, 12)
    result = services.levelling_preview(project=project)
    assert (result.moves, result.conflicts_before) == ([], 0)


def test_a_placeholder_of_two_heads_takes_two_tasks_at_once(db, manager):
    """ "Backend developer ×2" at 100 % on two parallel 5-day tasks: 16 h a day of 16, nothing
    to level (one head would have to do them one after the other)."""
    from budgets import services as budget_services
    from budgets.services.levelling import levelling_preview
    from scheduling import services as schedule_services
    from tests.factories import project_with

    project = project_with(manager=manager)
    first = schedule_services.task_create(project=project, by=manager, name="API", duration=5)
    second = schedule_services.task_create(project=project, by=manager, name="Jobs", duration=5)
    pair = budget_services.resource_create(
        project=project, by=manager, name="Backend developer", is_placeholder=True, headcount=2
    )
    for task in (first, second):
        budget_services.assignment_add(task=task, resource=pair, by=manager, units=100)
    assert levelling_preview(project=project, allow_past_float=True).moves == []
    budget_services.resource_update(resource=pair, by=manager, version=None, headcount=1)
    one_head = levelling_preview(project=project, allow_past_float=True)
    assert [move.task_name for move in one_head.moves] == ["Jobs"]
