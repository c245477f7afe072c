"""Project health (DESIGN §4 "KPIs, health and reports"): a RAG rating per dimension — schedule,
cost, scope, risk — and overall (the worst), each with a sentence that says why.

Pure: no Django, no clock. The KPI snapshot task feeds it plain numbers; the bands and the
thresholds (the project's settings, with the DESIGN defaults) are ``projects.rag``'s, which the
earned-value page colours its tiles with too.

Schedule is the worst of: SPI; the forecast finish against the target finish and against the
baseline (working days of slip); missed milestones; and the chance of meeting the target — the
share of the latest Monte Carlo forecast's runs that finish by the target finish. Under
``target_chance_green`` (default 0.50: the target is more likely missed than met) it is amber,
so such a project is never green on schedule; it is odds, not a measured slip, so on its own it
never makes the schedule red (the slip does).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from projects.money import money
from projects.rag import Rag, Thresholds, rate_cpi, rate_slip, rate_spi, rate_target_chance
from risks.simulation import chance_percent

__all__ = [
    "Dimension",
    "Health",
    "HealthInput",
    "Rag",
    "Rating",
    "Thresholds",
    "assess",
]


class Dimension:
    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    RISK = "risk"
    ALL = ("schedule", "cost", "scope", "risk")


@dataclass(frozen=True, slots=True)
class HealthInput:
    """The numbers health is judged on (None where unknown, e.g. no baseline yet)."""

    spi: Decimal | None = None
    cpi: Decimal | None = None
    finish_slip_days: int | None = None
    # The forecast finish against the project's target finish: working days late (> 0) or
    # early (< 0), with both dates for the sentence.
    forecast_finish: datetime.date | None = None
    target_finish: datetime.date | None = None
    target_slip_days: int | None = None
    # The share (0-1) of the latest forecast's runs that finish by the target finish.
    p_target_finish: float | None = None
    milestones_missed: int = 0
    open_risks_by_level: Mapping[str, int] = field(default_factory=dict)
    overdue_deliverables: int = 0
    rejected_deliverables: int = 0
    pending_change_requests: int = 0
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Rating:
    rag: Rag
    reason: str


@dataclass(frozen=True, slots=True)
class Health:
    overall: Rating
    dimensions: dict[str, Rating]


def _fmt(value: Decimal, places: str = "0.01") -> str:
    """Round half up, as people do by hand (Decimal's own format rounds half to even)."""
    return str(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _schedule(data: HealthInput, limits: Thresholds) -> Rating:
    ratings: list[Rating] = []
    if data.spi is not None:
        rag = rate_spi(data.spi, limits)
        ratings.append(
            Rating(
                rag,
                f"SPI {_fmt(data.spi)}: the project has earned {_fmt(data.spi * 100, '1')}% of "
                "the work planned by now.",
            )
        )
    if data.target_slip_days is not None and data.target_finish is not None:
        ratings.append(_target(data, limits))
    if data.p_target_finish is not None and data.target_finish is not None:
        ratings.append(_target_chance(data.p_target_finish, data.target_finish, limits))
    if data.finish_slip_days is not None:
        slip = data.finish_slip_days
        rag = rate_slip(slip, limits)
        if slip > 0:
            text = f"The forecast finish is {_plural(slip, 'working day')} after the baseline."
        elif slip < 0:
            text = f"The forecast finish is {_plural(-slip, 'working day')} before the baseline."
        else:
            text = "The forecast finish matches the baseline."
        ratings.append(Rating(rag, text))
    if data.milestones_missed:
        ratings.append(Rating(Rag.AMBER, f"{_plural(data.milestones_missed, 'milestone')} missed."))
    if not ratings:
        return Rating(Rag.GREEN, "No baseline or progress to judge the schedule against yet.")
    worst = max(r.rag for r in ratings)
    # Lead with what drives the rating, then the rest for context.
    ordered = sorted(ratings, key=lambda r: -r.rag)
    return Rating(worst, " ".join(r.reason for r in ordered))


def _day(day: datetime.date | None) -> str:
    return f"{day:%-d %b %Y}" if day else "—"


def _target(data: HealthInput, limits: Thresholds) -> Rating:
    """The forecast finish against the target finish the project promised."""
    slip = data.target_slip_days or 0
    forecast, target = _day(data.forecast_finish), _day(data.target_finish)
    if slip > 0:
        text = (
            f"Forecast finish {forecast} is {_plural(slip, 'working day')} after the target "
            f"finish {target}."
        )
    elif slip < 0:
        text = (
            f"Forecast finish {forecast} is {_plural(-slip, 'working day')} before the target "
            f"finish {target}."
        )
    else:
        text = f"Forecast finish {forecast} is on the target finish."
    return Rating(rate_slip(slip, limits), text)


def _target_chance(chance: float, target: datetime.date, limits: Thresholds) -> Rating:
    """The odds of the target finish: amber below ``target_chance_green`` of the runs."""
    rag = rate_target_chance(chance, limits)
    runs = f"{chance_percent(chance)} % of the forecast's runs finish by the target {_day(target)}"
    if rag == Rag.GREEN:
        return Rating(rag, f"{runs}.")
    threshold = chance_percent(float(limits.target_chance_green))
    return Rating(rag, f"Only {runs}, under the {threshold} % the project holds to.")


def _cost(data: HealthInput, limits: Thresholds) -> Rating:
    if data.cpi is None:
        return Rating(Rag.GREEN, "No actual cost recorded yet, so there is no CPI.")
    rag = rate_cpi(data.cpi, limits)
    # A ratio read in the currency: two places whatever the currency's own (¥0.80, not ¥1).
    one, earned = money(1, data.currency, places=0), money(data.cpi, data.currency, places=2)
    return Rating(rag, f"CPI {_fmt(data.cpi)}: every {one} spent earns {earned} of planned work.")


def _scope(data: HealthInput) -> Rating:
    if data.overdue_deliverables:
        return Rating(
            Rag.RED,
            f"{_plural(data.overdue_deliverables, 'deliverable')} past due and not accepted.",
        )
    problems = []
    if data.rejected_deliverables:
        problems.append(f"{_plural(data.rejected_deliverables, 'deliverable')} rejected")
    if data.pending_change_requests:
        problems.append(
            f"{_plural(data.pending_change_requests, 'change request')} awaiting a decision"
        )
    if problems:
        return Rating(Rag.AMBER, "; ".join(problems).capitalize() + ".")
    return Rating(Rag.GREEN, "Deliverables on time and no change waiting for a decision.")


def _risk(data: HealthInput) -> Rating:
    critical = data.open_risks_by_level.get("critical", 0)
    high = data.open_risks_by_level.get("high", 0)
    if critical:
        return Rating(Rag.RED, f"{_plural(critical, 'critical risk')} open.")
    if high:
        return Rating(Rag.AMBER, f"{_plural(high, 'high risk')} open, none critical.")
    return Rating(Rag.GREEN, "No high or critical risk open.")


def assess(data: HealthInput, limits: Thresholds | None = None) -> Health:
    """Rate each dimension and the whole project; overall is the worst dimension."""
    limits = limits or Thresholds()
    dimensions = {
        Dimension.SCHEDULE: _schedule(data, limits),
        Dimension.COST: _cost(data, limits),
        Dimension.SCOPE: _scope(data),
        Dimension.RISK: _risk(data),
    }
    worst_name, worst = max(dimensions.items(), key=lambda item: item[1].rag)
    if worst.rag == Rag.GREEN:
        overall = Rating(Rag.GREEN, "Schedule, cost, scope and risk are all green.")
    else:
        overall = Rating(worst.rag, f"{worst_name.capitalize()}: {worst.reason}")
    return Health(overall=overall, dimensions=dimensions)
