"""Health ratings against hand-checked cases (DESIGN §4 defaults)."""

import datetime
from decimal import Decimal

import pytest

from reports.health import HealthInput, Rag, Thresholds, assess

D = Decimal


@pytest.mark.parametrize(
    ("spi", "rag"),
    [
        ("1.10", Rag.GREEN),
        ("0.95", Rag.GREEN),
        ("0.9499", Rag.AMBER),
        ("0.85", Rag.AMBER),
        ("0.8499", Rag.RED),
        ("0.10", Rag.RED),
    ],
)
def test_assess_schedule_bands_spi_at_the_design_thresholds(spi, rag):
    """SPI >= 0.95 is green, >= 0.85 amber, below that red."""
    assert assess(HealthInput(spi=D(spi))).dimensions["schedule"].rag == rag


@pytest.mark.parametrize(
    ("cpi", "rag"), [("0.95", Rag.GREEN), ("0.90", Rag.AMBER), ("0.82", Rag.RED)]
)
def test_assess_cost_bands_cpi_and_explains_it_in_money(cpi, rag):
    """CPI gets the same bands, and the sentence says what a unit of spend earns."""
    rating = assess(HealthInput(cpi=D(cpi), currency="GBP")).dimensions["cost"]
    assert rating.rag == rag
    assert rating.reason == f"CPI {cpi}: every £1 spent earns £{cpi} of planned work."


def test_assess_any_open_critical_risk_makes_risk_red():
    """One open critical risk is red whatever else is open; high risks alone are amber."""
    assert (
        assess(HealthInput(open_risks_by_level={"critical": 1})).dimensions["risk"].rag == Rag.RED
    )
    amber = assess(HealthInput(open_risks_by_level={"high": 2, "low": 5})).dimensions["risk"]
    assert (amber.rag, amber.reason) == (Rag.AMBER, "2 high risks open, none critical.")


def test_assess_overall_is_the_worst_dimension_with_its_reason():
    """Overall takes the worst dimension and names it."""
    health = assess(
        HealthInput(spi=D("0.97"), cpi=D("0.80"), open_risks_by_level={"high": 1}, currency="EUR")
    )
    assert health.overall.rag == Rag.RED
    assert health.overall.reason == "Cost: CPI 0.80: every €1 spent earns €0.80 of planned work."


def test_assess_all_green_says_so():
    """A healthy project is green overall with a plain sentence."""
    health = assess(HealthInput(spi=D("1"), cpi=D("1.05"), finish_slip_days=0))
    assert health.overall.rag == Rag.GREEN
    assert {r.rag for r in health.dimensions.values()} == {Rag.GREEN}


def test_assess_schedule_slip_beyond_the_threshold_is_red_even_with_good_spi():
    """A forecast 12 working days behind the baseline is red, leading the sentence."""
    rating = assess(HealthInput(spi=D("0.99"), finish_slip_days=12)).dimensions["schedule"]
    assert rating.rag == Rag.RED
    assert rating.reason.startswith("The forecast finish is 12 working days after the baseline.")


def test_assess_scope_overdue_deliverables_are_red_pending_changes_amber():
    """Late deliverables make scope red; pending changes or rejections make it amber."""
    assert assess(HealthInput(overdue_deliverables=1)).dimensions["scope"].rag == Rag.RED
    amber = assess(HealthInput(pending_change_requests=2, rejected_deliverables=1))
    assert amber.dimensions["scope"].reason == (
        "1 deliverable rejected; 2 change requests awaiting a decision."
    )


def test_assess_unknown_ratios_are_not_judged():
    """Without progress or actuals there is nothing to rate: green with an explanation."""
    health = assess(HealthInput())
    assert health.dimensions["cost"].reason.startswith("No actual cost recorded yet")
    assert health.dimensions["schedule"].reason.startswith("No baseline or progress")


def test_assess_uses_the_projects_thresholds():
    """A stricter project (green only from 1.00) rates SPI 0.97 amber."""
    strict = Thresholds(spi_green=D("1.00"), spi_amber=D("0.90"))
    assert assess(HealthInput(spi=D("0.97")), strict).dimensions["schedule"].rag == Rag.AMBER


