"""The stakeholder register: power/interest quadrants, engagement, edits and their history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.exceptions import StaleEdit
from stakeholders import selectors, services
from stakeholders.models import (
    QUADRANT_STRATEGY,
    Engagement,
    Quadrant,
    Stakeholder,
    engagement_gap,
    quadrant_for,
)
from tests.factories import ProjectFactory


@pytest.mark.parametrize(
    ("power", "interest", "quadrant"),
    [
        (3, 3, Quadrant.MANAGE_CLOSELY),
        (5, 5, Quadrant.MANAGE_CLOSELY),
        (3, 2, Quadrant.KEEP_SATISFIED),
        (5, 1, Quadrant.KEEP_SATISFIED),
        (2, 3, Quadrant.KEEP_INFORMED),
        (1, 5, Quadrant.KEEP_INFORMED),
        (2, 2, Quadrant.MONITOR),
        (1, 1, Quadrant.MONITOR),
    ],
)
def test_quadrant_for_counts_three_and_up_as_high(power, interest, quadrant):
    """Power or interest of 3 is high and of 2 is low: (3, 3) is manage closely, (2, 2) monitor."""
    assert quadrant_for(power, interest) == quadrant


def test_quadrant_strategy_advises_every_quadrant():
    """Each quadrant carries the strategy the grid shows next to its name."""
    assert set(QUADRANT_STRATEGY) == set(Quadrant)
    assert "involve" in Quadrant.MANAGE_CLOSELY.strategy
    assert "informed" in Quadrant.KEEP_INFORMED.strategy
    assert all(text.strip() for text in QUADRANT_STRATEGY.values())


@pytest.mark.parametrize(
    ("current", "desired", "gap"),
    [
        (Engagement.UNAWARE, Engagement.LEADING, 4),
        (Engagement.RESISTANT, Engagement.SUPPORTIVE, 2),
        (Engagement.NEUTRAL, Engagement.NEUTRAL, 0),
        (Engagement.LEADING, Engagement.SUPPORTIVE, -1),
    ],
)
def test_engagement_gap_counts_steps_from_current_to_desired(current, desired, gap):
    """Unaware → leading is four steps up; leading where supportive is wanted is one down."""
    assert engagement_gap(current, desired) == gap


@pytest.mark.django_db
def test_with_quadrant_annotation_agrees_with_the_property(people):
    """The SQL annotation used to filter the register gives the same quadrant as Python."""
    rows = Stakeholder.objects.with_quadrant()
    assert {s.name: s.quadrant_code for s in rows} == {
        s.name: s.quadrant.value for s in people.values()
    }
    assert [s.name for s in Stakeholder.objects.in_quadrant(Quadrant.KEEP_SATISFIED)] == [
        "Cora CISO"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("power", 0), ("power", 6), ("interest", 0)])
def test_stakeholder_create_refuses_power_or_interest_outside_1_to_5(
    project, manager, field, value
):
    """Power and interest are 1–5: the service says which field is wrong."""
    with pytest.raises(ValidationError) as error:
        services.stakeholder_create(project=project, by=manager, name="X", **{field: value})
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_stakeholder_power_range_is_a_database_constraint(people):
    """Even a raw update cannot store power 6 (a check constraint in the database)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=people["Sam Sponsor"].pk).update(power=6)


@pytest.mark.django_db
def test_stakeholder_create_takes_the_linked_users_email(project, manager, viewer):
    """A stakeholder linked to an account gets its e-mail address when none is given."""
    stakeholder = services.stakeholder_create(
        project=project, by=manager, name="Vic", user=viewer, power=5, interest=5
    )
    assert stakeholder.email == viewer.email
    assert stakeholder.engagement_gap == 1  # neutral → supportive by default


@pytest.mark.django_db
def test_stakeholder_create_links_a_user_once_per_project(project, manager, viewer):
    """The same account cannot have two records in one project's register."""
    services.stakeholder_create(project=project, by=manager, name="Vic", user=viewer)
    with pytest.raises(ValidationError, match="already has a stakeholder record"):
        services.stakeholder_create(project=project, by=manager, name="Vic again", user=viewer)


@pytest.mark.django_db
def test_stakeholder_update_moves_quadrant_keeps_history_and_refuses_stale_edits(people, manager):
    """Raising interest from 2 to 3 moves a stakeholder to keep informed; history shows who; an
    edit based on the old version is refused."""
    mona = people["Mona Monitor"]
    updated = services.stakeholder_update(
        stakeholder=mona, by=manager, version=mona.version, interest=3
    )
    assert updated.quadrant == Quadrant.KEEP_INFORMED
    assert updated.version == mona.version + 1
    assert updated.history.first().history_user == manager
    assert [h.interest for h in updated.history.order_by("history_date")] == [2, 3]
    with pytest.raises(StaleEdit):
        services.stakeholder_update(stakeholder=mona, by=manager, version=mona.version, power=5)


@pytest.mark.django_db
def test_stakeholder_update_refuses_the_project_field(people, manager):
    """Moving a stakeholder to another project is not an edit the service allows."""
    with pytest.raises(ValidationError):
        services.stakeholder_update(
            stakeholder=people["Sam Sponsor"], by=manager, version=None, project=ProjectFactory()
        )


@pytest.mark.django_db
def test_stakeholders_of_filters_by_quadrant_search_and_gap(project, people, manager):
    """The register filters by quadrant, by text, and to those with an engagement gap."""
    services.stakeholder_update(
        stakeholder=people["Ian Interested"],
        by=manager,
        version=None,
        organisation="Payroll",
        engagement_current=Engagement.SUPPORTIVE,
    )
    names = lambda qs: [s.name for s in qs]  # noqa: E731
    assert names(selectors.stakeholders_of(project, quadrant=Quadrant.MONITOR)) == ["Mona Monitor"]
    assert names(selectors.stakeholders_of(project, search="payroll")) == ["Ian Interested"]
    assert "Ian Interested" not in names(selectors.stakeholders_of(project, engagement_gap=True))
    assert names(selectors.stakeholders_of(project, ordering="quadrant")) == [
        "Sam Sponsor",
        "Cora CISO",
        "Ian Interested",
        "Mona Monitor",
    ]


@pytest.mark.django_db
def test_stakeholders_of_runs_in_one_query(project, manager, django_assert_max_num_queries):
    """The register is one query however many stakeholders (each with a linked user) it lists."""
    for i in range(12):
        services.stakeholder_create(project=project, by=manager, name=f"S{i}", power=i % 5 + 1)
    with django_assert_max_num_queries(1):
        rows = list(selectors.stakeholders_of(project))
        assert [r.quadrant_code for r in rows] and all(r.user is None for r in rows)


@pytest.mark.django_db
def test_power_interest_grid_lists_every_quadrant(project, people):
    """The grid has all four quadrants, each with its stakeholders."""
    grid = selectors.power_interest_grid(project)
    assert {q: [s.name for s in rows] for q, rows in grid.items()} == {
        Quadrant.MANAGE_CLOSELY: ["Sam Sponsor"],
        Quadrant.KEEP_SATISFIED: ["Cora CISO"],
        Quadrant.KEEP_INFORMED: ["Ian Interested"],
        Quadrant.MONITOR: ["Mona Monitor"],
    }
