"""Earned value at a status date (DESIGN §4 "Earned value").

Pure: no Django, no clock. The selectors turn the database into the frozen dataclasses below.

Working days
------------
Tasks come with the index of their first working day (``start``) and their ``duration`` in
working days on the project calendar, as in ``scheduling/engine.py``: a task occupies the days
``[start, start + duration)``. The status date comes as ``status_index``: the index of the last
working day on or before it (``WorkCalendar.last_index_on_or_before``). So a task's planned
% complete is exactly "its working days on or before the status date / its working days":
``clamp(status_index + 1 − start, 0, duration) / duration``; a milestone (duration 0) is 0%
before its day and 100% from it (``status_index >= start``).

Rounding
--------
Every sum is exact (``fractions.Fraction``) and rounded once, at the end: money half away from
zero to cents (``Decimal``, 2 places), ratios (SPI, CPI, TCPI) half away from zero to 4 places
(``Decimal``). Money derived from ratios (EAC, ETC, VAC) is computed from the *exact* ratios and
rounded once, so EAC = BAC × AC / EV to the cent, never BAC / (CPI rounded). A ratio whose
denominator is zero is ``None`` (shown as "—"), never an error; so is money derived from it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "CostItem",
    "EarnedValue",
    "ProgressReport",
    "SeriesPoint",
    "TaskBudget",
    "compute",
    "planned_fraction",
    "rollup",
    "round_money",
    "round_ratio",
    "series",
    "spread_budget",
    "week_ends",
]

Number = Fraction | Decimal | int


@dataclass(frozen=True, slots=True)
class TaskBudget:
    """A task as earned value measures it: its budget (planned cost in the performance
    baseline, or now when there is none), where it sits in working days, how far it is."""

    id: int
    budget: Decimal
    start: int
    duration: int
    percent_complete: Decimal | int = 0
    work_package_id: int | None = None

    @property
    def is_milestone(self) -> bool:
        return self.duration == 0


@dataclass(frozen=True, slots=True)
class CostItem:
    """Actual cost on a day (an invoice, a credit as a negative amount, hours × rate)."""

    date: datetime.date
    amount: Decimal
    work_package_id: int | None = None


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """A task's reported % complete from a day on (its progress history)."""

    task_id: int
    date: datetime.date
    percent_complete: Decimal | int


