"""Dependencies between projects: a task waiting for a task of another project moves exactly as
an in-project link would move it, later projects follow on the worker after the commit, loops of
projects are refused naming them, and nobody learns of a project they are not a member of."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import StaleEdit
from projects.models import Event, Notification
from projects.services.notifications import describe
from scheduling import services
from scheduling.models import ExternalDependency, ScheduleWait, Task
from scheduling.services import external
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

D = datetime.date
MONDAY = D(2026, 1, 5)


@pytest.fixture
def pm(db):
    return UserFactory(username="pam")


def make_project(pm, key, **roles):
    roles["manager"] = [pm, *([roles["manager"]] if "manager" in roles else [])]
    project = project_with(**roles)
    project.key, project.start_date = key, MONDAY
    project.save()
    return project


def add(project, by, name, duration, **fields):
    return services.task_create(project=project, by=by, name=name, duration=duration, **fields)


def shown(task):
    task.refresh_from_db()
    return task.start_date, task.finish_date


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks, eager_tasks):
    """Run what an edit queues for after its commit (the worker's chain, in-process)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.mark.parametrize(
    ("kind", "lag", "pred_duration"),
    [
        ("FS", 0, 5),
        ("FS", 2, 5),
        ("FS", -2, 5),
        ("SS", 3, 5),
        ("FF", 1, 5),
        ("SF", 4, 5),
        ("FS", 1, 0),  # a milestone of the other project
        ("FF", -1, 0),
    ],
)
def test_a_link_from_another_project_moves_the_task_as_an_in_project_link_would(
    pm, kind, lag, pred_duration
):
    """Worked example: the same predecessor and successor, once in one project with a link and
    once in two projects with an external link (same calendar, same start): the same dates."""
    alone = make_project(pm, "ONE")
    p1 = add(alone, pm, "Predecessor", pred_duration, constraint_date=D(2026, 1, 7))
    s1 = add(alone, pm, "Successor", 3)
    services.dependency_add(project=alone, by=pm, predecessor=p1, successor=s1, type=kind, lag=lag)

    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    p2 = add(cloud, pm, "Predecessor", pred_duration, constraint_date=D(2026, 1, 7))
    s2 = add(soc, pm, "Successor", 3)
    link = external.external_dependency_add(
        project=soc, by=pm, predecessor=p2, successor=s2, type=kind, lag=lag
    )

    assert shown(s2) == shown(s1)
    assert link.schedule_change.finish == shown(s1)[1]


def test_a_finish_moved_in_one_project_moves_the_chain_of_projects_after_the_commit(
    pm, run_after_commit
):
    """CLOUD's build (5 d) → SOC's audit (3 d) → GO's launch (milestone): lengthening the build by
    3 days moves the audit and the launch by 3 working days, each project in turn."""
    cloud, soc, go = make_project(pm, "CLOUD"), make_project(pm, "SOC"), make_project(pm, "GO")
    build = add(cloud, pm, "Build", 5)
    audit = add(soc, pm, "Audit", 3)
    launch = add(go, pm, "Launch", 0)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    external.external_dependency_add(project=go, by=pm, predecessor=audit, successor=launch)
    assert shown(audit) == (D(2026, 1, 12), D(2026, 1, 14))
    assert shown(launch) == (D(2026, 1, 15), D(2026, 1, 15))

    run_after_commit(services.task_update, task=build, by=pm, version=None, duration=8)

    assert shown(audit) == (D(2026, 1, 15), D(2026, 1, 19))
    assert shown(launch) == (D(2026, 1, 20), D(2026, 1, 20))
    assert not ScheduleWait.objects.exists()


