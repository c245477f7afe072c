"""Reads of the register: heat maps, exposure, top risks, levels, the trend from history."""

import datetime
from decimal import Decimal

import pytest

from risks import selectors, services
from risks.models import Risk
from tests.factories import project_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(make_risk, manager, outsider):
    """Four live risks, one closed, one occurred, one opportunity, and another project's."""
    risks = {
        "vendor": make_risk("Vendor", probability=4, impact=5, cost_impact=Decimal("10000")),
        "migration": make_risk(
            "Migration",
            probability=4,
            impact=5,
            residual_probability=2,
            residual_impact=3,
            cost_impact=Decimal("5000"),
        ),
        "pentest": make_risk("Pen test", probability=2, impact=2, cost_impact=Decimal("1000")),
        "reuse": make_risk(
            "Reuse",
            kind="opportunity",
            probability=3,
            impact=3,
            response_strategy="exploit",
            cost_impact=Decimal("2000"),
            status="monitoring",
        ),
        "closed": make_risk("Closed", probability=5, impact=5, status="closed"),
        "happened": make_risk("Happened", probability=5, impact=4, cost_impact=Decimal("9999")),
    }
    services.risk_occurred(risk=risks["happened"], by=manager)
    other = project_with(manager=outsider)
    services.risk_create(project=other, by=outsider, title="Elsewhere", probability=5, impact=5)
    return risks


def cell(grid, probability, impact):
    row = grid[5 - probability]
    return row[impact - 1]


def test_heat_map_counts_live_risks_per_cell_with_their_ids(
    project, register, django_assert_num_queries
):
    """Inherent: rows probability 5→1, columns impact 1→5, each cell its live risks' ids;
    closed and occurred risks and other projects' risks stay out. One query."""
    with django_assert_num_queries(1):
        grid = selectors.heat_map(project)
    assert [c["impact"] for c in grid[0]] == [1, 2, 3, 4, 5]
    assert [row[0]["probability"] for row in grid] == [5, 4, 3, 2, 1]
    top = cell(grid, 4, 5)
    assert (top["count"], top["score"], top["level"]) == (2, 20, "critical")
    assert sorted(top["risk_ids"]) == sorted([register["vendor"].pk, register["migration"].pk])
    assert cell(grid, 2, 2)["risk_ids"] == [register["pentest"].pk]
    assert cell(grid, 3, 3)["risk_ids"] == [register["reuse"].pk]
    assert sum(c["count"] for row in grid for c in row) == 4


def test_heat_map_residual_moves_rated_risks_and_keeps_the_rest(
    project, register, django_assert_num_queries
):
    """Residual: a risk with a residual rating sits there; one without keeps its inherent."""
    with django_assert_num_queries(1):
        grid = selectors.heat_map(project, residual=True)
    assert cell(grid, 4, 5)["risk_ids"] == [register["vendor"].pk]
    assert cell(grid, 2, 3)["risk_ids"] == [register["migration"].pk]
    assert cell(grid, 2, 3)["level"] == "medium"


def test_risk_exposure_sums_the_live_emvs(project, register, django_assert_num_queries):
    """Σ EMV of live risks: threats 70%×10,000 + 70%×5,000 + 30%×1,000; the opportunity
    saves 50%×2,000; closed and occurred risks are not exposure. One query."""
    with django_assert_num_queries(1):
        exposure = selectors.risk_exposure(project)
    assert exposure == {
        "threats": Decimal("10800.00"),
        "opportunities": Decimal("-1000.00"),
        "net": Decimal("9800.00"),
    }


def test_risk_exposure_of_an_empty_register_is_zero(project):
    """No risks, no exposure (not None)."""
    assert selectors.risk_exposure(project)["net"] == Decimal("0.00")


def test_open_risks_by_level_and_top_risks(project, register, django_assert_num_queries):
    """Live risks per level (every level present); top risks by score then EMV."""
    with django_assert_num_queries(1):
        levels = selectors.open_risks_by_level(project)
    assert levels == {"low": 1, "medium": 1, "high": 0, "critical": 2}
    with django_assert_num_queries(1):
        top = selectors.top_risks(project, limit=3)
        owners = [r.owner for r in top]
    assert [r.title for r in top] == ["Vendor", "Migration", "Reuse"]
    assert owners == [None, None, None]


