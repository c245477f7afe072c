"""A task keeps the unique ID it had in the plan file it was imported from (MS Project's UID)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("scheduling", "0007_late_dates_relative_to_finish"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="external_id",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Its unique ID in the plan file it was imported from.",
                max_length=64,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicaltask",
            name="external_id",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Its unique ID in the plan file it was imported from.",
                max_length=64,
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id__isnull", False)),
                fields=("project", "external_id"),
                name="task_external_id_unique_in_project",
                violation_error_message="Another task of the project has this external id.",
            ),
        ),
    ]
