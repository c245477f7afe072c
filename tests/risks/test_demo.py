"""The risks part of ``seed_demo``."""

import pytest
from django.core.management import call_command

from projects.models import Project
from risks import selectors
from risks.models import ForecastRun, Issue, Risk
from scheduling.models import Task


@pytest.mark.date_sensitive
@pytest.mark.django_db
def test_seed_demo_gives_every_project_a_register_issues_estimates_and_a_forecast():
    """Each demo project has 10–25 risks (threats and opportunities, with responses and
    actions), risks that occurred as issues, three-point estimates on most unfinished tasks
    and one finished forecast; running the seed again adds nothing."""
    call_command("seed_demo", verbosity=0)
    counts = (Risk.objects.count(), Issue.objects.count(), ForecastRun.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Risk.objects.count(), Issue.objects.count(), ForecastRun.objects.count()) == counts

    for project in Project.objects.all():
        risks = list(project.risks.all())
        assert 10 <= len(risks) <= 25, project.key
        assert {r.kind for r in risks} == {"threat", "opportunity"}
        assert all(r.response_strategy and r.response_plan and r.owner_id for r in risks)
        assert sum(r.actions.count() for r in risks) >= len(risks)
        assert any(r.task_impacts.exists() for r in risks)
        occurred = [r for r in risks if r.status == "occurred"]
        assert occurred and all(Issue.objects.filter(risk=r).exists() for r in occurred)
        assert selectors.risk_exposure(project)["threats"] > 0
        open_tasks = Task.objects.filter(project=project, duration__gt=0, actual_finish=None)
        estimated = open_tasks.exclude(optimistic_duration=None).count()
        assert estimated >= open_tasks.count() // 2
        run = ForecastRun.objects.get(project=project)
        assert (run.status, run.iterations, run.progress) == ("done", 2_000, 100)
        finish = run.results["finish"]
        assert finish["P10"]["date"] <= finish["P50"]["date"] <= finish["P95"]["date"]