def test_risks_of_filters_in_two_queries(
    project, register, manager, network, django_assert_num_queries
):
    """The register page: live risks first; filters, owner, impacts with their tasks and action
    counts in two queries, however many risks."""
    services.risk_update(
        risk=register["vendor"],
        by=manager,
        version=None,
        owner=manager,
        schedule_impacts={network["Build"]: 5, network["Test"]: 1},
    )
    services.risk_action_create(risk=register["vendor"], by=manager, title="Call them")
    with django_assert_num_queries(2):
        rows = list(selectors.risks_of(project))
        seen = [(r.title, r.owner, [i.task.name for i in r.task_impacts.all()]) for r in rows]
    assert [title for title, *_ in seen][:2] == ["Vendor", "Migration"]
    assert seen[0][1:] == (manager, ["Build", "Test"])
    assert rows[0].open_actions == 1
    assert [r.title for r in selectors.risks_of(project, live=True, level="critical")] == [
        "Vendor",
        "Migration",
    ]
    assert [r.title for r in selectors.risks_of(project, kind="opportunity")] == ["Reuse"]
    assert [r.title for r in selectors.risks_of(project, search="pen t")] == ["Pen test"]
    assert [r.title for r in selectors.risks_of(project, status=["closed", "occurred"])] == [
        "Closed",
        "Happened",
    ]
    ids = cell(selectors.heat_map(project), 4, 5)["risk_ids"]
    assert {r.title for r in selectors.risks_of(project, ids=ids)} == {"Vendor", "Migration"}


def test_issues_of_lists_unresolved_first_filters(project, register, manager):
    """The issue log knows which risk each issue came from."""
    services.issue_create(project=project, by=manager, title="Build server down")
    issues = list(selectors.issues_of(project, unresolved=True))
    assert [i.title for i in issues] == ["Build server down", "Happened"]
    assert issues[1].risk == register["happened"]
    assert selectors.open_issue_count(project) == 2


def _at(pk: int, change: str, when: datetime.datetime) -> None:
    """Date a risk's latest history record of that type (the test's clock)."""
    record = Risk.history.filter(id=pk, history_type=change).order_by("-history_id").first()
    Risk.history.filter(pk=record.pk).update(history_date=when)


def test_risk_trend_counts_live_risks_by_level_per_week_from_history(
    project, manager, make_risk, outsider, django_assert_num_queries
):
    """Each week shows the risks live at its end: created, re-rated, closed and deleted risks
    move between weeks as their history says."""
    utc = datetime.UTC
    vendor = make_risk("Vendor", probability=5, impact=5)
    vendor_id = vendor.pk
    _at(vendor_id, "+", datetime.datetime(2026, 2, 17, 9, tzinfo=utc))
    pentest = make_risk("Pen test", probability=1, impact=2)
    pentest_id = pentest.pk
    _at(pentest_id, "+", datetime.datetime(2026, 2, 25, 9, tzinfo=utc))
    services.risk_update(risk=pentest, by=manager, version=None, probability=3)  # medium
    _at(pentest_id, "~", datetime.datetime(2026, 3, 4, 9, tzinfo=utc))
    services.risk_update(risk=vendor, by=manager, version=None, status="closed")
    _at(vendor_id, "~", datetime.datetime(2026, 3, 5, 9, tzinfo=utc))
    services.risk_delete(risk=pentest, by=manager)
    _at(pentest_id, "-", datetime.datetime(2026, 3, 10, 9, tzinfo=utc))
    other = project_with(manager=outsider)
    services.risk_create(project=other, by=outsider, title="Elsewhere", probability=5, impact=5)

    with django_assert_num_queries(1):
        trend = selectors.risk_trend(project, weeks=5, today=datetime.date(2026, 3, 11))
    zero = {"low": 0, "medium": 0, "high": 0, "critical": 0}
    assert trend == [
        {"week": datetime.date(2026, 2, 9), **zero},
        {"week": datetime.date(2026, 2, 16), **zero, "critical": 1},
        {"week": datetime.date(2026, 2, 23), **zero, "critical": 1, "low": 1},
        {"week": datetime.date(2026, 3, 2), **zero, "medium": 1},
        {"week": datetime.date(2026, 3, 9), **zero},
    ]


def test_risk_scale_of_gives_defaults_without_writing(project, django_assert_num_queries):
    """Reading the scale of a project that never set one writes nothing."""
    with django_assert_num_queries(1):
        scale = selectors.risk_scale_of(project)
    assert scale.pk is None and scale.probability_percents == [10, 30, 50, 70, 90]
