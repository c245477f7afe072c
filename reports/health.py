"""Project health (DESIGN §4 "KPIs, health and reports"): a RAG rating per dimension — schedule,
cost, scope, risk — and overall (the worst), each with a sentence that says why.

Pure: no Django, no clock. The KPI snapshot task feeds it plain numbers; the thresholds are the
project's settings, with the DESIGN defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum

__all__ = [
    "Dimension",
    "Health",
    "HealthInput",
    "Rag",
    "Rating",
    "Thresholds",
    "assess",
    "currency_symbol",
]


class Rag(IntEnum):
    """Ordered so that the worst rating is the largest."""

    GREEN = 0
    AMBER = 1
    RED = 2

    @property
    def label(self) -> str:
        return self.name.capitalize()


class Dimension:
    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    RISK = "risk"
    ALL = ("schedule", "cost", "scope", "risk")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where green turns amber and amber turns red. Defaults are DESIGN's."""

    spi_green: Decimal = Decimal("0.95")
    spi_amber: Decimal = Decimal("0.85")
    cpi_green: Decimal = Decimal("0.95")
    cpi_amber: Decimal = Decimal("0.85")
    # Forecast finish later than the baseline finish, in working days.
    slip_amber_days: int = 1
    slip_red_days: int = 10


@dataclass(frozen=True, slots=True)
class HealthInput:
    """The numbers health is judged on (None where unknown, e.g. no baseline yet)."""

    spi: Decimal | None = None
    cpi: Decimal | None = None
    finish_slip_days: int | None = None
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


_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "INR": "₹", "CHF": "CHF "}


def currency_symbol(code: str) -> str:
    """The symbol people write before an amount (the code and a space where there is none)."""
    return _SYMBOLS.get(code, f"{code} ")


def _fmt(value: Decimal, places: str = "0.01") -> str:
    """Round half up, as people do by hand (Decimal's own format rounds half to even)."""
    return str(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _band(value: Decimal, green: Decimal, amber: Decimal) -> Rag:
    if value >= green:
        return Rag.GREEN
    if value >= amber:
        return Rag.AMBER
    return Rag.RED


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _schedule(data: HealthInput, limits: Thresholds) -> Rating:
    ratings: list[Rating] = []
    if data.spi is not None:
        rag = _band(data.spi, limits.spi_green, limits.spi_amber)
        ratings.append(
            Rating(
                rag,
                f"SPI {_fmt(data.spi)}: the project has earned {_fmt(data.spi * 100, '1')}% of "
                "the work planned by now.",
            )
        )
    if data.finish_slip_days is not None:
        slip = data.finish_slip_days
        if slip >= limits.slip_red_days:
            rag = Rag.RED
        elif slip >= limits.slip_amber_days:
            rag = Rag.AMBER
        else:
            rag = Rag.GREEN
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


def _cost(data: HealthInput, limits: Thresholds) -> Rating:
    if data.cpi is None:
        return Rating(Rag.GREEN, "No actual cost recorded yet, so there is no CPI.")
    symbol = currency_symbol(data.currency)
    rag = _band(data.cpi, limits.cpi_green, limits.cpi_amber)
    return Rating(
        rag,
        f"CPI {_fmt(data.cpi)}: every {symbol}1 spent earns {symbol}{_fmt(data.cpi)} of planned "
        "work.",
    )


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
