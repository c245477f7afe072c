"""The risk register and the issue log (DESIGN §4 "Risk"): rating, responses, EMV, impacts
on tasks, actions, and a risk that occurred becoming an issue."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.exceptions import StaleEdit
from risks import services
from risks.models import Issue, Level, Risk, RiskScale, Status, level_for
from scheduling import services as schedule_services
from tests.factories import project_with

pytestmark = pytest.mark.django_db

EXPECTED_LEVEL = {
    **{s: Level.LOW for s in range(1, 5)},
    **{s: Level.MEDIUM for s in range(5, 10)},
    **{s: Level.HIGH for s in range(10, 17)},
    **{s: Level.CRITICAL for s in range(20, 26)},
}


@pytest.mark.parametrize("probability", range(1, 6))
@pytest.mark.parametrize("impact", range(1, 6))
def test_risk_score_and_level_for_every_cell(make_risk, probability, impact):
    """Score = probability × impact; level low 1–4, medium 5–9, high 10–16, critical 20–25."""
    risk = make_risk(probability=probability, impact=impact)
    risk.refresh_from_db()
    assert risk.score == probability * impact
    assert risk.level == EXPECTED_LEVEL[probability * impact]


@pytest.mark.parametrize(
    ("score", "level"),
    [(4, "low"), (5, "medium"), (9, "medium"), (10, "high"), (16, "high"), (20, "critical")],
)
def test_level_for_boundaries(score, level):
    """Each level starts where the DESIGN says."""
    assert level_for(score) == level


def test_level_for_refuses_scores_outside_the_scale():
    """0 is not a score."""
    with pytest.raises(ValueError):
        level_for(0)


def test_risk_database_refuses_a_level_that_does_not_fit_the_score(make_risk):
    """Score and level are held to the rating by database checks, not only by save()."""
    risk = make_risk(probability=5, impact=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(level="low")
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(probability=6, score=30)


@pytest.mark.parametrize(
    ("kind", "strategy", "ok"),
    [
        ("threat", "avoid", True),
        ("threat", "mitigate", True),
        ("threat", "transfer", True),
        ("threat", "accept", True),
        ("threat", "exploit", False),
        ("threat", "enhance", False),
        ("threat", "share", False),
        ("opportunity", "exploit", True),
        ("opportunity", "enhance", True),
        ("opportunity", "share", True),
        ("opportunity", "accept", True),
        ("opportunity", "avoid", False),
        ("opportunity", "mitigate", False),
        ("opportunity", "transfer", False),
    ],
)
def test_risk_strategy_must_fit_the_kind(make_risk, kind, strategy, ok):
    """Threats take avoid/mitigate/transfer/accept, opportunities exploit/enhance/share/accept."""
    if ok:
        assert make_risk(kind=kind, response_strategy=strategy).response_strategy == strategy
        return
    with pytest.raises(ValidationError) as error:
        make_risk(kind=kind, response_strategy=strategy)
    message = error.value.message_dict["response_strategy"][0]
    assert f"is not a response to {'an' if kind == 'opportunity' else 'a'} {kind}" in message


def test_risk_update_refuses_a_kind_change_that_breaks_the_strategy(make_risk, manager):
    """Turning a mitigated threat into an opportunity is refused until the strategy fits."""
    risk = make_risk(response_strategy="mitigate")
    with pytest.raises(ValidationError) as error:
        services.risk_update(risk=risk, by=manager, version=risk.version, kind="opportunity")
    assert "response_strategy" in error.value.message_dict
    updated = services.risk_update(
        risk=risk, by=manager, version=risk.version, kind="opportunity", response_strategy="share"
    )
    assert (updated.kind, updated.version) == ("opportunity", 2)


def test_risk_database_refuses_a_strategy_that_does_not_fit(make_risk):
    """The strategy rule is a database check too."""
    risk = make_risk(response_strategy="avoid")
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(response_strategy="exploit")


def test_risk_update_refuses_a_stale_version(make_risk, manager):
    """An edit based on an old version gets StaleEdit, never a silent overwrite."""
    risk = make_risk()
    services.risk_update(risk=risk, by=manager, version=1, title="Vendor slips badly")
    with pytest.raises(StaleEdit):
        services.risk_update(risk=risk, by=manager, version=1, title="Mine")


def test_risks_are_numbered_per_project(make_risk):
    """R-1, R-2, … in each project."""
    assert [make_risk().reference for _ in range(3)] == ["R-1", "R-2", "R-3"]


@pytest.mark.parametrize(
    ("probability", "cost", "kind", "emv"),
    [
        (1, "10000.00", "threat", "1000.00"),
        (2, "10000.00", "threat", "3000.00"),
        (3, "10000.00", "threat", "5000.00"),
        (4, "10000.00", "threat", "7000.00"),
        (5, "10000.00", "threat", "9000.00"),
        (3, "333.33", "threat", "166.67"),
        (4, "20000.00", "opportunity", "-14000.00"),
        (5, "0.00", "threat", "0.00"),
    ],
)
def test_risk_emv_is_probability_percent_times_cost(make_risk, probability, cost, kind, emv):
    """EMV = the level's % on the default scale (10/30/50/70/90) × cost impact, rounded to
    cents; an opportunity's EMV is a saving (negative)."""
    strategy = "share" if kind == "opportunity" else ""
    risk = make_risk(
        probability=probability,
        cost_impact=Decimal(cost),
        kind=kind,
        response_strategy=strategy,
    )
    risk.refresh_from_db()
    assert risk.emv == Decimal(emv)


