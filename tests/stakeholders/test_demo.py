"""The stakeholders part of ``seed_demo``."""

import pytest
from django.core.management import call_command

from projects import clock
from projects.models import Project
from stakeholders import selectors
from stakeholders.models import ActionItem, Approval, Quadrant, Stakeholder


@pytest.mark.date_sensitive
@pytest.mark.django_db
def test_seed_demo_gives_every_project_stakeholders_raci_plan_meetings_and_approvals(
    django_user_model,
):
    """Each demo project has 8–20 stakeholders in all four quadrants, a valid RACI for the top
    of the WBS, a weekly report audience, meetings with decisions and overdue actions (the closed
    one only past meetings and done actions), and demo users have approvals waiting; running the
    seed again adds nothing."""
    call_command("seed_demo", verbosity=0)
    counts = (Stakeholder.objects.count(), Approval.objects.count(), ActionItem.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (
        Stakeholder.objects.count(),
        Approval.objects.count(),
        ActionItem.objects.count(),
    ) == counts

    today = clock.today()
    for project in Project.objects.all():
        people = list(project.stakeholders.all())
        assert 8 <= len(people) <= 20
        assert {p.quadrant for p in people} == set(Quadrant)
        matrix = selectors.raci_matrix(project)
        top = [
            r for r in matrix["rows"] if r["kind"] == "work_package" and r["row"].parent_id is None
        ]
        assert top and all(r["cells"].count("A") == 1 and "R" in r["cells"] for r in top)
        assert not any(r["problem"] for r in matrix["rows"])
        assert selectors.weekly_report_recipients(project).exists()
        assert project.meetings.count() >= 3 and project.decisions.exists()
        actions = ActionItem.objects.for_project(project)
        if project.is_closed:
            assert actions.exists() and not actions.exclude(status="done").exists()
            assert not project.meetings.filter(starts_at__date__gte=today).exists()
        else:
            assert actions.overdue(today).exists()
    for username in ("demo", "helen", "omar"):
        user = django_user_model.objects.get(username=username)
        assert selectors.approvals_waiting_for(user).exists(), username
