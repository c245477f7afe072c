"""Earned value, pure (DESIGN §4 "Earned value"): worked examples a PM can check by hand.

The calendar is Monday to Friday from Monday 5 Jan 2026: index 0 is Mon 5 Jan, 4 is Fri 9 Jan,
5 is Mon 12 Jan, 7 is Wed 14 Jan, 15 is Mon 26 Jan.

The worked example, at Wednesday 14 January (index 7):

==========  ========  =====  ======  ===============================  ======  ======
task        budget    start  days    planned % at 14 Jan               PV      EV
==========  ========  =====  ======  ===============================  ======  ======
A           1000.00   0      5       5 of 5 days = 100%               1000    1000 (100%)
B           2000.00   5      10      Mon 12–Wed 14 = 3 of 10 = 30%     600     800 (40%)
M (miles.)   300.00   15     0       before its day: 0%               0       0
==========  ========  =====  ======  ===============================  ======  ======

BAC 3300, PV 1600, EV 1800; AC = 700 (5 Jan) + 900 (12 Jan) + 250 (14 Jan) = 1850 (the 999 on
15 Jan is after the status date). SV = 200, CV = −50, SPI = 1800/1600 = 1.125,
CPI = 1800/1850 = 0.97297…, EAC = 3300 × 1850 / 1800 = 3391.67, ETC = 1541.67, VAC = −91.67,
TCPI = 1500/1450 = 1.03448…, TCPI against EAC = 1500/(3391.67 − 1850) = 0.97297… (the CPI,
as it must be when EAC = BAC / CPI), EAC (budget rate) = 1850 + 1500 = 3350,
EAC (CPI × SPI) = 1850 + 1500 × 1850 × 1600 / 1800² = 3220.37.
"""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from budgets.evm import (
    CostItem,
    ProgressReport,
    TaskBudget,
    compute,
    planned_fraction,
    rollup,
    round_money,
    round_ratio,
    series,
    spread_budget,
    week_ends,
)

D = datetime.date
M = Decimal

A = TaskBudget(
    id=1, budget=M("1000.00"), start=0, duration=5, percent_complete=100, work_package_id=10
)
B = TaskBudget(
    id=2, budget=M("2000.00"), start=5, duration=10, percent_complete=40, work_package_id=11
)
MILESTONE = TaskBudget(id=3, budget=M("300.00"), start=15, duration=0, percent_complete=0)
TASKS = [A, B, MILESTONE]
COSTS = [
    CostItem(D(2026, 1, 5), M("700.00"), work_package_id=10),
    CostItem(D(2026, 1, 12), M("900.00"), work_package_id=11),
    CostItem(D(2026, 1, 14), M("250.00"), work_package_id=11),
    CostItem(D(2026, 1, 15), M("999.00"), work_package_id=11),
]
STATUS = D(2026, 1, 14)


def test_compute_worked_example_matches_the_hand_calculation():
    """Every DESIGN §5 field of the worked example, to the cent and to 4 places."""
    result = compute(TASKS, COSTS, status_date=STATUS, status_index=7)
    assert result.as_dict() == {
        "bac": M("3300.00"),
        "pv": M("1600.00"),
        "ev": M("1800.00"),
        "ac": M("1850.00"),
        "sv": M("200.00"),
        "cv": M("-50.00"),
        "spi": M("1.1250"),
        "cpi": M("0.9730"),
        "eac": M("3391.67"),
        "etc": M("1541.67"),
        "vac": M("-91.67"),
        "tcpi": M("1.0345"),
        "eac_cpi": M("3391.67"),
        "eac_budget_rate": M("3350.00"),
        "eac_cpi_spi": M("3220.37"),
        "percent_complete": M("54.5455"),
        "percent_spent": M("56.0606"),
        "tcpi_eac": M("0.9730"),
        "tcpi_note": "",
        "tcpi_eac_note": "",
    }


@pytest.mark.parametrize(
    ("status_index", "fraction"),
    [
        (-1, Fraction(0)),  # the day before the task: nothing planned yet
        (4, Fraction(0)),  # Fri 9 Jan, the last day before B starts
        (5, Fraction(1, 10)),  # its first day counts: 1 of 10
        (7, Fraction(3, 10)),  # Wed 14 Jan
        (14, Fraction(1)),  # its last day
        (40, Fraction(1)),  # long after: never more than 100%
    ],
)
def test_planned_fraction_counts_working_days_on_or_before_the_status_date(status_index, fraction):
    """PV of a task at a status date before, inside and after it."""
    assert planned_fraction(B, status_index) == fraction


