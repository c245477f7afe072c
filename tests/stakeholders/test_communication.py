"""The communication plan, and the weekly status report's recipients it decides."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import StaleEdit
from stakeholders import selectors, services
from stakeholders.models import CommunicationPlanItem
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db
Kind = CommunicationPlanItem.Kind


@pytest.fixture
def plan(project, manager, people):
    """Weekly report to Sam and Ian; steering pack to Sam and Cora; release notes to Mona."""
    weekly = services.communication_item_create(
        project=project,
        by=manager,
        kind=Kind.WEEKLY_STATUS_REPORT,
        title="Weekly status report",
        audience=[people["Sam Sponsor"], people["Ian Interested"]],
        owner=manager,
        next_due=datetime.date(2026, 3, 6),
    )
    steering = services.communication_item_create(
        project=project,
        by=manager,
        kind=Kind.STEERING_COMMITTEE_PACK,
        title="Steering pack",
        audience=[people["Sam Sponsor"], people["Cora CISO"]],
        frequency=CommunicationPlanItem.Frequency.MONTHLY,
        channel=CommunicationPlanItem.Channel.MEETING,
    )
    services.communication_item_create(
        project=project,
        by=manager,
        kind=Kind.RELEASE_NOTES,
        title="Release notes",
        audience=[people["Mona Monitor"]],
        frequency=CommunicationPlanItem.Frequency.PER_MILESTONE,
    )
    return {"weekly": weekly, "steering": steering}


def test_weekly_report_recipients_are_exactly_the_weekly_items_audience(project, plan):
    """The weekly report goes to the weekly item's audience: nobody from other items."""
    recipients = selectors.weekly_report_recipients(project)
    assert [(s.name, s.email) for s in recipients] == [
        ("Ian Interested", "ian@client.example"),
        ("Sam Sponsor", "sam@client.example"),
    ]


def test_weekly_report_recipients_join_every_weekly_item_once_and_skip_no_email(
    project, manager, plan, people
):
    """Two weekly items add up without duplicates; a stakeholder without e-mail is skipped."""
    no_mail = services.stakeholder_create(project=project, by=manager, name="No Mail")
    services.communication_item_create(
        project=project,
        by=manager,
        kind=Kind.WEEKLY_STATUS_REPORT,
        title="Weekly report (board copy)",
        audience=[people["Sam Sponsor"], people["Cora CISO"], no_mail],
    )
    names = [s.name for s in selectors.weekly_report_recipients(project)]
    assert names == ["Cora CISO", "Ian Interested", "Sam Sponsor"]


def test_weekly_report_recipients_are_empty_without_a_weekly_item(project, manager, people):
    """No weekly status report item in the plan means nobody receives the report."""
    services.communication_item_create(
        project=project, by=manager, title="Newsletter", audience=list(people.values())
    )
    assert list(selectors.weekly_report_recipients(project)) == []


def test_weekly_report_recipients_stay_in_their_project(project, manager, plan, people):
    """Another project's weekly audience never leaks into this project's recipients."""
    other = project_with(manager=manager)
    stranger = services.stakeholder_create(
        project=other, by=manager, name="Stranger", email="s@x.example"
    )
    services.communication_item_create(
        project=other, by=manager, kind=Kind.WEEKLY_STATUS_REPORT, title="W", audience=[stranger]
    )
    assert "Stranger" not in [s.name for s in selectors.weekly_report_recipients(project)]
    assert [s.name for s in selectors.weekly_report_recipients(other)] == ["Stranger"]


def test_communication_item_refuses_foreign_audience_and_non_member_owner(project, manager, plan):
    """Audience from another project and an owner outside the team are refused."""
    other = project_with(manager=manager)
    stranger = services.stakeholder_create(project=other, by=manager, name="Stranger")
    with pytest.raises(ValidationError, match="another project"):
        services.communication_item_update(
            item=plan["weekly"], by=manager, version=None, audience=[stranger]
        )
    with pytest.raises(ValidationError, match="is not a member"):
        services.communication_item_create(
            project=project, by=manager, title="X", owner=UserFactory(username="ext")
        )


def test_communication_item_update_changes_audience_and_refuses_stale_versions(
    project, manager, plan, people
):
    """Editing the weekly item's audience changes the recipients; a stale edit is refused."""
    weekly = plan["weekly"]
    services.communication_item_update(
        item=weekly, by=manager, version=weekly.version, audience=[people["Mona Monitor"]]
    )
    assert [s.name for s in selectors.weekly_report_recipients(project)] == ["Mona Monitor"]
    with pytest.raises(StaleEdit):
        services.communication_item_update(
            item=weekly, by=manager, version=weekly.version, title="Old"
        )


def test_communication_plan_of_lists_items_in_two_queries(
    project, manager, plan, people, django_assert_max_num_queries
):
    """The plan page reads items with owner and audience in two queries."""
    for i in range(5):
        services.communication_item_create(
            project=project, by=manager, title=f"Item {i}", audience=list(people.values())
        )
    with django_assert_max_num_queries(2):
        items = list(selectors.communication_plan_of(project))
        audiences = [[s.name for s in item.audience.all()] for item in items]
        owners = [item.owner for item in items]
    assert len(items) == 8 and items[0].title == "Weekly status report"
    assert audiences[0] == ["Ian Interested", "Sam Sponsor"] and owners[0] == manager