def test_the_projects_downstream_wait_until_the_worker_reaches_them(
    pm, django_capture_on_commit_callbacks
):
    """Before the worker runs, SOC says "waiting for CLOUD to recompute" to a member of CLOUD,
    and names no project to someone who is not; the audit keeps its old dates meanwhile."""
    outsider_member = UserFactory(username="sam")
    cloud = make_project(pm, "CLOUD")
    soc = make_project(pm, "SOC", member=outsider_member)
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.task_update(task=build, by=pm, version=None, duration=8)

    assert queued  # the chain is queued for after the commit, not run in the edit
    assert shown(audit) == (D(2026, 1, 12), D(2026, 1, 14))
    assert external.waiting_for(pm, soc) == (
        "Waiting for CLOUD to recompute: dates here may still move."
    )
    assert "CLOUD" not in external.waiting_for(outsider_member, soc)
    assert external.waiting_for(pm, cloud) is None


def test_an_edit_that_moves_no_task_another_project_waits_for_queues_nothing(
    pm, django_capture_on_commit_callbacks
):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, other = add(cloud, pm, "Build", 5), add(cloud, pm, "Other", 2)
    external.external_dependency_add(
        project=soc, by=pm, predecessor=build, successor=add(soc, pm, "Audit", 3)
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.task_update(task=other, by=pm, version=None, duration=4)
    assert not ScheduleWait.objects.exists()


def test_a_loop_of_projects_is_refused_naming_it(pm):
    """CLOUD → SOC → GO exists; GO's task cannot be what CLOUD waits for."""
    cloud, soc, go = make_project(pm, "CLOUD"), make_project(pm, "SOC"), make_project(pm, "GO")
    build, audit, launch = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3), add(go, pm, "L", 0)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    external.external_dependency_add(project=go, by=pm, predecessor=audit, successor=launch)

    with pytest.raises(ValidationError) as refused:
        external.external_dependency_add(
            project=cloud, by=pm, predecessor=launch, successor=add(cloud, pm, "Next", 1)
        )
    assert refused.value.message_dict["predecessor"] == [
        "This link would make a loop of projects: GO → CLOUD → SOC → GO. "
        "CLOUD would wait for GO, which already waits for it."
    ]
    assert ExternalDependency.objects.count() == 2


def test_a_loop_through_a_project_i_cannot_see_does_not_name_it(pm):
    """CLOUD → SOC → HIDDEN → ZEN, where only Olga is in HIDDEN: Pam linking ZEN back to CLOUD
    hears of the loop without HIDDEN's key."""
    olga = UserFactory(username="olga")
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC", manager=olga)
    zen = make_project(pm, "ZEN", manager=olga)
    hidden = project_with(manager=olga)
    hidden.key, hidden.start_date = "HIDDEN", MONDAY
    hidden.save()
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 1)
    mid, zed = add(hidden, olga, "Mid", 2), add(zen, pm, "Zed", 1)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    external.external_dependency_add(project=hidden, by=olga, predecessor=audit, successor=mid)
    external.external_dependency_add(project=zen, by=olga, predecessor=mid, successor=zed)

    with pytest.raises(ValidationError) as refused:
        external.external_dependency_add(
            project=cloud, by=pm, predecessor=zed, successor=add(cloud, pm, "Next", 1)
        )
    assert refused.value.message_dict["predecessor"] == [
        "This link would make a loop of projects: ZEN → CLOUD → SOC → a project you cannot see "
        "→ ZEN. CLOUD would wait for ZEN, which already waits for it."
    ]


def test_a_task_of_a_project_i_cannot_see_is_refused_like_one_that_does_not_exist(pm, outsider):
    soc = make_project(pm, "SOC")
    foreign = Task.objects.create(project=outsider.memberships.first().project, name="X")
    with pytest.raises(ValidationError) as hidden:
        external.visible_task(pm, foreign.pk)
    with pytest.raises(ValidationError) as missing:
        external.visible_task(pm, 987654)
    assert hidden.value.message_dict["predecessor"] == [
        f"There is no task {foreign.pk} in a project you can see."
    ]
    assert missing.value.message_dict["predecessor"] == [
        "There is no task 987654 in a project you can see."
    ]
    with pytest.raises(ValidationError):
        external.external_dependency_add(
            project=soc, by=pm, predecessor=foreign, successor=add(soc, pm, "A", 1)
        )


