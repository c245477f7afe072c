"""The demo's closure data: WAN finished in September and was closed through the real closure
services (checklist, submission, the sponsor's approval), with lessons that CLOUD, the
infrastructure project being planned, is offered; SOC2 is closing."""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db.models import Max, Sum
from django.urls import reverse

from budgets.models import Commitment, CostEntry, TimeEntry
from projects.models import Project
from reports.models import Closure, LessonLearned, PostImplementationReview
from reports.selectors import closure as closure_selectors
from risks.models import Issue
from scheduling.models import BaselineTask, Task
from stakeholders.models import Approval

pytestmark = pytest.mark.django_db

DEMO_APPS = ("projects", "scheduling", "stakeholders", "budgets", "risks", "reports")


def _fingerprint() -> dict[str, tuple[int, int | None]]:
    """Rows and highest id of every model (history included) of the apps the demo fills."""
    result = {}
    for app in DEMO_APPS:
        for model in apps.get_app_config(app).get_models():
            rows = model._default_manager.all()
            pk = model._meta.pk.attname
            result[model._meta.label] = (rows.count(), rows.aggregate(top=Max(pk))["top"])
    return result


@pytest.mark.date_sensitive
def test_seed_demo_closes_wan_with_the_sponsors_sign_off_and_lessons(
    client, eager_tasks, django_capture_on_commit_callbacks
):
    """WAN is closed: every task done a few working days past the baseline, deliverables
    accepted, issues and orders closed, the checklist done and signed off through Omar's
    approval, the review scheduled, the report mailed once; SOC2 is closing."""
    with django_capture_on_commit_callbacks(execute=True):  # the mails go out on commit
        call_command("seed_demo", verbosity=0)
    wan = Project.objects.get(key="WAN")
    today = wan.today()
    assert wan.stage == Project.Stage.CLOSED and wan.target_finish < today

    tasks = Task.objects.filter(project=wan)
    assert 50 <= tasks.count() <= 100
    assert not tasks.exclude(percent_complete=100).exists()
    assert not tasks.filter(actual_finish__isnull=True).exists()
    finished = tasks.aggregate(last=Max("actual_finish"))["last"]
    planned = BaselineTask.objects.filter(
        baseline__project=wan, baseline__is_performance=True
    ).aggregate(last=Max("finish_date"))["last"]
    assert planned < finished <= wan.target_finish
    assert (finished - planned).days <= 10  # a few working days late
    assert not wan.deliverables.exclude(status="accepted").exists()
    assert not wan.change_requests.filter(status__in=["draft", "submitted"]).exists()
    assert not Issue.objects.for_project(wan).unresolved().exists()
    assert wan.risks.filter(status="closed").count() > wan.risks.count() // 2
    assert Commitment.objects.filter(project=wan).exists()
    assert not Commitment.objects.filter(project=wan, status="open").exists()
    baseline_cost = BaselineTask.objects.filter(
        baseline__project=wan, baseline__is_performance=True
    ).aggregate(total=Sum("cost"))["total"]
    actual = (
        (CostEntry.objects.filter(project=wan).aggregate(t=Sum("amount"))["t"])
        + (TimeEntry.objects.filter(project=wan).aggregate(t=Sum("cost"))["t"])
    )
    assert abs(actual / baseline_cost - 1) < 0.1  # slightly over or under, not far off

    closure = Closure.objects.select_related("approval__approver").get(project=wan)
    assert closure.status == Closure.Status.SIGNED_OFF and closure.signed_off_at
    assert closure.narrative and closure.report
    rows = closure_selectors.checklist(closure)
    assert rows and not closure_selectors.open_items(rows)
    assert all(item.note for item in closure.items.filter(rule=""))
    approval = closure.approval
    assert approval.kind == Approval.Kind.PROJECT_CLOSURE
    assert approval.decision == Approval.Decision.APPROVED
    assert approval.approver.username == "omar"
    review = PostImplementationReview.objects.get(project=wan)
    assert review.held_on is None
    assert review.due_on == today + datetime.timedelta(weeks=closure.pir_weeks)
    reports = [m for m in mail.outbox if m.subject.startswith("[WAN] Closure report")]
    assert len(reports) == 1 and reports[0].to

    lessons = LessonLearned.objects.filter(project=wan)
    assert 4 <= lessons.count() <= 5
    assert len({lesson.category for lesson in lessons}) >= 3
    assert all(lesson.recommendation and lesson.tags for lesson in lessons)

    soc2 = Project.objects.get(key="SOC2")
    assert soc2.stage == Project.Stage.CLOSING
    assert Closure.objects.get(project=soc2).status == Closure.Status.OPEN

    # CLOUD, the infrastructure project in planning, is offered WAN's lessons.
    cloud = Project.objects.get(key="CLOUD")
    assert cloud.stage == Project.Stage.PLANNING and cloud.type == wan.type
    titles = set(lessons.values_list("title", flat=True))
    for username in ("demo", "helen"):
        client.force_login(get_user_model().objects.get(username=username))
        overview = client.get(reverse("projects:overview", args=[cloud.pk]))
        assert overview.status_code == 200
        assert reverse("reports:lessons_offered", args=[cloud.pk]) in overview.content.decode()
        panel = client.get(
            reverse("reports:lessons_offered", args=[cloud.pk]), HTTP_HX_REQUEST="true"
        )
        assert panel.status_code == 200
        assert {lesson.title for lesson in panel.context["offered"]} & titles, username
        assert any(title in panel.content.decode() for title in titles)


def test_seed_demo_again_changes_nothing(eager_tasks, django_capture_on_commit_callbacks):
    """A second run adds and mails nothing: every model of the demo apps (history included)
    keeps its rows, the closed project stays closed with one closure and one approval."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    before = _fingerprint()
    wan = Project.objects.get(key="WAN")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    after = _fingerprint()
    changed = {
        label: (before[label], after[label]) for label in before if before[label] != after[label]
    }
    assert changed == {}
    wan.refresh_from_db()
    assert wan.is_closed
    assert Approval.objects.filter(project=wan, kind=Approval.Kind.PROJECT_CLOSURE).count() == 1
    assert mail.outbox == []
