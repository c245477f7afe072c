"""The demo data command."""

import pytest
from django.core.management import call_command

from projects.events import dispatch
from projects.models import Event, Membership, Notification, OutgoingMail, Project, Role
from projects.selectors import projects_for


@pytest.mark.django_db
def test_seed_demo_loads_five_projects_for_the_demo_manager_and_is_idempotent(
    django_user_model,
):
    """seed_demo gives `demo` five projects (every type, one of them closed) and running it
    twice adds nothing."""
    call_command("seed_demo", verbosity=0)
    counts = (
        Project.objects.count(),
        Membership.objects.count(),
        django_user_model.objects.count(),
    )
    call_command("seed_demo", verbosity=0)
    assert (
        Project.objects.count(),
        Membership.objects.count(),
        django_user_model.objects.count(),
    ) == counts

    demo = django_user_model.objects.get(username="demo")
    assert demo.check_password("charter-demo")
    mine = projects_for(demo)
    assert sorted(mine.values_list("key", flat=True)) == ["CLOUD", "ERP", "PORTAL", "SOC2", "WAN"]
    assert {p.my_role for p in mine} == {Role.MANAGER}
    assert set(mine.values_list("type", flat=True)) >= {
        "software",
        "infrastructure",
        "cybersecurity",
        "digital_transformation",
    }
    assert Membership.objects.filter(role=Role.VIEWER).exists()
    assert set(mine.values_list("stage", flat=True)) >= {"closing", "closed"}

    # The demo's assignments are news in Charter (and the team's morning digest), not a
    # hundred e-mails sent while seeding.
    assert Event.objects.filter(type__endswith=".assigned").exists()
    dispatch(list(Event.objects.values_list("pk", flat=True)))
    assert Notification.objects.filter(reason="assigned").exists()
    assert not OutgoingMail.objects.filter(key__startswith="notification:").exists()


@pytest.mark.django_db
def test_seed_demo_gives_every_project_a_scope():
    """Each demo project has a charter, objectives, a 15–40 package WBS, deliverables,
    requirements and change requests in several states."""
    call_command("seed_demo", verbosity=0)
    for project in Project.objects.all():
        assert project.charter.business_case
        assert project.objectives.exists()
        assert 15 <= project.work_packages.count() <= 40
        assert project.deliverables.exists()
        assert project.requirements.count() >= 5
        states = set(project.change_requests.values_list("status", flat=True))
        assert len(states) >= 3, (project.key, states)


@pytest.mark.date_sensitive
@pytest.mark.django_db
def test_seed_demo_gives_every_project_a_schedule():
    """Each demo project has a scheduled network with all four link types, milestones, a
    performance baseline and progress; the Scrum project has sprints and a backlog."""
    call_command("seed_demo", verbosity=0)
    for project in Project.objects.all():
        tasks = project.tasks.all()
        assert 50 <= tasks.count() <= 300
        assert not tasks.filter(start_date__isnull=True).exists()
        assert tasks.filter(duration=0).exists()
        assert set(project.dependencies.values_list("type", flat=True)) == {"FS", "SS", "FF", "SF"}
        assert project.baselines.filter(is_performance=True).count() == 1
        assert tasks.filter(is_critical=True).exists()
    portal = Project.objects.get(key="PORTAL")
    assert portal.sprints.filter(status="closed").exists()
    assert portal.backlog_items.count() >= 15


@pytest.mark.date_sensitive
@pytest.mark.django_db
def test_seed_demo_records_progress_history_and_todays_health():
    """The demo's earned value has a past (progress reported over the weeks) and every demo
    project opens the dashboard with today's snapshot."""
    from reports.models import KpiSnapshot
    from scheduling.models import Task

    call_command("seed_demo", verbosity=0)
    soc2 = Project.objects.get(key="SOC2")
    reported = Task.history.filter(project_id=soc2.pk, percent_complete=100)
    assert reported.dates("history_date", "month").count() >= 3
    # Today's snapshot of each project (in its time zone) ends its weeks of KPI history.
    for project in Project.objects.all():
        latest = KpiSnapshot.objects.filter(project=project).latest()
        assert latest.as_of == project.today()