@dataclass(frozen=True, slots=True)
class EarnedValue:
    """The DESIGN §5 ``/evm/`` fields, plus EAC by the three common methods side by side:
    ``eac_cpi`` = BAC / CPI (the default ``eac``: the cost efficiency so far continues),
    ``eac_budget_rate`` = AC + (BAC − EV) (the rest goes as budgeted),
    ``eac_cpi_spi`` = AC + (BAC − EV) / (CPI × SPI) (cost and schedule both weigh on the rest).

    TCPI is the efficiency the remaining work needs: ``tcpi`` = (BAC − EV) / (BAC − AC) to
    finish on budget, ``tcpi_eac`` = (BAC − EV) / (EAC − AC) to finish at the estimate. Once AC
    reaches BAC no budget is left to divide by (a negative "efficiency" means nothing), so
    ``tcpi`` is None and ``tcpi_note`` says why; likewise ``tcpi_eac`` with ``tcpi_eac_note``
    when there is no EAC or nothing left to spend against it.
    """

    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    tcpi: Decimal | None
    eac_cpi: Decimal | None
    eac_budget_rate: Decimal
    eac_cpi_spi: Decimal | None
    percent_complete: Decimal | None = field(default=None)
    percent_spent: Decimal | None = field(default=None)
    tcpi_eac: Decimal | None = field(default=None)
    tcpi_note: str = field(default="")
    tcpi_eac_note: str = field(default="")

    def as_dict(self) -> dict[str, Decimal | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One week of the S-curve: cumulative PV, EV and AC at ``date``. EV and AC are ``None``
    after the status date (they are not known yet); PV runs on to the planned finish."""

    date: datetime.date
    pv: Decimal
    ev: Decimal | None
    ac: Decimal | None


# --- rounding -------------------------------------------------------------------------------------


def _round_half_away(value: Fraction, places: int) -> Decimal:
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    units = int(abs(scaled) + Fraction(1, 2))  # floor(|x| + ½): half away from zero
    return Decimal(sign * units).scaleb(-places)


def round_money(value: Number) -> Decimal:
    """Half away from zero to cents: 2.345 → 2.35, −2.345 → −2.35."""
    return _round_half_away(Fraction(value), 2)


def round_ratio(value: Number) -> Decimal:
    """Half away from zero to 4 places: 0.83335 → 0.8334."""
    return _round_half_away(Fraction(value), 4)


def _divide(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return None if denominator == 0 else numerator / denominator


# --- the measures ---------------------------------------------------------------------------------


def planned_fraction(task: TaskBudget, status_index: int) -> Fraction:
    """Share of the task's working days on or before the status day (0 to 1)."""
    if task.is_milestone:
        return Fraction(1) if status_index >= task.start else Fraction(0)
    done = min(max(status_index + 1 - task.start, 0), task.duration)
    return Fraction(done, task.duration)


def _pv(tasks: Iterable[TaskBudget], status_index: int) -> Fraction:
    return sum((Fraction(t.budget) * planned_fraction(t, status_index) for t in tasks), Fraction(0))


def _ev(tasks: Iterable[TaskBudget], percent: Mapping[int, Number] | None = None) -> Fraction:
    total = Fraction(0)
    for t in tasks:
        pct = t.percent_complete if percent is None else percent.get(t.id, 0)
        total += Fraction(t.budget) * Fraction(pct) / 100
    return total


def _ac(costs: Iterable[CostItem], status_date: datetime.date) -> Fraction:
    return sum((Fraction(c.amount) for c in costs if c.date <= status_date), Fraction(0))


def _measures(bac: Fraction, pv: Fraction, ev: Fraction, ac: Fraction) -> EarnedValue:
    spi = _divide(ev, pv)
    cpi = _divide(ev, ac)
    eac_cpi = None if cpi is None else _divide(bac, cpi)
    eac_budget_rate = ac + bac - ev
    efficiency = None if cpi is None or spi is None else cpi * spi
    eac_cpi_spi = None if efficiency is None or efficiency == 0 else ac + (bac - ev) / efficiency
    tcpi, tcpi_note = _tcpi(bac, ev, ac)
    tcpi_eac, tcpi_eac_note = _tcpi_eac(bac, ev, ac, eac_cpi)

    def money(value: Fraction | None) -> Decimal | None:
        return None if value is None else round_money(value)

    def ratio(value: Fraction | None) -> Decimal | None:
        return None if value is None else round_ratio(value)

    return EarnedValue(
        bac=round_money(bac),
        pv=round_money(pv),
        ev=round_money(ev),
        ac=round_money(ac),
        sv=round_money(ev - pv),
        cv=round_money(ev - ac),
        spi=ratio(spi),
        cpi=ratio(cpi),
        eac=money(eac_cpi),
        etc=money(None if eac_cpi is None else eac_cpi - ac),
        vac=money(None if eac_cpi is None else bac - eac_cpi),
        tcpi=ratio(tcpi),
        eac_cpi=money(eac_cpi),
        eac_budget_rate=round_money(eac_budget_rate),
        eac_cpi_spi=money(eac_cpi_spi),
        percent_complete=ratio(_divide(ev * 100, bac)),
        percent_spent=ratio(_divide(ac * 100, bac)),
        tcpi_eac=ratio(tcpi_eac),
        tcpi_note=tcpi_note,
        tcpi_eac_note=tcpi_eac_note,
    )


def _tcpi(bac: Fraction, ev: Fraction, ac: Fraction) -> tuple[Fraction | None, str]:
    """TCPI against BAC, or None and why when no budget is left to divide by."""
    if ac > bac:
        return None, "The actual cost is above the budget: no budget is left to finish on."
    if ac == bac:
        return None, "The budget is exactly spent: no money is left for the remaining work."
    return (bac - ev) / (bac - ac), ""


def _tcpi_eac(
    bac: Fraction, ev: Fraction, ac: Fraction, eac: Fraction | None
) -> tuple[Fraction | None, str]:
    """TCPI against EAC, or None and why when there is no estimate to finish at."""
    if eac is None:
        return None, "No EAC yet: it needs a CPI, so money must have been spent on earned work."
    if ev >= bac:
        return None, "All the work is earned: nothing is left to finish."
    if eac <= ac:
        return None, "The estimate at completion is already spent: nothing is left to finish on."
    return (bac - ev) / (eac - ac), ""


def compute(
    tasks: Sequence[TaskBudget],
    costs: Iterable[CostItem],
    *,
    status_date: datetime.date,
    status_index: int,
    bac: Decimal | None = None,
) -> EarnedValue:
    """Earned value of ``tasks`` at the status date.

    BAC is Σ task budgets unless given (the selectors pass the approved budget only when the
    tasks carry no cost, after spreading it over them with :func:`spread_budget`).
    """
    total = (
        Fraction(bac) if bac is not None else sum((Fraction(t.budget) for t in tasks), Fraction(0))
    )
    return _measures(total, _pv(tasks, status_index), _ev(tasks), _ac(costs, status_date))


def rollup(
    tasks: Sequence[TaskBudget],
    costs: Iterable[CostItem],
    parents: Mapping[int, int | None],
    *,
    status_date: datetime.date,
    status_index: int,
) -> dict[int, EarnedValue]:
    """Earned value per WBS work package, each counting the tasks and costs under it at any
    depth (``parents``: work package id → parent id). Packages with nothing under them are
    absent; tasks and costs without a work package count only in the project total."""

    def ancestors(package: int | None) -> list[int]:
        chain, seen = [], set()
        while package is not None and package not in seen:
            seen.add(package)
            chain.append(package)
            package = parents.get(package)
        return chain

    task_groups: dict[int, list[TaskBudget]] = {}
    for task in tasks:
        for package in ancestors(task.work_package_id):
            task_groups.setdefault(package, []).append(task)
    cost_groups: dict[int, list[CostItem]] = {}
    for cost in costs:
        for package in ancestors(cost.work_package_id):
            cost_groups.setdefault(package, []).append(cost)
    return {
        package: compute(
            task_groups.get(package, []),
            cost_groups.get(package, []),
            status_date=status_date,
            status_index=status_index,
        )
        for package in sorted(set(task_groups) | set(cost_groups))
    }


def spread_budget(tasks: Sequence[TaskBudget], total: Decimal) -> list[TaskBudget]:
    """Give tasks that carry no cost a share of ``total`` in proportion to their working days,
    so PV and EV can be measured against budget lines; the shares add up to ``total`` to the
    cent (largest remainder). Milestones get nothing; with no working days, nothing changes."""
    weight = sum(t.duration for t in tasks)
    if weight == 0 or total <= 0:
        return list(tasks)
    cents = int(total * 100)
    exact = [Fraction(cents * t.duration, weight) for t in tasks]
    shares = [int(x) for x in exact]
    leftover = cents - sum(shares)
    by_remainder = sorted(range(len(tasks)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return [
        TaskBudget(
            id=t.id,
            budget=Decimal(share).scaleb(-2),
            start=t.start,
            duration=t.duration,
            percent_complete=t.percent_complete,
            work_package_id=t.work_package_id,
        )
        for t, share in zip(tasks, shares, strict=True)
    ]


# --- the S-curve ----------------------------------------------------------------------------------


def week_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every Sunday from the week of ``first`` through the week of ``last``."""
    day = first + datetime.timedelta(days=6 - first.weekday())
    result = []
    while True:
        result.append(day)
        if day >= last:
            return result
        day += datetime.timedelta(days=7)


def series(
    tasks: Sequence[TaskBudget],
    costs: Sequence[CostItem],
    *,
    points: Sequence[tuple[datetime.date, int]],
    status_date: datetime.date,
    progress: Sequence[ProgressReport] = (),
) -> list[SeriesPoint]:
    """Cumulative PV, EV and AC at each point (date, index of the last working day on or
    before it), in order, for the S-curve.

    EV at a past point comes from the progress history: each task's latest reported % on or
    before that day (0 before its first report). At the status date itself EV is the tasks'
    current % complete, the same number :func:`compute` gives; later points have no EV or AC.
    """
    reports = sorted(progress, key=lambda r: (r.date, r.task_id))
    budgets = {t.id: Fraction(t.budget) for t in tasks}
    ordered_costs = sorted(costs, key=lambda c: c.date)
    latest: dict[int, Fraction] = {}
    ev_so_far = Fraction(0)
    ac_so_far = Fraction(0)
    r = c = 0
    result = []
    for day, index in sorted(points):
        pv = round_money(_pv(tasks, index))
        if day > status_date:
            result.append(SeriesPoint(date=day, pv=pv, ev=None, ac=None))
            continue
        while r < len(reports) and reports[r].date <= day:
            report = reports[r]
            if report.task_id in budgets:
                new = Fraction(report.percent_complete)
                ev_so_far += budgets[report.task_id] * (new - latest.get(report.task_id, 0)) / 100
                latest[report.task_id] = new
            r += 1
        while c < len(ordered_costs) and ordered_costs[c].date <= day:
            ac_so_far += Fraction(ordered_costs[c].amount)
            c += 1
        ev = _ev(tasks) if day == status_date else ev_so_far
        result.append(SeriesPoint(date=day, pv=pv, ev=round_money(ev), ac=round_money(ac_so_far)))
    return result