@pytest.mark.parametrize(("status_index", "fraction"), [(14, 0), (15, 1), (16, 1)])
def test_planned_fraction_of_a_milestone_is_0_before_its_day_and_100_from_it(
    status_index, fraction
):
    """A milestone is 0% planned the day before its date and 100% on it."""
    assert planned_fraction(MILESTONE, status_index) == fraction


def test_compute_pv_before_during_and_after_the_plan():
    """PV is 0 before anything starts, and the BAC once everything (milestone too) is due."""
    before = compute(TASKS, COSTS, status_date=D(2026, 1, 2), status_index=-1)
    assert (before.pv, before.ac) == (M("0.00"), M("0.00"))
    assert compute(TASKS, [], status_date=D(2026, 1, 23), status_index=14).pv == M("3000.00")
    assert compute(TASKS, [], status_date=D(2026, 1, 26), status_index=15).pv == M("3300.00")


def test_compute_ac_counts_costs_on_the_status_date_and_before_and_credits_subtract():
    """AC includes the status date itself, excludes later costs, and a credit lowers it."""
    credit = CostItem(D(2026, 1, 13), M("-100.00"))
    result = compute(TASKS, [*COSTS, credit], status_date=STATUS, status_index=7)
    assert result.ac == M("1750.00")


def test_compute_zero_denominators_are_none_never_an_error():
    """Nothing planned, earned or spent: SPI, CPI, EAC and what follows from them are None."""
    unstarted = [
        TaskBudget(id=t.id, budget=t.budget, start=t.start, duration=t.duration) for t in TASKS
    ]
    result = compute(unstarted, [], status_date=D(2026, 1, 2), status_index=-1)
    assert (result.spi, result.cpi, result.eac, result.etc, result.vac) == (None,) * 5
    assert result.eac_cpi_spi is None
    assert result.eac_budget_rate == M("3300.00")
    assert result.tcpi == M("1.0000")  # (3300 − 0) / (3300 − 0)


def test_compute_zero_earned_with_cost_makes_cpi_zero_and_eac_none():
    """Money spent, nothing earned: CPI is 0, so BAC / CPI has no answer (None)."""
    idle = [TaskBudget(id=1, budget=M("500.00"), start=0, duration=5)]
    result = compute(
        idle, [CostItem(D(2026, 1, 5), M("100.00"))], status_date=STATUS, status_index=7
    )
    assert result.cpi == M("0.0000")
    assert (result.eac, result.eac_cpi_spi, result.etc, result.vac) == (None, None, None, None)
    assert result.eac_budget_rate == M("600.00")


def test_compute_tcpi_is_none_when_the_budget_is_spent():
    """TCPI = (BAC − EV) / (BAC − AC): with AC = BAC there is no budget left to divide by."""
    result = compute(
        [A], [CostItem(D(2026, 1, 5), M("1000.00"))], status_date=STATUS, status_index=7
    )
    assert result.tcpi is None


def test_compute_tcpi_over_budget_is_none_with_the_reason_and_tcpi_against_eac_instead():
    """AC 4000 above BAC 3300: (3300 − 1800) / (3300 − 4000) = −2.14 would mean nothing, so
    TCPI is None and says why; against EAC = 3300 / (1800 / 4000) = 7333.33 the rest needs
    1500 / (7333.33 − 4000) = 0.45 (the CPI so far)."""
    result = compute(
        TASKS, [CostItem(D(2026, 1, 5), M("4000.00"))], status_date=STATUS, status_index=7
    )
    assert (result.bac, result.ev, result.ac) == (M("3300.00"), M("1800.00"), M("4000.00"))
    assert result.tcpi is None
    assert result.tcpi_note.startswith("The actual cost is above the budget")
    assert result.eac == M("7333.33")
    assert result.tcpi_eac == M("0.4500")
    assert result.tcpi_eac_note == ""


def test_compute_tcpi_against_eac_is_none_without_a_cpi():
    """Nothing spent: no CPI, so no EAC to finish at, and the note says so."""
    result = compute(TASKS, [], status_date=STATUS, status_index=7)
    assert result.tcpi == M("0.4545")  # (3300 − 1800) / (3300 − 0)
    assert result.tcpi_eac is None
    assert result.tcpi_eac_note.startswith("No EAC yet")


