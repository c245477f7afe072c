"""Forecast runs numbered per project (Forecast 1, 2, … of each project; existing runs in the
order they were asked for), the project's default uncertainty on its risk scale, and the default
uncertainty a run applied."""

import django.core.validators
from django.db import migrations, models


def number_runs(apps, schema_editor):
    ForecastRun = apps.get_model("risks", "ForecastRun")
    numbers: dict[int, int] = {}
    runs = ForecastRun.objects.order_by("project_id", "created_at", "id").only("project_id")
    for run in runs:
        numbers[run.project_id] = numbers.get(run.project_id, 0) + 1
        run.number = numbers[run.project_id]
        run.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="forecastrun",
            name="default_optimistic_percent",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="forecastrun",
            name="default_pessimistic_percent",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="forecastrun",
            name="number",
            field=models.PositiveIntegerField(
                help_text="Forecast 1, 2, … of its project.", null=True
            ),
        ),
        migrations.RunPython(number_runs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="forecastrun",
            name="number",
            field=models.PositiveIntegerField(help_text="Forecast 1, 2, … of its project."),
        ),
        migrations.AddField(
            model_name="historicalriskscale",
            name="default_optimistic_percent",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Default uncertainty: the optimistic estimate is this % shorter.",
                validators=[django.core.validators.MaxValueValidator(100)],
            ),
        ),
        migrations.AddField(
            model_name="historicalriskscale",
            name="default_pessimistic_percent",
            field=models.PositiveSmallIntegerField(
                default=25,
                help_text="Default uncertainty: the pessimistic estimate is this % longer.",
                validators=[django.core.validators.MaxValueValidator(1000)],
            ),
        ),
        migrations.AddField(
            model_name="riskscale",
            name="default_optimistic_percent",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Default uncertainty: the optimistic estimate is this % shorter.",
                validators=[django.core.validators.MaxValueValidator(100)],
            ),
        ),
        migrations.AddField(
            model_name="riskscale",
            name="default_pessimistic_percent",
            field=models.PositiveSmallIntegerField(
                default=25,
                help_text="Default uncertainty: the pessimistic estimate is this % longer.",
                validators=[django.core.validators.MaxValueValidator(1000)],
            ),
        ),
        migrations.AddConstraint(
            model_name="forecastrun",
            constraint=models.UniqueConstraint(
                fields=("project", "number"), name="forecast_number_unique_per_project"
            ),
        ),
        migrations.AddConstraint(
            model_name="forecastrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("default_optimistic_percent__isnull", True),
                    ("default_optimistic_percent__lte", 100),
                    _connector="OR",
                ),
                name="forecast_default_optimistic_at_most_100",
            ),
        ),
        migrations.AddConstraint(
            model_name="riskscale",
            constraint=models.CheckConstraint(
                condition=models.Q(("default_optimistic_percent__lte", 100)),
                name="risk_scale_default_optimistic_at_most_100",
                violation_error_message="An optimistic estimate cannot be more than 100 % shorter.",
            ),
        ),
    ]
