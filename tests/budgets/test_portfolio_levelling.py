"""Levelling across the projects a person manages: preview, apply (a baseline in each project
touched, each in its own transaction), undo per project, the page and the API, access and
visibility, on a worked example a PM can check on a calendar.

CLOUD (priority 700) and SOC2 (500) start Monday 5 Jan 2026, Monday to Friday; Maria manages
both. Aisha and Ben (8 h a day) work on both:

- CLOUD: Migrate (5 d, Aisha), Build (10 d, nobody: it sets the finish, Fri 16 Jan), Docs
  (2 d, Ben; float 8).
- SOC2: Scoping (3 d, Ben) → Evidence (15 d) sets the finish (Wed 28 Jan); Policies (5 d,
  Aisha; float 11) → Review (2 d).

Aisha is booked twice the week of 5 Jan: CLOUD ranks higher, so SOC2's Policies waits the
whole week (to Mon 12 Jan) and Review follows (Mon 12 → Mon 19 Jan). Ben is booked twice on
5-6 Jan: Scoping is critical and cannot move, so CLOUD's Docs waits for it (to Thu 8 Jan) even
though CLOUD ranks higher. Neither finish moves.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from budgets import services as budget_services
from budgets.models import Assignment, DayOff, Resource
from budgets.services import portfolio_levelling as service
from budgets.services.levelling import levelling_undoable
from projects.models import Role
from scheduling import services as schedule_services
from scheduling.models import Baseline, Task
from tests.factories import MembershipFactory, UserFactory, project_with

D = datetime.date
API = "/api/v1/portfolio/levelling/"
PAGE = "/portfolio/levelling/"

pytestmark = pytest.mark.django_db


def _task(project, by, name, duration, after=None):
    task = schedule_services.task_create(project=project, by=by, name=name, duration=duration)
    if after is not None:
        schedule_services.dependency_add(project=project, by=by, predecessor=after, successor=task)
    return task


def _book(project, user, *tasks, units=100):
    resource, _ = Resource.objects.get_or_create(
        project=project, user=user, defaults={"name": user.first_name, "capacity_hours": 8}
    )
    for task in tasks:
        Assignment.objects.create(project=project, resource=resource, task=task, units=units)
    return resource


@pytest.fixture
def aisha(db):
    return UserFactory(username="aisha", first_name="Aisha", last_name="Khan")


@pytest.fixture
def ben(db):
    return UserFactory(username="ben", first_name="Ben", last_name="Okafor")


@pytest.fixture
def shared(manager, aisha, ben):
    """The two projects of the module docstring."""
    cloud = project_with(manager=manager, member=[aisha, ben])
    soc2 = project_with(manager=manager, member=[aisha, ben])
    type(cloud).objects.filter(pk=cloud.pk).update(key="CLOUD", name="Cloud move", priority=700)
    type(soc2).objects.filter(pk=soc2.pk).update(key="SOC2", name="SOC 2 audit", priority=500)
    cloud.refresh_from_db()
    soc2.refresh_from_db()
    t = {}
    t["migrate"] = _task(cloud, manager, "Migrate", 5)
    t["build"] = _task(cloud, manager, "Build", 10)
    t["docs"] = _task(cloud, manager, "Docs", 2)
    t["scoping"] = _task(soc2, manager, "Scoping", 3)
    t["evidence"] = _task(soc2, manager, "Evidence", 15, after=t["scoping"])
    t["policies"] = _task(soc2, manager, "Policies", 5)
    t["review"] = _task(soc2, manager, "Review", 2, after=t["policies"])
    _book(cloud, aisha, t["migrate"])
    _book(soc2, aisha, t["policies"])
    _book(cloud, ben, t["docs"])
    _book(soc2, ben, t["scoping"])
    return {"cloud": cloud, "soc2": soc2, **t}


def _moves(plan) -> dict[str, list[tuple]]:
    return {
        entry.project.key: [
            (m.task_name, m.from_start, m.to_start, m.levelled) for m in entry.moves
        ]
        for entry in plan.projects
    }


EXPECTED = {
    "CLOUD": [("Docs", D(2026, 1, 5), D(2026, 1, 8), True)],
    "SOC2": [
        ("Policies", D(2026, 1, 5), D(2026, 1, 12), True),
        ("Review", D(2026, 1, 12), D(2026, 1, 19), False),
    ],
}


def _starts(*tasks) -> list[datetime.date]:
    return [Task.objects.get(pk=task.pk).start_date for task in tasks]


# --- preview ------------------------------------------------------------------------------------


def test_portfolio_preview_higher_priority_keeps_the_day_and_successors_follow(manager, shared):
    """CLOUD keeps Aisha's week; SOC2's Policies waits exactly the overlap and Review follows;
    Docs waits for critical Scoping; no finish moves; nothing is written."""
    before = list(Task.objects.order_by("pk").values_list("start_date", "constraint_date"))
    plan = service.portfolio_levelling_preview(user=manager)
    assert [entry.project.key for entry in plan.projects] == ["CLOUD", "SOC2"]
    assert _moves(plan) == EXPECTED
    assert plan.conflicts_before == 5 + 2
    assert plan.remaining == []
    assert [(e.finish_before, e.finish_after) for e in plan.projects] == [
        (D(2026, 1, 16), D(2026, 1, 16)),
        (D(2026, 1, 28), D(2026, 1, 28)),
    ]
    policies = plan.projects[1].moves[0]
    assert policies.reason == (
        "Delayed to clear Aisha Khan's over-allocation on Fri 09 Jan 2026, within its float."
    )
    assert list(Task.objects.order_by("pk").values_list("start_date", "constraint_date")) == before
    assert not Baseline.objects.exists()


def test_portfolio_preview_a_holiday_in_one_project_is_counted_in_dates(manager, shared):
    """SOC2 does not work Wed 7 Jan: Policies then overlaps Migrate on four dates and waits
    four SOC2 working days, still starting Mon 12 Jan; Review follows to Mon 19 Jan."""
    schedule_services.holiday_add(project=shared["soc2"], by=manager, date=D(2026, 1, 7))
    plan = service.portfolio_levelling_preview(user=manager, project_ids=[shared["soc2"].pk])
    # Only SOC2 chosen: CLOUD's Migrate is fixed load at its dates.
    (entry,) = plan.projects
    moves = [(m.task_name, m.from_start, m.to_start, m.delay) for m in entry.moves]
    assert moves[:2] == [
        ("Policies", D(2026, 1, 5), D(2026, 1, 12), 4),
        ("Review", D(2026, 1, 13), D(2026, 1, 19), 4),
    ]


def test_portfolio_preview_a_project_i_do_not_manage_never_moves_and_its_load_counts(
    manager, aisha, shared
):
    """OPS is managed by someone else, where Aisha is booked the week of 12 Jan; Maria is only
    a viewer there. Policies must avoid both CLOUD's week and OPS's: it waits to Mon 19 Jan;
    OPS has no plan of its own, and its task keeps its dates."""
    other = UserFactory(username="olga")
    ops = project_with(manager=other, viewer=manager, member=aisha)
    patch = _task(ops, other, "Patch", 5)
    Task.objects.filter(pk=patch.pk).update(constraint_date=D(2026, 1, 12))
    schedule_services.schedule_recompute(ops)
    _book(ops, aisha, patch)
    plan = service.portfolio_levelling_preview(user=manager)
    assert [entry.project.key for entry in plan.projects] == ["CLOUD", "SOC2"]
    soc2 = _moves(plan)["SOC2"]
    assert soc2[0] == ("Policies", D(2026, 1, 5), D(2026, 1, 19), True)
    service.portfolio_levelling_apply(user=manager, fingerprint=plan.fingerprint)
    assert _starts(patch) == [D(2026, 1, 12)]
    assert not Baseline.objects.filter(project=ops).exists()


def test_portfolio_preview_names_no_project_i_cannot_see(manager, aisha, shared):
    """Aisha is also booked on HIDDEN, where Maria is no member, on the days of SOC2's critical
    Evidence: the conflict left says "booked elsewhere 8 h" and never HIDDEN's name, key or
    task."""
    stranger = UserFactory(username="sam")
    hidden = project_with(manager=stranger, member=aisha)
    type(hidden).objects.filter(pk=hidden.pk).update(key="HIDDEN", name="Secret merger")
    secret = _task(hidden, stranger, "Due diligence", 2)
    _book(hidden, aisha, secret)
    Assignment.objects.create(
        project=shared["soc2"],
        resource=Resource.objects.get(project=shared["soc2"], user=aisha),
        task=shared["evidence"],
        units=50,
    )
    plan = service.portfolio_levelling_preview(user=manager, project_ids=[shared["soc2"].pk])
    left = [r for r in plan.remaining if r["elsewhere"]]
    assert left and left[0]["elsewhere"] == Decimal("8.00")
    # CLOUD (mine, not chosen) is named with Migrate; HIDDEN only as hours.
    assert [p["key"] for p in left[0]["projects"]] == ["CLOUD", "SOC2"]
    text = repr(plan)
    assert "HIDDEN" not in text and "Secret merger" not in text and "Due diligence" not in text
    assert str(hidden.pk) not in [str(p["id"]) for r in plan.remaining for p in r["projects"]]


def test_portfolio_preview_counts_days_off_on_the_person(manager, aisha, shared):
    """A day off recorded on Aisha's resource in CLOUD is her day off in SOC2 too: Policies,
    moved to the week of 12 Jan, must also skip Mon 12 Jan (to Tue 13 Jan)."""
    DayOff.objects.create(
        resource=Resource.objects.get(project=shared["cloud"], user=aisha), date=D(2026, 1, 12)
    )
    plan = service.portfolio_levelling_preview(user=manager)
    assert _moves(plan)["SOC2"][0] == ("Policies", D(2026, 1, 5), D(2026, 1, 13), True)


# --- apply and undo -----------------------------------------------------------------------------


def test_portfolio_apply_baselines_each_project_touched_and_undo_restores_each(manager, shared):
    """Apply: each project gets its own "Before levelling" baseline, the delayed tasks their
    constraints, the history its reason; the existing undo restores each project alone."""
    result = service.portfolio_levelling_apply(user=manager)
    applied = {entry.project.key: entry.baseline for entry in result.applied}
    assert set(applied) == {"CLOUD", "SOC2"}
    for key, baseline in applied.items():
        assert baseline.name.startswith("Before levelling ")
        assert baseline.project.key == key
    assert _starts(shared["docs"], shared["policies"], shared["review"]) == [
        D(2026, 1, 8),
        D(2026, 1, 12),
        D(2026, 1, 19),
    ]
    record = Task.objects.get(pk=shared["policies"].pk).history.first()
    assert record.history_change_reason == f"Levelling (baseline {applied['SOC2'].pk})"

    restored = budget_services.levelling_undo(
        project=shared["soc2"], by=manager, baseline=applied["SOC2"]
    )
    assert restored == 1
    assert _starts(shared["policies"], shared["review"], shared["docs"]) == [
        D(2026, 1, 5),
        D(2026, 1, 12),
        D(2026, 1, 8),  # CLOUD is untouched by SOC2's undo
    ]
    assert (
        budget_services.levelling_undo(
            project=shared["cloud"], by=manager, baseline=applied["CLOUD"]
        )
        == 1
    )
    assert _starts(shared["docs"]) == [D(2026, 1, 5)]


def test_portfolio_apply_refuses_a_stale_preview_and_applies_nothing(manager, shared):
    """The plan changed since the preview (Policies got longer): nothing is applied, no
    baseline, and the message says to preview again."""
    plan = service.portfolio_levelling_preview(user=manager)
    schedule_services.task_update(task=shared["policies"], by=manager, version=None, duration=6)
    with pytest.raises(ValidationError, match="changed since the preview"):
        service.portfolio_levelling_apply(user=manager, fingerprint=plan.fingerprint)
    assert not Baseline.objects.exists()


def test_portfolio_apply_refuses_a_project_edited_under_way(manager, shared, monkeypatch):
    """An edit of SOC2 that lands after the plan is read but before SOC2 is locked: SOC2 is
    not levelled, the refusal names CLOUD as already levelled (it keeps its baseline)."""
    real_lock = service.lock_project

    def lock_after_an_edit(project):
        if project.key == "SOC2":
            Task.objects.filter(pk=shared["review"].pk).update(duration=3)
        return real_lock(project)

    monkeypatch.setattr(service, "lock_project", lock_after_an_edit)
    with pytest.raises(ValidationError, match="SOC2 changed while levelling") as refusal:
        service.portfolio_levelling_apply(user=manager)
    assert "Already levelled: CLOUD" in str(refusal.value)
    assert Baseline.objects.filter(project=shared["cloud"]).count() == 1
    assert not Baseline.objects.filter(project=shared["soc2"]).exists()


def test_portfolio_apply_with_nothing_to_level_refuses(manager):
    """No over-allocation: a clear message and no baseline."""
    project = project_with(manager=manager)
    _task(project, manager, "Alone", 2)
    with pytest.raises(ValidationError, match="Nothing to level"):
        service.portfolio_levelling_apply(user=manager)
    assert not Baseline.objects.exists()


# --- access -------------------------------------------------------------------------------------


def test_portfolio_levelling_only_managers_own_open_projects(manager, aisha, shared):
    """A project I am not in is 404; one where I am a member, 403; every managed project is
    mine to level, and a member manages none."""
    stranger_project = project_with(manager=UserFactory())
    with pytest.raises(Http404):
        service.managed_projects(manager, [stranger_project.pk])
    with pytest.raises(PermissionDenied, match="Only a manager of"):
        service.managed_projects(aisha, [shared["soc2"].pk])
    assert service.managed_projects(aisha) == []
    assert [p.key for p in service.managed_projects(manager)] == ["CLOUD", "SOC2"]


def test_portfolio_levelling_page_access(client_for, manager, aisha, outsider, shared):
    """The page: 404 for a project I am not in, 403 for one I do not manage, 405 for PUT; the
    apply is POST only."""
    assert client_for(outsider).get(PAGE, {"project": shared["soc2"].pk}).status_code == 404
    assert client_for(outsider).get(PAGE, {"project": "x"}).status_code == 404
    assert client_for(aisha).get(PAGE, {"project": shared["soc2"].pk}).status_code == 403
    assert (
        client_for(aisha).post(PAGE + "apply/", {"project": shared["soc2"].pk}).status_code == 403
    )
    assert client_for(manager).put(PAGE).status_code == 405
    assert client_for(manager).get(PAGE + "apply/").status_code == 405
    response = client_for(aisha).get(PAGE)
    assert response.status_code == 200
    assert "You manage no open project" in response.content.decode()
    assert not Baseline.objects.exists()


def test_portfolio_levelling_page_previews_and_applies(
    client_for, manager, shared, eager_tasks, django_capture_on_commit_callbacks
):
    """The page lists my projects with their priority, shows each move, and Apply baselines
    each project touched and says so."""
    client = client_for(manager)
    response = client.get(PAGE)
    html = response.content.decode()
    assert "CLOUD · Cloud move" in html and ">700 <a" in html
    for name in ("Docs", "Policies", "Review"):
        assert name in html
    assert reverse("budgets:levelling", args=[shared["soc2"].pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(PAGE + "apply/", {"fingerprint": response.context["plan"].fingerprint})
    text = client.get(queued.url).content.decode()
    assert "CLOUD levelled: 1 task delayed" in text and "SOC2 levelled: 1 task delayed" in text
    assert Baseline.objects.filter(name__startswith="Before levelling").count() == 2


def test_portfolio_levelling_page_refuses_a_stale_preview(
    client_for, manager, shared, eager_tasks, django_capture_on_commit_callbacks
):
    """A fingerprint that no longer matches: nothing applied, the page says why."""
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(PAGE + "apply/", {"fingerprint": "stale"})
    response = client.get(queued.url)
    assert "changed since the preview" in response.content.decode()
    assert "Back to the preview" in response.content.decode()
    assert not Baseline.objects.exists()


def test_portfolio_levelling_apply_is_a_job_that_the_page_polls(
    client_for, manager, aisha, shared, eager_tasks, django_capture_on_commit_callbacks
):
    """Apply queues the job and redirects to it at once; the page says "Levelling…" and polls
    until the worker ran; someone else's job, or none, is 404."""
    client = client_for(manager)
    fingerprint = client.get(PAGE).context["plan"].fingerprint
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = client.post(PAGE + "apply/", {"fingerprint": fingerprint})
    assert queued.status_code == 302 and "?job=" in queued.url
    assert len(callbacks) == 1 and not Baseline.objects.exists()
    pending = client.get(queued.url, headers={"HX-Request": "true"}).content.decode()
    assert "Levelling…" in pending and 'hx-trigger="every 1s"' in pending
    assert client_for(aisha).get(queued.url).status_code == 404
    client = client_for(manager)  # the same test client, signed in again
    assert client.get(PAGE, {"job": "nope"}).status_code == 404
    callbacks[0]()
    done = client.get(queued.url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done
    assert "CLOUD levelled: 1 task delayed" in done and "SOC2 levelled: 1 task delayed" in done
    assert Baseline.objects.filter(name__startswith="Before levelling").count() == 2


# --- API ----------------------------------------------------------------------------------------


def test_portfolio_levelling_api_preview_apply_and_access(
    api_for, manager, aisha, outsider, shared
):
    """GET previews (moves per project, fingerprint); POST applies with it and returns the
    baselines; a project not mine is 404, one I do not manage 403; bad input 400."""
    client = api_for(manager)
    preview = client.get(API)
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert [
        (p["project"]["key"], [(m["task_name"], m["to_start"]) for m in p["moves"]])
        for p in body["projects"]
    ] == [
        ("CLOUD", [("Docs", "2026-01-08")]),
        ("SOC2", [("Policies", "2026-01-12"), ("Review", "2026-01-19")]),
    ]
    assert api_for(outsider).get(API, {"projects": shared["soc2"].pk}).status_code == 404
    assert api_for(aisha).get(API, {"projects": shared["soc2"].pk}).status_code == 403
    assert api_for(aisha).post(API, {"projects": [shared["soc2"].pk]}).status_code == 403
    client = api_for(manager)  # one API client: sign Maria in again
    assert client.get(API, {"projects": "x"}).status_code == 400
    stale = client.post(API, {"fingerprint": "stale"}, format="json")
    assert stale.status_code == 400 and not Baseline.objects.exists()
    applied = client.post(API, {"fingerprint": body["fingerprint"]}, format="json")
    assert applied.status_code == 200, applied.json()
    baselines = {p["project"]["key"]: p["baseline"]["name"] for p in applied.json()["projects"]}
    assert set(baselines) == {"CLOUD", "SOC2"}
    assert all(name.startswith("Before levelling ") for name in baselines.values())


def test_portfolio_levelling_api_anonymous_is_refused(api_client):
    """No session, no token: refused before anything is read."""
    assert api_client.get(API).status_code in (401, 403)


def _grow(manager, aisha, n: int) -> None:
    """n more projects Maria manages, each booking Aisha on two tasks."""
    for _ in range(n):
        project = project_with(manager=manager, member=aisha)
        first = _task(project, manager, "One", 3)
        second = _task(project, manager, "Two", 2, after=first)
        _book(project, aisha, first, second)


def test_portfolio_levelling_api_preview_query_count_is_flat(
    api_for, manager, aisha, shared, django_assert_max_num_queries
):
    """The preview reads a fixed number of queries however many projects, people and tasks."""
    client = api_for(manager)
    client.get(API)
    _grow(manager, aisha, 1)
    with django_assert_max_num_queries(16):
        assert client.get(API).status_code == 200
    _grow(manager, aisha, 5)
    with django_assert_max_num_queries(16):
        response = client.get(API)
    assert response.status_code == 200
    assert len(response.json()["projects"]) == 8


def test_portfolio_levelling_member_role_in_one_project_is_not_a_manager(manager, aisha, shared):
    """Aisha manages her own project P and is a member of CLOUD: only P is hers to level."""
    own = project_with(manager=aisha)
    MembershipFactory(project=own, user=manager, role=Role.VIEWER)
    assert [p.pk for p in service.managed_projects(aisha)] == [own.pk]


def test_levelling_page_lists_undoable_levellings_and_the_manager_undoes_one(
    client_for, manager, shared
):
    """After levelling across projects, SOC2's levelling page offers its levelling to undo;
    Undo gives Policies back Mon 5 Jan, and the levelling is no longer offered."""
    result = service.portfolio_levelling_apply(user=manager)
    baseline = next(e.baseline for e in result.applied if e.project.key == "SOC2")
    page = reverse("budgets:levelling", args=[shared["soc2"].pk])
    client = client_for(manager)
    assert baseline.name in client.get(page).content.decode()
    undo = reverse("budgets:levelling_undo", args=[shared["soc2"].pk])
    done = client.post(undo, {"baseline": baseline.pk}, follow=True)
    assert "Levelling undone: 1 task got back" in done.content.decode()
    assert _starts(shared["policies"]) == [D(2026, 1, 5)]
    assert levelling_undoable(shared["soc2"]) == []
    again = client.post(undo, {"baseline": baseline.pk}, follow=True)
    assert "already been undone" in again.content.decode()
    other = client.post(undo, {"baseline": "nope"}, follow=True)
    assert "Choose a levelling of this project to undo." in other.content.decode()
