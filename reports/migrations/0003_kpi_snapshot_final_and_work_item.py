"""A final KPI snapshot per closed project, and the computed closure item "All work complete or
explicitly cancelled" added to the closures not yet signed off (first on their checklist)."""

from django.db import migrations, models

WORK_RULE = "work_complete"
WORK_TITLE = "All work complete or explicitly cancelled"
WORK_HELP = (
    "Decided by Charter from the tasks: each done or at 100 %, or the work left cancelled by "
    "a manager, who says why."
)


def add_work_item(apps, schema_editor):
    Closure = apps.get_model("reports", "Closure")
    ClosureItem = apps.get_model("reports", "ClosureItem")
    open_closures = (
        Closure.objects.exclude(status="signed_off")
        .exclude(items__rule=WORK_RULE)
        .exclude(items__title=WORK_TITLE)
    )
    ClosureItem.objects.bulk_create(
        ClosureItem(
            closure=closure, position=0, title=WORK_TITLE, help_text=WORK_HELP, rule=WORK_RULE
        )
        for closure in open_closures
    )


def remove_work_item(apps, schema_editor):
    apps.get_model("reports", "ClosureItem").objects.filter(rule=WORK_RULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_status_reports_and_closure"),
    ]

    operations = [
        migrations.AddField(
            model_name="kpisnapshot",
            name="is_final",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="kpisnapshot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_final", True)),
                fields=("project",),
                name="kpi_snapshot_one_final_per_project",
            ),
        ),
        migrations.RunPython(add_work_item, remove_work_item),
    ]
