"""Red, amber, green (DESIGN §4 "KPIs, health and reports"): where a figure turns amber and red.

The one rule for colouring a figure, on the ground floor so that every page that colours one
reads it: the health rating (``reports/health.py``) and the earned-value tiles
(``budgets/views/earned_value.py``) band SPI, CPI and the finish slip here, with the same
thresholds. A project's own thresholds come from ``projects.thresholds.thresholds_for``.

Pure: no Django, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

__all__ = [
    "Rag",
    "Thresholds",
    "band",
    "rate_cpi",
    "rate_slip",
    "rate_spi",
    "rate_target_chance",
    "rate_tcpi",
]


class Rag(IntEnum):
    """Ordered so that the worst rating is the largest."""

    GREEN = 0
    AMBER = 1
    RED = 2

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where green turns amber and amber turns red. Defaults are DESIGN's."""

    spi_green: Decimal = Decimal("0.95")
    spi_amber: Decimal = Decimal("0.85")
    cpi_green: Decimal = Decimal("0.95")
    cpi_amber: Decimal = Decimal("0.85")
    # Forecast finish later than the baseline (or the target) finish, in working days.
    slip_amber_days: int = 1
    slip_red_days: int = 10
    # TCPI: the efficiency the rest of the work needs to finish on budget. At or below 1 the
    # project need only keep its planned rate; up to 10 % above it is a stretch; beyond, red.
    tcpi_green: Decimal = Decimal("1.00")
    tcpi_amber: Decimal = Decimal("1.10")
    # The chance of finishing by the target finish (the share of the latest forecast's runs
    # that do) below which the schedule is not green: under half, the target is more likely
    # missed than met.
    target_chance_green: Decimal = Decimal("0.50")


def band(value: Decimal, green: Decimal, amber: Decimal) -> Rag:
    """Higher is better: at or above ``green`` is green, at or above ``amber`` amber."""
    if value >= green:
        return Rag.GREEN
    if value >= amber:
        return Rag.AMBER
    return Rag.RED


def rate_spi(spi: Decimal, limits: Thresholds) -> Rag:
    return band(spi, limits.spi_green, limits.spi_amber)


def rate_cpi(cpi: Decimal, limits: Thresholds) -> Rag:
    return band(cpi, limits.cpi_green, limits.cpi_amber)


def rate_tcpi(tcpi: Decimal, limits: Thresholds) -> Rag:
    """Lower is better: the efficiency still needed, against what is within reach."""
    if tcpi <= limits.tcpi_green:
        return Rag.GREEN
    if tcpi <= limits.tcpi_amber:
        return Rag.AMBER
    return Rag.RED


def rate_target_chance(chance: float, limits: Thresholds) -> Rag:
    """The chance (0-1) of meeting the target finish: below ``target_chance_green`` amber (a
    forecast is odds, not a measured slip: the slip itself rates red)."""
    return Rag.GREEN if Decimal(str(chance)) >= limits.target_chance_green else Rag.AMBER


def rate_slip(days: int, limits: Thresholds) -> Rag:
    """Working days late: from ``slip_amber_days`` amber, from ``slip_red_days`` red."""
    if days >= limits.slip_red_days:
        return Rag.RED
    if days >= limits.slip_amber_days:
        return Rag.AMBER
    return Rag.GREEN