def test_assess_schedule_forecast_after_the_target_is_red_even_on_baseline():
    """PORTAL: forecast 22 Jun 2027 on its baseline but 61 working days after the target
    finish 26 Mar 2027: the target verdict (red) sets the rating and leads the sentence."""
    rating = assess(
        HealthInput(
            spi=D("0.97"),
            finish_slip_days=0,
            forecast_finish=datetime.date(2027, 6, 22),
            target_finish=datetime.date(2027, 3, 26),
            target_slip_days=61,
        )
    ).dimensions["schedule"]
    assert rating.rag == Rag.RED
    assert rating.reason.startswith(
        "Forecast finish 22 Jun 2027 is 61 working days after the target finish 26 Mar 2027."
    )


def test_assess_schedule_baseline_slip_worse_than_the_target_leads():
    """Ahead of the target but 12 working days behind the baseline: the baseline verdict (red)
    leads; the target verdict (green) follows for context."""
    rating = assess(
        HealthInput(
            finish_slip_days=12,
            forecast_finish=datetime.date(2027, 6, 22),
            target_finish=datetime.date(2027, 6, 29),
            target_slip_days=-5,
        )
    ).dimensions["schedule"]
    assert rating.rag == Rag.RED
    assert rating.reason == (
        "The forecast finish is 12 working days after the baseline. Forecast finish 22 Jun 2027 "
        "is 5 working days before the target finish 29 Jun 2027."
    )


@pytest.mark.parametrize(("slip", "rag"), [(0, Rag.GREEN), (1, Rag.AMBER), (10, Rag.RED)])
def test_assess_schedule_target_slip_uses_the_slip_thresholds(slip, rag):
    """The target slip gets the same bands as the baseline slip (1 day amber, 10 red)."""
    rating = assess(
        HealthInput(
            forecast_finish=datetime.date(2027, 6, 22),
            target_finish=datetime.date(2027, 6, 22),
            target_slip_days=slip,
        )
    ).dimensions["schedule"]
    assert rating.rag == rag


# --- the chance of meeting the target ------------------------------------------------------------

TARGET = datetime.date(2027, 3, 12)


@pytest.mark.parametrize(
    ("chance", "rag"),
    [(1.0, Rag.GREEN), (0.63, Rag.GREEN), (0.5, Rag.GREEN), (0.4999, Rag.AMBER), (0.0, Rag.AMBER)],
)
def test_assess_schedule_is_not_green_when_the_target_is_met_in_under_half_the_runs(chance, rag):
    """On time by every other measure (SPI 1, on the target), a project whose forecast meets
    the target in under 50 % of its runs is amber on schedule; at 50 % or more it stays green."""
    data = HealthInput(
        spi=D("1.00"),
        forecast_finish=TARGET,
        target_finish=TARGET,
        target_slip_days=0,
        p_target_finish=chance,
    )
    assert assess(data).dimensions["schedule"].rag == rag


def test_assess_target_chance_explains_itself_in_whole_percent():
    """The sentence gives the share of runs (rounded down, so 49.96 % reads 49 %) and the
    target date; an amber one names the threshold and leads the schedule's reason."""
    amber = assess(
        HealthInput(spi=D("1.00"), target_finish=TARGET, p_target_finish=0.4996)
    ).dimensions["schedule"]
    assert amber.reason.startswith(
        "Only 49 % of the forecast's runs finish by the target 12 Mar 2027, under the 50 % "
        "the project holds to."
    )
    green = assess(HealthInput(target_finish=TARGET, p_target_finish=0.63)).dimensions["schedule"]
    assert (green.rag, green.reason) == (
        Rag.GREEN,
        "63 % of the forecast's runs finish by the target 12 Mar 2027.",
    )


def test_assess_target_chance_follows_the_projects_threshold_and_never_turns_red():
    """A project holding its target to 80 % is amber at 70 %; a 1 % chance is amber, not red
    (odds, not a measured slip); a measured slip still makes it red."""
    strict = Thresholds(target_chance_green=D("0.80"))
    data = HealthInput(target_finish=TARGET, p_target_finish=0.7)
    assert assess(data, strict).dimensions["schedule"].rag == Rag.AMBER
    assert assess(data).dimensions["schedule"].rag == Rag.GREEN
    hopeless = HealthInput(target_finish=TARGET, p_target_finish=0.01)
    assert assess(hopeless).dimensions["schedule"].rag == Rag.AMBER
    late = HealthInput(
        forecast_finish=TARGET, target_finish=TARGET, target_slip_days=12, p_target_finish=0.01
    )
    assert assess(late).dimensions["schedule"].rag == Rag.RED


def test_assess_without_a_forecast_ignores_the_chance():
    """No forecast (no chance) leaves the schedule to the other measures."""
    assert assess(HealthInput(spi=D("1.00"))).dimensions["schedule"].rag == Rag.GREEN