def test_risk_scale_update_moves_every_emv(project, manager, make_risk):
    """A project that counts "likely" as 75% gets that in every risk's EMV."""
    risk = make_risk(probability=4, cost_impact=Decimal("1000"))
    scale = services.risk_scale_for(project)
    services.risk_scale_update(
        project=project, by=manager, version=scale.version, probability_percents=[5, 25, 50, 75, 95]
    )
    risk.refresh_from_db()
    assert risk.emv == Decimal("750.00")
    with pytest.raises(ValidationError) as error:
        services.risk_scale_update(
            project=project, by=manager, version=None, probability_percents=[50, 40, 30, 20, 10]
        )
    assert "probability_percents" in error.value.message_dict


def test_risk_scale_says_what_the_numbers_mean(project):
    """Impact 4 on the default scale is more than 20 working days or 10% of the budget."""
    scale = RiskScale.default(project)
    assert scale.impact_meaning(4) == "Major: > 20 working days or > 10% of budget"
    assert scale.impact_meaning(1).startswith("Negligible: ≤ 2 working days")
    assert scale.meanings()["probability"][3] == "Likely (60–80%), counted as 70%"
    assert scale.suggest_impact(days=21, cost=Decimal(0), budget=Decimal(100_000)) == 4
    assert scale.suggest_impact(days=0, cost=Decimal(25_000), budget=Decimal(100_000)) == 5
    assert scale.suggest_impact(days=1, cost=Decimal(100), budget=Decimal(0)) == 1


def test_risk_schedule_impacts_are_days_on_tasks_of_the_project(
    project, manager, make_risk, network
):
    """Impacts name tasks with whole days; replacing them keeps, changes and drops rows."""
    risk = make_risk(schedule_impacts={network["Build"]: 5, network["Test"]: 2})
    assert dict(risk.task_impacts.values_list("task__name", "days")) == {"Build": 5, "Test": 2}
    services.risk_update(
        risk=risk, by=manager, version=None, schedule_impacts={network["Build"]: 8}
    )
    assert dict(risk.task_impacts.values_list("task__name", "days")) == {"Build": 8}
    with pytest.raises(ValidationError) as error:
        services.risk_update(
            risk=risk, by=manager, version=None, schedule_impacts={network["Build"]: 0}
        )
    assert "whole working days" in error.value.message_dict["schedule_impacts"][0]