def test_compute_tcpi_against_eac_is_none_once_all_work_is_earned():
    """Every task done (EV = BAC) and more spent than budgeted: no work left to need an
    efficiency for, against the budget or the estimate."""
    done = [A, TaskBudget(id=2, budget=M("2000.00"), start=5, duration=10, percent_complete=100)]
    result = compute(
        done, [CostItem(D(2026, 1, 5), M("3500.00"))], status_date=STATUS, status_index=7
    )
    assert (result.tcpi, result.tcpi_eac) == (None, None)
    assert result.tcpi_eac_note == "All the work is earned: nothing is left to finish."


def test_compute_no_tasks_and_no_costs_is_all_zero_or_none():
    """An empty project measures as zeros and Nones, not an error."""
    result = compute([], [], status_date=STATUS, status_index=7)
    assert (result.bac, result.pv, result.ev, result.ac) == (M("0.00"),) * 4
    assert (result.spi, result.cpi, result.tcpi, result.percent_complete) == (None,) * 4


def test_compute_rounds_once_at_the_end():
    """Three thirds of 100.00 make 100.00, not 99.99: sums are exact, rounded once."""
    thirds = [TaskBudget(id=i, budget=M("100.00"), start=0, duration=3) for i in range(3)]
    assert compute(thirds, [], status_date=STATUS, status_index=0).pv == M("100.00")


@pytest.mark.parametrize(
    ("value", "money", "ratio"),
    [
        (M("2.345"), M("2.35"), M("2.3450")),
        (M("-2.345"), M("-2.35"), M("-2.3450")),
        (Fraction(1, 3), M("0.33"), M("0.3333")),
        (Fraction(2, 3), M("0.67"), M("0.6667")),
        (M("0.00005"), M("0.00"), M("0.0001")),
    ],
)
def test_rounding_is_half_away_from_zero(value, money, ratio):
    """Money to cents and ratios to 4 places, halves away from zero."""
    assert round_money(value) == money
    assert round_ratio(value) == ratio


def test_spread_budget_by_working_days_adds_up_to_the_cent():
    """100.00 over three 1-day tasks is 33.34 + 33.33 + 33.33; milestones get nothing."""
    tasks = [TaskBudget(id=i, budget=M("0"), start=i, duration=1) for i in range(3)]
    tasks.append(TaskBudget(id=9, budget=M("0"), start=3, duration=0))
    spread = spread_budget(tasks, M("100.00"))
    assert [t.budget for t in spread] == [M("33.34"), M("33.33"), M("33.33"), M("0.00")]


def test_rollup_per_work_package_counts_tasks_and_costs_at_any_depth():
    """Package 11 holds B; package 10 (its parent) holds A and B; the milestone is in neither."""
    result = rollup(TASKS, COSTS, {10: None, 11: 10}, status_date=STATUS, status_index=7)
    assert (result[11].bac, result[11].pv, result[11].ev, result[11].ac) == (
        M("2000.00"),
        M("600.00"),
        M("800.00"),
        M("1150.00"),
    )
    assert (result[10].bac, result[10].pv, result[10].ev, result[10].ac) == (
        M("3000.00"),
        M("1600.00"),
        M("1800.00"),
        M("1850.00"),
    )


def test_week_ends_are_the_sundays_covering_the_span():
    """Mon 5 Jan to Wed 21 Jan 2026: Sundays 11, 18 and 25 Jan."""
    assert week_ends(D(2026, 1, 5), D(2026, 1, 21)) == [
        D(2026, 1, 11),
        D(2026, 1, 18),
        D(2026, 1, 25),
    ]


def test_series_ev_follows_reported_progress_and_stops_at_the_status_date():
    """EV of past weeks is the progress reported by then; after the status date only PV."""
    reports = [
        ProgressReport(task_id=1, date=D(2026, 1, 5), percent_complete=0),
        ProgressReport(task_id=1, date=D(2026, 1, 9), percent_complete=60),
        ProgressReport(task_id=1, date=D(2026, 1, 12), percent_complete=100),
        ProgressReport(task_id=2, date=D(2026, 1, 13), percent_complete=40),
    ]
    points = [(D(2026, 1, 11), 4), (STATUS, 7), (D(2026, 1, 18), 9), (D(2026, 1, 25), 14)]
    result = series(TASKS, COSTS, points=points, status_date=STATUS, progress=reports)
    assert [(p.pv, p.ev, p.ac) for p in result] == [
        (M("1000.00"), M("600.00"), M("700.00")),  # A reported 60% by Sunday 11 Jan
        (M("1600.00"), M("1800.00"), M("1850.00")),  # the status date: as compute() says
        (M("2000.00"), None, None),
        (M("3000.00"), None, None),
    ]
