"""Give every task a stable number (``Task.ref``) and each project a counter of numbers given.

Existing tasks are numbered 1, 2, 3… per project in their current plan order (WBS order, then
position), the order the Gantt and the task table show them in. Tasks deleted before this
migration appear only in the history; their history rows get the numbers after those, so that
no number a person may have read is ever given to another task.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery

BATCH = 2000


def number_tasks(apps, schema_editor):
    Task = apps.get_model("scheduling", "Task")
    HistoricalTask = apps.get_model("scheduling", "HistoricalTask")
    TaskRefCounter = apps.get_model("scheduling", "TaskRefCounter")
    Project = apps.get_model("projects", "Project")

    last: dict[int, int] = {}
    for project_id in Task.objects.values_list("project_id", flat=True).distinct():
        tasks = list(
            Task.objects.filter(project_id=project_id)
            .order_by(F("work_package__sort_key").asc(nulls_last=True), "position", "id")
            .only("id")
        )
        for number, task in enumerate(tasks, start=1):
            task.ref = number
        Task.objects.bulk_update(tasks, ["ref"], batch_size=BATCH)
        last[project_id] = len(tasks)

    HistoricalTask.objects.update(
        ref=Subquery(Task.objects.filter(id=OuterRef("id")).values("ref")[:1])
    )
    # History of deleted tasks: numbered after the live ones, in the order they were added.
    gone = (
        HistoricalTask.objects.filter(ref__isnull=True)
        .order_by("project_id", "id")
        .values_list("project_id", "id")
        .distinct()
    )
    for project_id, task_id in gone:
        last[project_id] = last.get(project_id, 0) + 1
        HistoricalTask.objects.filter(id=task_id).update(ref=last[project_id])

    existing = set(Project.objects.filter(pk__in=last.keys()).values_list("pk", flat=True))
    TaskRefCounter.objects.bulk_create(
        [TaskRefCounter(project_id=p, last=n) for p, n in last.items() if p in existing],
        batch_size=BATCH,
    )


def check_constraints_now(apps, schema_editor):
    """PostgreSQL refuses ALTER TABLE on a table with deferred checks pending from the updates
    above in the same transaction: run those checks now."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("scheduling", "0004_day_and_point_limits"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskRefCounter",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                ("last", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="historicaltask",
            name="ref",
            field=models.PositiveIntegerField(null=True, editable=False, verbose_name="number"),
        ),
        migrations.AddField(
            model_name="task",
            name="ref",
            field=models.PositiveIntegerField(null=True, editable=False, verbose_name="number"),
        ),
        migrations.RunPython(number_tasks, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(check_constraints_now, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="historicaltask",
            name="ref",
            field=models.PositiveIntegerField(
                editable=False,
                help_text="The task's number in its project: given when it is added, never reused.",
                verbose_name="number",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="ref",
            field=models.PositiveIntegerField(
                editable=False,
                help_text="The task's number in its project: given when it is added, never reused.",
                verbose_name="number",
            ),
        ),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                fields=("project", "ref"),
                name="task_ref_unique_in_project",
                violation_error_message="Another task of the project has this number.",
            ),
        ),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.CheckConstraint(
                condition=models.Q(("ref__gte", 1)), name="task_ref_positive"
            ),
        ),
    ]
