"""Importing MS Project plans and exporting projects, through the services, on the database."""

import datetime
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from budgets.models import Assignment, Resource
from interchange import mapping, mspdi, services
from projects.models import Project
from scheduling import services as scheduling_services
from scheduling.models import Baseline, Dependency, Holiday, Task

DATA = Path(__file__).parent / "data"
CORPUS = sorted(DATA.glob("*-project2016-mspdi.xml"))
CHARTER_APPS = ("projects", "scheduling", "stakeholders", "budgets", "risks", "reports")


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in CHARTER_APPS
        for model in apps.get_app_config(app).get_models()
    }


def _plan(name: str) -> mspdi.Plan:
    return mspdi.parse((DATA / name).read_bytes())


def _file_dates(plan: mspdi.Plan) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Each task's dates as MS Project stored them, by UID (milestone: its start day)."""
    dates = {}
    for task in plan.tasks:
        if task.outline_level == 0 or task.is_summary:
            continue
        start = mapping._day_of_start(task.start, plan)
        finish = start if task.duration_days == 0 else mapping._day_of_finish(task.finish, plan)
        dates[str(task.uid)] = (start, finish)
    return dates


@pytest.mark.django_db
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_plan_import_gives_every_task_the_dates_ms_project_computed(path, manager):
    """Each file MS Project saved imports into a new project whose every task has, after
    Charter's recompute, the start and finish MS Project stored in the file."""
    plan = mspdi.parse(path.read_bytes())
    project = services.plan_import(plan=plan, by=manager)
    stored = {
        task.external_id: (task.start_date, task.finish_date)
        for task in Task.objects.filter(project=project)
    }
    assert stored == _file_dates(plan)
    assert project.start_date == datetime.date(2016, 2, 8)
    assert project.currency == "GBP"
    links = set(
        Dependency.objects.filter(project=project).values_list(
            "predecessor__external_id", "successor__external_id", "type", "lag"
        )
    )
    assert links == {
        (str(link.predecessor_uid), str(link.successor_uid), link.type, link.lag_days)
        for link in plan.links
    }


@pytest.mark.django_db
def test_plan_import_sample_writes_wbs_calendar_resources_and_baseline(manager):
    """The sample becomes two work packages, five tasks (UIDs as external ids), a calendar
    with the offsite as holidays, a person with an hourly rate booked half-time, and MS
    Project's baseline 0 as the performance baseline; the dates equal the preview's."""
    plan = _plan("charter-sample-mspdi.xml")
    preview = services.plan_preview(plan=plan)
    project = services.plan_import(plan=plan, by=manager, key="SAMPLE")
    assert (project.name, project.key, project.currency) == ("Sample rollout", "SAMPLE", "EUR")
    packages = list(project.work_packages.order_by("sort_key").values_list("code", "name"))
    assert packages == [("1", "Design"), ("2", "Build")]
    tasks = {t.external_id: t for t in Task.objects.filter(project=project)}
    assert set(tasks) == {"11", "12", "21", "22", "30"}
    assert tasks["11"].work_package.name == "Design"
    assert tasks["30"].work_package is None and tasks["30"].is_milestone
    assert tasks["11"].fixed_cost == Decimal("1500.00")
    assert tasks["11"].description == "Two days with the business."
    assert (tasks["11"].actual_start, tasks["11"].percent_complete) == (
        datetime.date(2026, 3, 2),
        100,
    )
    assert tasks["21"].constraint_date == datetime.date(2026, 3, 11)
    assert tasks["22"].deadline == datetime.date(2026, 3, 20)
    assert Dependency.objects.filter(project=project).count() == preview["dependencies"] == 8
    assert sorted(
        Holiday.objects.filter(calendar__project=project).values_list("date", flat=True)
    ) == [
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 10),
    ]
    ana = Resource.objects.get(project=project, name="Ana Analyst")
    assert (ana.kind, ana.rate, ana.rate_unit) == ("person", Decimal("80.00"), "hour")
    assert Resource.objects.get(project=project, name="Test rig").kind == "non_labour"
    assignment = Assignment.objects.get(project=project)
    assert (assignment.task_id, assignment.units) == (tasks["11"].pk, 50)
    baseline = Baseline.objects.get(project=project)
    assert (baseline.name, baseline.is_performance) == (services.BASELINE_NAME, True)
    row = baseline.tasks.get()
    assert (row.start_date, row.finish_date, row.duration, row.cost) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 3),
        2,
        Decimal("1200.00"),
    )
    finish = max(t.finish_date for t in tasks.values())
    assert finish == datetime.date.fromisoformat(str(preview["computed_finish"]))
    moved = {row["uid"] for row in preview["differences"]}
    assert moved == {22, 30}