def test_a_member_of_the_waiting_project_only_sees_external_dependency_no_access(pm):
    sam = UserFactory(username="sam")
    cloud = make_project(pm, "CLOUD")
    soc = make_project(pm, "SOC", member=sam)
    build, audit = add(cloud, pm, "Build VPC", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)

    [mine] = external.external_predecessors(pm, audit)
    assert mine["label"] == f"CLOUD-{build.ref} “Build VPC”"
    assert mine["finish_date"] == D(2026, 1, 9)
    [theirs] = external.external_predecessors(sam, audit)
    assert theirs == {
        "link": theirs["link"],
        "type": "FS",
        "lag": 0,
        "visible": False,
        "label": "External dependency (no access)",
    }


def test_deleting_the_task_waited_for_frees_the_successor(pm, run_after_commit):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    run_after_commit(services.task_delete, task=Task.objects.get(pk=build.pk), by=pm)
    assert shown(audit) == (D(2026, 1, 5), D(2026, 1, 7))
    assert Task.objects.get(pk=audit.pk).external_start is None


def test_removing_and_changing_a_link_reschedules_at_once(pm):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    link = external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    link = external.external_dependency_update(link=link, by=pm, version=link.version, lag=2)
    assert shown(audit) == (D(2026, 1, 14), D(2026, 1, 16))
    with pytest.raises(StaleEdit):
        external.external_dependency_update(link=link, by=pm, version=1, lag=3)
    external.external_dependency_remove(link=link, by=pm)
    assert shown(audit) == (D(2026, 1, 5), D(2026, 1, 7))
    assert not Task.objects.get(pk=build.pk).drives_other_projects


def test_a_holiday_in_the_waiting_project_is_respected(pm):
    """SOC is off on Monday 12 Jan: the audit waiting for CLOUD's build starts on the 13th."""
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    services.holiday_add(project=soc, by=pm, date=D(2026, 1, 12), name="Off")
    assert shown(audit) == (D(2026, 1, 13), D(2026, 1, 15))


def test_managers_of_a_project_moved_by_another_are_told(pm, run_after_commit):
    """The event source records SOC's finish move with the project that caused it."""
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    run_after_commit(services.task_update, task=build, by=pm, version=None, duration=6)
    event = Event.objects.filter(project=soc, type="schedule.recomputed").latest("pk")
    assert event.data == {"from": "2026-01-14", "to": "2026-01-15", "external": True}
    [told] = Notification.objects.filter(event=event)
    assert (told.recipient, told.reason) == (pm, "schedule")
    assert describe(event) == (
        "The plan's finish moved to 2026-01-15, after a change in a project it waits for"
    )


# --- pages ----------------------------------------------------------------------------------------


def test_the_task_page_links_a_task_of_another_project_by_key_and_number(pm, client_for):
    sam = UserFactory(username="sam")
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC", member=sam)
    build, audit = add(cloud, pm, "Build VPC", 5), add(soc, pm, "Audit", 3)
    where = f"/projects/{soc.pk}/schedule/tasks/{audit.pk}/external/"
    page = client_for(pm)
    body = {"ext-other_project": cloud.pk, "ext-type": "FS", "ext-lag": 0}
    wrong = page.post(where, {**body, "ext-number": 99})
    assert wrong.status_code == 400
    assert "CLOUD has no task numbered 99." in wrong.content.decode()
    response = page.post(where, {**body, "ext-number": build.ref})
    assert response.status_code == 302
    assert shown(audit) == (D(2026, 1, 12), D(2026, 1, 14))
    mine = page.get(f"/projects/{soc.pk}/schedule/tasks/{audit.pk}/").content.decode()
    assert f"CLOUD-{build.ref} “Build VPC”" in mine
    table = page.get(f"/projects/{soc.pk}/schedule/").content.decode()
    assert "Waits for a task of another project" in table
    theirs = client_for(sam).get(f"/projects/{soc.pk}/schedule/tasks/{audit.pk}/")
    text = theirs.content.decode()
    assert "External dependency (no access)" in text
    assert "CLOUD" not in text and "Build VPC" not in text


