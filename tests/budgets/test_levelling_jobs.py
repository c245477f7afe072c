"""Applying a project's levelling on the worker: Apply queues a job bound to its user and
project, the levelling page's ``?job=<token>`` polls ("Levelling…") until the worker is done,
then shows the moves and the baseline, or the refusal (DESIGN §6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from budgets import selectors, services
from budgets.services import levelling_jobs
from budgets.tasks import apply_levelling
from scheduling import services as schedule_services
from scheduling.models import Baseline
from tests.workers import tasks_routed_to


def _overbooked(project, manager):
    """Two parallel tasks, one with float, both needing Ada full time."""
    short = schedule_services.task_create(project=project, by=manager, name="Short", duration=2)
    long = schedule_services.task_create(project=project, by=manager, name="Long", duration=6)
    ada = services.resource_create(project=project, by=manager, name="Ada")
    services.assignment_add(task=short, resource=ada, by=manager, units=100)
    services.assignment_add(task=long, resource=ada, by=manager, units=100)


def _fingerprint(project) -> str:
    preview = services.levelling_preview(project=project, allow_past_float=True)
    return levelling_jobs.plan_fingerprint(preview)


def _apply(client, project, fingerprint):
    return client.post(
        reverse("budgets:levelling_apply", args=[project.pk]),
        {"allow_past_float": "on", "fingerprint": fingerprint},
    )


def test_apply_queues_a_job_and_the_page_polls_until_it_is_done(
    client_for, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    """Apply answers with a redirect to the job at once; nothing moves before the commit. The
    page says "Levelling…" and polls while pending; once the worker ran, it shows the moves and
    the baseline it took, and the conflict is gone."""
    _overbooked(project, manager)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = _apply(client, project, _fingerprint(project))
    assert queued.status_code == 302
    assert "?job=" in queued.url
    assert len(callbacks) == 1  # the job, queued for after the commit
    assert not Baseline.objects.filter(project=project).exists()

    pending = client.get(queued.url)
    html = pending.content.decode()
    assert "Levelling…" in html
    assert 'hx-trigger="every 1s"' in html
    poll = client.get(queued.url, headers={"HX-Request": "true"})
    assert "Levelling…" in poll.content.decode()
    assert "<html" not in poll.content.decode()  # the fragment alone

    callbacks[0]()  # the commit: the task runs in-process (eager)
    done = client.get(queued.url, headers={"HX-Request": "true"}).content.decode()
    baseline = Baseline.objects.get(project=project, name__startswith="Before levelling")
    assert "Levelling…" not in done
    assert "hx-trigger" not in done  # polling stops
    assert "Levelled: 1 task delayed" in done
    assert f"kept as the baseline “{baseline.name}”" in done
    assert not selectors.conflicts_of(project)


def test_a_stale_preview_is_the_jobs_error_and_nothing_moves(
    client_for, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    _overbooked(project, manager)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        queued = _apply(client, project, "0:2000-01-01")
    response = client.get(queued.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The plan changed since your preview" in html
    assert "Back to the preview" in html
    assert not Baseline.objects.filter(project=project).exists()
    assert selectors.conflicts_of(project)


def test_nothing_to_level_is_the_jobs_error(
    client_for, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        queued = _apply(client, project, "")
    assert "Nothing to level" in client.get(queued.url).content.decode()
    assert not Baseline.objects.exists()


def test_a_job_of_another_user_or_project_or_no_job_is_404(
    client_for, manager, member, outsider, project, django_capture_on_commit_callbacks
):
    _overbooked(project, manager)
    with django_capture_on_commit_callbacks(execute=False):
        queued = _apply(client_for(manager), project, _fingerprint(project))
    assert client_for(member).get(queued.url).status_code == 404
    assert client_for(outsider).get(queued.url).status_code == 404
    client = client_for(manager)
    url = reverse("budgets:levelling", args=[project.pk])
    for token in ("nope", "", "a/b", "x" * 100):
        assert client.get(url, {"job": token}).status_code == 404, token


def test_only_a_manager_queues_a_levelling(client_for, member, project):
    assert _apply(client_for(member), project, "").status_code == 403


def test_the_job_runs_once(manager, project, eager_tasks, django_capture_on_commit_callbacks):
    """A duplicate message finds the job done and applies nothing twice."""
    _overbooked(project, manager)
    fingerprint = _fingerprint(project)
    with django_capture_on_commit_callbacks(execute=True):
        token = levelling_jobs.levelling_job_start(
            project, manager, allow_past_float=True, fingerprint=fingerprint
        )
    apply_levelling(token, project.pk, manager.pk, True, fingerprint)
    assert Baseline.objects.filter(project=project).count() == 1
    job = levelling_jobs.levelling_job(project, manager, token)
    assert job["done"] and not job["error"] and job["moved"] == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_the_levelling(client_for, manager, project, worker_queue):
    """A real worker on Redis levels the project the job names; the page then shows it."""
    _overbooked(project, manager)
    fingerprint = _fingerprint(project)
    client = client_for(manager)
    with tasks_routed_to(worker_queue, "budgets.tasks.apply_levelling"):
        token = levelling_jobs.levelling_job_start(
            project, manager, allow_past_float=True, fingerprint=fingerprint
        )
    # No transaction: the job was published at once, to this test's worker. A second copy
    # waits behind it on the solo worker: when it returns, the first has run (and the copy
    # found the job done and applied nothing twice).
    result = apply_levelling.apply_async(
        args=[token, project.pk, manager.pk, True, fingerprint], queue=worker_queue
    )
    result.get(timeout=30)
    page = client.get(reverse("budgets:levelling", args=[project.pk]), {"job": token})
    assert "Levelled: 1 task delayed" in page.content.decode()
    assert Baseline.objects.filter(project=project, name__startswith="Before levelling").exists()
    assert not selectors.conflicts_of(project)
    assert Baseline.objects.filter(project=project).count() == 1