@pytest.mark.django_db
def test_plan_import_into_a_project_with_tasks_is_refused_and_writes_nothing(project, manager):
    """Importing into a project that already has tasks is refused; nothing changes."""
    scheduling_services.task_create(project=project, by=manager, name="Existing")
    before = _counts()
    with pytest.raises(ValidationError, match="already has tasks"):
        services.plan_import(
            plan=_plan("task-links-project2016-mspdi.xml"), by=manager, project=project
        )
    assert _counts() == before


@pytest.mark.django_db
def test_plan_import_into_an_empty_project_keeps_its_start(project, manager):
    """Into an empty project: the project's start stays, the plan is scheduled from it."""
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    services.plan_import(
        plan=_plan("task-links-project2016-mspdi.xml"), by=manager, project=project
    )
    first = Task.objects.filter(project=project, external_id="1").get()
    assert first.start_date == datetime.date(2026, 1, 5)
    assert Task.objects.filter(project=project).count() == 16


@pytest.mark.django_db
def test_plan_import_with_a_summary_loop_is_refused_and_writes_nothing(manager):
    """Links on summary tasks that make a loop on the tasks under them are refused, naming the
    tasks, and nothing is written (not even the project)."""
    xml = (DATA / "charter-sample-mspdi.xml").read_text()
    # "Workshops" (under Design) now also waits for Build, which waits for Design.
    xml = xml.replace(
        "<Notes>Two days with the business.</Notes>",
        "<Notes>Loop</Notes><PredecessorLink><PredecessorUID>20</PredecessorUID><Type>1</Type>"
        "<LinkLag>0</LinkLag><LagFormat>7</LagFormat></PredecessorLink>",
    )
    plan = mspdi.parse(xml.encode())
    before = _counts()
    with pytest.raises(ValidationError, match="loop"):
        services.plan_import(plan=plan, by=manager)
    assert _counts() == before


@pytest.mark.django_db
def test_plan_load_loads_many_tasks_with_one_recompute(
    project, manager, django_assert_max_num_queries
):
    """2,000 chained tasks load in a bounded number of queries, not a few per task."""
    rows = [{"name": f"T{i}", "duration": 1, "external_id": str(i)} for i in range(2000)]
    links = [scheduling_services.LoadLink(i, i + 1) for i in range(1999)]
    with django_assert_max_num_queries(40):
        tasks, change = scheduling_services.plan_load(
            project=project, by=manager, tasks=rows, links=links
        )
    assert len(tasks) == 2000
    last = Task.objects.get(pk=tasks[-1].pk)
    assert last.early_start == 1999


@pytest.mark.django_db
def test_export_then_import_of_a_demo_project_gives_the_same_plan(django_user_model):
    """Every demo project, exported as MS Project XML and imported again, has the same tasks,
    WBS, links, calendar and computed dates."""
    call_command("seed_demo", verbosity=0)
    demo = django_user_model.objects.get(username="demo")
    for project in Project.objects.filter(key__in=["ERP", "CLOUD", "PORTAL", "SOC2", "WAN"]):
        data = services.project_export_mspdi(project=project)
        plan = mspdi.parse(data)
        copy = services.plan_import(plan=plan, by=demo, key=f"RT{project.key}"[:10])

        def shape(p):
            tasks = Task.objects.filter(project=p).order_by(
                "work_package__sort_key", "position", "id"
            )
            return [
                (
                    t.name,
                    t.work_package.code if t.work_package else None,
                    t.duration,
                    t.start_date,
                    t.finish_date,
                    t.constraint_date,
                    t.deadline,
                    t.percent_complete,
                    t.actual_start,
                    t.actual_finish,
                    t.fixed_cost,
                )
                for t in tasks
            ]

        def links(p):
            return sorted(
                Dependency.objects.filter(project=p).values_list(
                    "predecessor__name", "successor__name", "type", "lag"
                )
            )

        def calendar(p):
            cal = scheduling_services.calendar_for(p)
            weekdays = set(cal.working_weekdays)
            days = {
                d for d in cal.holidays.values_list("date", flat=True) if d.isoweekday() in weekdays
            }
            return sorted(weekdays), sorted(days)

        assert copy.start_date == project.start_date, project.key
        assert shape(copy) == shape(project), project.key
        assert links(copy) == links(project), project.key
        assert calendar(copy) == calendar(project), project.key
        assert list(copy.work_packages.order_by("sort_key").values_list("code", "name")) == list(
            project.work_packages.order_by("sort_key").values_list("code", "name")
        )

        def people(p):
            resources = Resource.objects.filter(project=p).values_list("name", "kind")
            assignments = Assignment.objects.filter(project=p).values_list(
                "task__name", "resource__name", "units"
            )
            return sorted(resources), sorted(assignments)

        def baseline(p):
            base = Baseline.objects.get(project=p, is_performance=True)
            rows = base.tasks.values_list("name", "start_date", "finish_date", "duration", "cost")
            return sorted(rows)

        assert people(copy) == people(project), project.key
        assert baseline(copy) == baseline(project), project.key