def test_risk_refuses_foreign_tasks_and_owners(project, manager, outsider, make_risk):
    """A task of another project cannot carry this risk's impact, a non-member cannot own it,
    and an action cannot point at another project's task."""
    other = project_with(manager=outsider)
    foreign = schedule_services.task_create(project=other, by=outsider, name="Elsewhere")
    with pytest.raises(ValidationError) as error:
        make_risk(schedule_impacts={foreign: 3})
    assert "another project" in error.value.message_dict["schedule_impacts"][0]
    assert not Risk.objects.filter(project=project).exists()  # rolled back
    with pytest.raises(ValidationError) as error:
        make_risk(owner=outsider)
    assert "not a member" in error.value.message_dict["owner"][0]
    risk = make_risk()
    with pytest.raises(ValidationError):
        services.risk_update(risk=risk, by=manager, version=None, owner=outsider)
    with pytest.raises(ValidationError) as error:
        services.risk_action_create(risk=risk, by=manager, title="Call", task=foreign)
    assert "another project" in error.value.message_dict["task"][0]
    with pytest.raises(ValidationError):
        services.risk_action_create(risk=risk, by=manager, title="Call", owner=outsider)


def test_risk_actions_are_ticked_off_with_their_day(make_risk, manager, member, network):
    """An action has an owner, a due date, an optional task, and records when it was done."""
    import datetime

    risk = make_risk()
    action = services.risk_action_create(
        risk=risk,
        by=manager,
        title="Second supplier",
        owner=member,
        due_date=datetime.date(2026, 2, 1),
        task=network["Build"],
    )
    done = services.risk_action_set_done(
        action=action, by=manager, today=datetime.date(2026, 1, 20)
    )
    assert (done.done, done.done_on, done.version) == (True, datetime.date(2026, 1, 20), 2)
    reopened = services.risk_action_set_done(action=done, by=manager, done=False)
    assert (reopened.done, reopened.done_on) == (False, None)


def test_risk_residual_rating_needs_both_numbers(make_risk):
    """Residual probability without residual impact is refused."""
    with pytest.raises(ValidationError) as error:
        make_risk(residual_probability=2)
    assert "residual_impact" in error.value.message_dict
    risk = make_risk(probability=4, impact=4, residual_probability=2, residual_impact=3)
    assert (risk.residual_score, risk.residual_level) == (6, Level.MEDIUM)


def test_risk_occurred_opens_a_linked_issue_once(make_risk, manager, member):
    """ "This risk occurred" marks it occurred and opens one issue linked back; again returns
    the same issue and changes nothing."""
    risk = make_risk(
        probability=4,
        impact=5,
        owner=member,
        event="Vendor ships late",
        contingency_plan="Switch to the fallback scope.",
    )
    issue = services.risk_occurred(risk=risk, by=manager)
    risk.refresh_from_db()
    assert risk.status == Status.OCCURRED and risk.issue == issue
    assert (issue.title, issue.priority, issue.owner, issue.status) == (
        "Vendor slips",
        "critical",
        member,
        "open",
    )
    assert issue.reference == "I-1" and "Switch to the fallback scope." in issue.description
    assert services.risk_occurred(risk=risk, by=manager) == issue
    assert Issue.objects.count() == 1
    risk.refresh_from_db()
    assert risk.version == 2  # the second call did not touch the risk


def test_issue_resolving_needs_a_resolution(project, manager, member):
    """Resolved or closed issues say how; the day of resolution is kept."""
    import datetime

    issue = services.issue_create(project=project, by=manager, title="Build server down")
    with pytest.raises(ValidationError) as error:
        services.issue_update(issue=issue, by=manager, version=1, status="resolved")
    assert "resolution" in error.value.message_dict
    resolved = services.issue_update(
        issue=issue,
        by=manager,
        version=1,
        status="resolved",
        resolution="Disk replaced.",
        owner=member,
        today=datetime.date(2026, 2, 2),
    )
    assert (resolved.resolved_on, resolved.version) == (datetime.date(2026, 2, 2), 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(resolution="")