def test_the_schedule_pages_say_the_project_waits_for_the_worker(
    pm, client_for, django_capture_on_commit_callbacks
):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    with django_capture_on_commit_callbacks(execute=False):
        services.task_update(task=build, by=pm, version=None, duration=8)
    for path in ("", "gantt/", f"tasks/{audit.pk}/"):
        page = client_for(pm).get(f"/projects/{soc.pk}/schedule/{path}").content.decode()
        assert "Waiting for CLOUD to recompute" in page


def test_removing_on_the_page_frees_the_task(pm, client_for):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    link = external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    response = client_for(pm).post(f"/projects/{soc.pk}/schedule/external/{link.pk}/remove/")
    assert response.status_code == 302
    assert shown(audit) == (D(2026, 1, 5), D(2026, 1, 7))


def test_the_forecast_and_the_kpis_hold_the_task_to_its_external_predecessor(pm):
    """The Monte Carlo's network takes the bound: the audit may start no earlier than day 5
    (Monday 12 Jan), whatever CLOUD's own uncertainty (read as it stands)."""
    from risks.services.forecast import forecast_inputs

    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    [task] = forecast_inputs(soc).tasks
    assert task.constraint == 5


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_carries_the_move_through_the_chain(pm, worker_queue, monkeypatch):
    """The edit queues the chain for after its commit; a Celery worker on Redis runs it: each
    later project recomputed in its own transaction, the waits cleared."""
    from scheduling.tasks import recompute_dependents

    queued = []
    monkeypatch.setattr(
        external, "enqueue_on_commit", lambda name, *args: queued.append((name, args))
    )
    cloud, soc, go = make_project(pm, "CLOUD"), make_project(pm, "SOC"), make_project(pm, "GO")
    build, audit, launch = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3), add(go, pm, "L", 0)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    external.external_dependency_add(project=go, by=pm, predecessor=audit, successor=launch)

    services.task_update(task=build, by=pm, version=None, duration=8)

    assert queued == [("scheduling.tasks.recompute_dependents", (cloud.pk, []))]
    assert set(ScheduleWait.objects.values_list("project__key", "waiting_for__key")) == {
        ("SOC", "CLOUD"),
        ("GO", "CLOUD"),
    }
    result = recompute_dependents.apply_async(args=[cloud.pk, []], queue=worker_queue)
    assert result.get(timeout=30) == [soc.pk, go.pk]
    assert shown(audit) == (D(2026, 1, 15), D(2026, 1, 19))
    assert shown(launch) == (D(2026, 1, 20), D(2026, 1, 20))
    assert not ScheduleWait.objects.exists()


def test_a_closed_project_waiting_for_another_keeps_its_dates(pm, run_after_commit):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    soc.stage = soc.Stage.CLOSED
    soc.save()
    run_after_commit(services.task_update, task=build, by=pm, version=None, duration=8)
    assert shown(audit) == (D(2026, 1, 12), D(2026, 1, 14))
    assert not ScheduleWait.objects.exists()


def test_a_project_deleted_with_the_task_waited_for_frees_the_successor(pm, run_after_commit):
    """However the link goes (here CLOUD itself is deleted, links and all), SOC is recomputed
    without it after the commit."""
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    run_after_commit(cloud.delete)
    assert shown(audit) == (D(2026, 1, 5), D(2026, 1, 7))
    assert not ScheduleWait.objects.exists()


def test_a_waiting_project_can_be_deleted_with_its_links(pm, run_after_commit):
    cloud, soc = make_project(pm, "CLOUD"), make_project(pm, "SOC")
    build, audit = add(cloud, pm, "Build", 5), add(soc, pm, "Audit", 3)
    external.external_dependency_add(project=soc, by=pm, predecessor=build, successor=audit)
    run_after_commit(soc.delete)
    assert not ExternalDependency.objects.exists() and not ScheduleWait.objects.exists()
    assert Task.objects.filter(pk=build.pk).exists()