# --- re-import: a newer version of the same plan -------------------------------------------------


def _newer(plan: mspdi.Plan) -> tuple[mspdi.Plan, mspdi.Task, mspdi.Task]:
    """The plan with its first task renamed and two days longer, its last task dropped, a new
    task after the first one, and the first task's links as they were."""
    leaves = [t for t in plan.tasks if not t.is_summary and t.outline_level > 0 and t.active]
    first, last = leaves[0], leaves[-1]
    tasks = []
    for task in plan.tasks:
        if task.uid == last.uid:
            continue
        if task.uid == first.uid:
            task = replace(
                task,
                name="Renamed in MS Project",
                duration_days=task.duration_days + 2,
                duration_minutes=task.duration_minutes + 2 * plan.minutes_per_day,
            )
        tasks.append(task)
    tasks.append(replace(first, uid=9001, id=9001, name="Added in MS Project"))
    links = [
        link for link in plan.links if last.uid not in (link.predecessor_uid, link.successor_uid)
    ]
    links.append(mspdi.Link(first.uid, 9001, "FS", 0, 7, 0))
    return replace(plan, tasks=tuple(tasks), links=tuple(links)), first, last


@pytest.mark.django_db
def test_reimport_of_the_same_plan_changes_nothing_but_takes_a_baseline(manager):
    plan = _plan("task-links-project2016-mspdi.xml")
    project = services.plan_import(plan=plan, by=manager)
    before = {
        t.pk: (t.name, t.start_date, t.finish_date) for t in Task.objects.filter(project=project)
    }
    diff = services.reimport_diff(plan=plan, project=project)
    assert (diff["tasks_added"], diff["tasks_changed"], diff["tasks_removed"]) == (0, 0, 0)
    assert (diff["links_added"], diff["links_changed"], diff["links_removed"]) == (0, 0, 0)
    services.plan_reimport(plan=plan, by=manager, project=project)
    after = {
        t.pk: (t.name, t.start_date, t.finish_date) for t in Task.objects.filter(project=project)
    }
    assert after == before
    assert (
        Baseline.objects.filter(project=project, name__startswith="Before re-import").count() == 1
    )


@pytest.mark.django_db
def test_reimport_updates_adds_and_removes_by_uid_keeping_charter_tasks(manager):
    plan = _plan("task-links-project2016-mspdi.xml")
    project = services.plan_import(plan=plan, by=manager)
    own = scheduling_services.task_create(project=project, by=manager, name="Typed in Charter")
    newer, first, last = _newer(plan)
    kept = Task.objects.get(project=project, external_id=str(first.uid))
    old_duration = kept.duration

    diff = services.reimport_diff(plan=newer, project=project)
    assert diff["added"] == ["Added in MS Project"] and diff["removed"] == [last.name]
    [changed] = diff["changed"]
    assert changed["fields"]["name"] == [first.name, "Renamed in MS Project"]
    assert changed["fields"]["duration (working days)"] == [old_duration, old_duration + 2]
    assert diff["links_added"] == 1 and diff["kept"] == 1

    services.plan_reimport(plan=newer, by=manager, project=project)
    kept.refresh_from_db()
    assert (kept.name, kept.duration) == ("Renamed in MS Project", old_duration + 2)
    assert not Task.objects.filter(project=project, external_id=str(last.uid)).exists()
    added = Task.objects.get(project=project, external_id="9001")
    assert Dependency.objects.filter(predecessor=kept, successor=added).exists()
    assert Task.objects.filter(pk=own.pk).exists()  # Charter's own task stays
    # The dates are the engine's: the new task starts after the renamed one finishes.
    assert added.start_date > kept.finish_date
    baseline = Baseline.objects.get(project=project, name__startswith="Before re-import")
    assert baseline.tasks.filter(task_id=kept.pk, duration=old_duration).exists()


@pytest.mark.django_db
def test_reimport_with_a_loop_writes_nothing(manager):
    plan = _plan("task-links-project2016-mspdi.xml")
    project = services.plan_import(plan=plan, by=manager)
    first, second = plan.links[0].predecessor_uid, plan.links[0].successor_uid
    looped = replace(plan, links=(*plan.links, mspdi.Link(second, first, "FS", 0, 7, 0)))
    before = _counts()
    with pytest.raises(ValidationError, match="loop"):
        services.plan_reimport(plan=looped, by=manager, project=project)
    assert _counts() == before


@pytest.mark.django_db
def test_reimport_needs_the_manager(project, manager, member):
    plan = _plan("task-links-project2016-mspdi.xml")
    services.plan_import(plan=plan, by=manager, project=project)
    with pytest.raises(Exception, match="manager"):
        services.plan_reimport(plan=plan, by=member, project=project)
