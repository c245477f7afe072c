"""Late dates and floats stored relative to the plan's finish (``PlanFinish``) instead of as
absolute values, so an edit that moves the finish rewrites only the tasks that really move."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Least


def _anchor(apps):
    PlanFinish = apps.get_model("scheduling", "PlanFinish")
    return Subquery(
        PlanFinish.objects.filter(project_id=OuterRef("project_id")).values("index")[:1]
    )


def relative(apps, schema_editor):
    Task = apps.get_model("scheduling", "Task")
    Dependency = apps.get_model("scheduling", "Dependency")
    PlanFinish = apps.get_model("scheduling", "PlanFinish")
    finishes = (
        Task.objects.filter(early_finish__isnull=False)
        .order_by()
        .values("project_id")
        .annotate(index=Max("early_finish"))
    )
    PlanFinish.objects.bulk_create(
        PlanFinish(project_id=row["project_id"], index=row["index"]) for row in finishes
    )
    Task.objects.filter(late_start__isnull=False).update(
        late_start_to_finish=_anchor(apps) - F("late_start")
    )
    # A stored free float is already capped by the total float, so keeping it as the links'
    # value reads back the same; the next recompute stores the uncapped value.
    Task.objects.filter(
        Exists(Dependency.objects.filter(predecessor_id=OuterRef("pk"))), free_float__isnull=False
    ).update(free_float_links=F("free_float"))


def absolute(apps, schema_editor):
    Task = apps.get_model("scheduling", "Task")
    anchor = _anchor(apps)
    Task.objects.filter(late_start_to_finish__isnull=False).update(
        late_start=anchor - F("late_start_to_finish")
    )
    Task.objects.filter(late_start__isnull=False).update(
        late_finish=F("late_start") + F("duration"), total_float=F("late_start") - F("early_start")
    )
    Task.objects.filter(total_float__isnull=False).update(
        free_float=Least(Coalesce("free_float_links", anchor - F("early_finish")), F("total_float"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_project_template_published"),
        ("scheduling", "0006_task_fillfactor"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlanFinish",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="plan_finish",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                ("index", models.IntegerField()),
            ],
        ),
        migrations.AddField(
            model_name="task",
            name="free_float_links",
            field=models.IntegerField(
                editable=False,
                help_text="Least slack on an outgoing link; empty when the task leads nowhere.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="task",
            name="late_start_to_finish",
            field=models.IntegerField(
                editable=False,
                help_text="Working days from the late start to the finish.",
                null=True,
            ),
        ),
        migrations.RunPython(relative, absolute, elidable=True),
        migrations.RemoveField(model_name="task", name="free_float"),
        migrations.RemoveField(model_name="task", name="late_finish"),
        migrations.RemoveField(model_name="task", name="late_start"),
        migrations.RemoveField(model_name="task", name="total_float"),
    ]
