"""People across projects, and a person record for every user with resources.

The data step makes a person record for every user with resources. A user's resources in
different projects could disagree; the person takes:
- capacity: the most common capacity among their resources, ties to the largest;
- default rate: the most common (rate, unit) among them, ties to the largest rate (then per
  day before per hour);
- days off: the union of their resources' days off (the note of the earliest row).
The person's capacity and days off then win: each resource takes that capacity (its
assignments' planned hours and cost and its tasks' labour cost re-derived, by the rule of
``budgets.services.labour``) and every one of the union's days (linked to the person's day).
Each resource keeps its own project rate and role.
"""

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

CENT = Decimal("0.01")


def most_common(values: list) -> object:
    """The most frequent value, ties to the largest."""
    counts = Counter(values)
    return max(counts, key=lambda value: (counts[value], value))


def _plan(resource, duration: int, units: int, quantity: Decimal) -> tuple[Decimal, Decimal]:
    if resource.kind == "non_labour":
        return Decimal("0.00"), (quantity * resource.unit_cost).quantize(CENT, ROUND_HALF_UP)
    share = Decimal(duration) * Decimal(units) / 100
    hours = share * resource.capacity_hours
    cost = share * resource.rate if resource.rate_unit == "day" else hours * resource.rate
    return hours.quantize(CENT, ROUND_HALF_UP), cost.quantize(CENT, ROUND_HALF_UP)


def _recost(apps, resource_ids: list[int]) -> None:
    Assignment = apps.get_model("budgets", "Assignment")
    Task = apps.get_model("scheduling", "Task")
    task_ids = set(
        Assignment.objects.filter(resource_id__in=resource_ids).values_list("task_id", flat=True)
    )
    totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for assignment in Assignment.objects.filter(task_id__in=task_ids).select_related(
        "resource", "task"
    ):
        hours, cost = _plan(
            assignment.resource, assignment.task.duration, assignment.units, assignment.quantity
        )
        totals[assignment.task_id] += cost
        if (hours, cost) != (assignment.planned_hours, assignment.planned_cost):
            Assignment.objects.filter(pk=assignment.pk).update(
                planned_hours=hours, planned_cost=cost
            )
    for task_id in task_ids:
        Task.objects.filter(pk=task_id).update(labour_cost=totals[task_id])


def people_from_resources(apps, schema_editor) -> None:
    Resource = apps.get_model("budgets", "Resource")
    DayOff = apps.get_model("budgets", "DayOff")
    Person = apps.get_model("budgets", "Person")
    PersonDayOff = apps.get_model("budgets", "PersonDayOff")
    by_user: dict[int, list] = defaultdict(list)
    for resource in Resource.objects.filter(user__isnull=False).order_by("pk"):
        by_user[resource.user_id].append(resource)
    days: dict[int, dict] = defaultdict(dict)
    for day in DayOff.objects.filter(resource__user__isnull=False).order_by("date", "pk"):
        days[day.resource.user_id].setdefault(day.date, day.note)
    recost = []
    for user_id, resources in by_user.items():
        if Person.objects.filter(user_id=user_id).exists():
            continue
        capacity = most_common([r.capacity_hours for r in resources])
        rate, unit = most_common([(r.rate, r.rate_unit) for r in resources])
        person = Person.objects.create(
            user_id=user_id, capacity_hours=capacity, rate=rate, rate_unit=unit
        )
        person_days = {
            date: PersonDayOff.objects.create(person=person, date=date, note=note)
            for date, note in sorted(days[user_id].items())
        }
        for resource in resources:
            if resource.capacity_hours != capacity:
                Resource.objects.filter(pk=resource.pk).update(capacity_hours=capacity)
                recost.append(resource.pk)
            own = {d.date: d for d in DayOff.objects.filter(resource=resource)}
            for date, person_day in person_days.items():
                if date in own:
                    DayOff.objects.filter(pk=own[date].pk).update(person_day_off=person_day)
                else:
                    DayOff.objects.create(
                        resource=resource,
                        date=date,
                        note=person_day.note,
                        person_day_off=person_day,
                    )
    if recost:
        _recost(apps, recost)


def people_removed(apps, schema_editor) -> None:
    """Back: the people go; the resources keep their days off (now their own) and capacity."""
    DayOff = apps.get_model("budgets", "DayOff")
    Person = apps.get_model("budgets", "Person")
    DayOff.objects.filter(person_day_off__isnull=False).update(person_day_off=None)
    Person.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("budgets", "0002_timesheets"),
        ("projects", "0012_profile_date_format"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPerson",
            fields=[
                (
                    "capacity_hours",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("8.00"),
                        help_text="Hours this person can work per working day, in every project.",
                        max_digits=4,
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        help_text="Default rate for a new project resource.",
                        max_digits=14,
                    ),
                ),
                (
                    "rate_unit",
                    models.CharField(
                        choices=[("hour", "per hour"), ("day", "per day")],
                        default="hour",
                        max_length=4,
                    ),
                ),
                (
                    "team",
                    models.CharField(
                        blank=True, help_text="e.g. Platform, Security.", max_length=120
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
            ],
            options={
                "verbose_name": "historical person",
                "verbose_name_plural": "historical people",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPersonDayOff",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("note", models.CharField(blank=True, max_length=200)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
            ],
            options={
                "verbose_name": "historical person day off",
                "verbose_name_plural": "historical person days off",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Person",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="person",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "capacity_hours",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("8.00"),
                        help_text="Hours this person can work per working day, in every project.",
                        max_digits=4,
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        help_text="Default rate for a new project resource.",
                        max_digits=14,
                    ),
                ),
                (
                    "rate_unit",
                    models.CharField(
                        choices=[("hour", "per hour"), ("day", "per day")],
                        default="hour",
                        max_length=4,
                    ),
                ),
                (
                    "team",
                    models.CharField(
                        blank=True, help_text="e.g. Platform, Security.", max_length=120
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                "verbose_name_plural": "people",
                "ordering": ["user"],
            },
        ),
        migrations.CreateModel(
            name="PersonDayOff",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("note", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "verbose_name_plural": "person days off",
                "ordering": ["person", "date"],
            },
        ),
        migrations.AddField(
            model_name="historicalresource",
            name="headcount",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Placeholders: how many people; capacity counts once per head."
            ),
        ),
        migrations.AddField(
            model_name="historicalresource",
            name="is_placeholder",
            field=models.BooleanField(
                default=False,
                help_text="A generic or role booking before a name is known (“Backend developer ×2”).",
            ),
        ),
        migrations.AddField(
            model_name="resource",
            name="headcount",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Placeholders: how many people; capacity counts once per head."
            ),
        ),
        migrations.AddField(
            model_name="resource",
            name="is_placeholder",
            field=models.BooleanField(
                default=False,
                help_text="A generic or role booking before a name is known (“Backend developer ×2”).",
            ),
        ),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_placeholder", False),
                    models.Q(("kind", "person"), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="resource_placeholder_is_a_person_without_user",
                violation_error_message="A placeholder is a person not yet named (no member).",
            ),
        ),
        migrations.AddConstraint(
            model_name="resource",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("headcount", 1),
                    models.Q(("headcount__gte", 1), ("is_placeholder", True)),
                    _connector="OR",
                ),
                name="resource_headcount_only_for_placeholders",
                violation_error_message="Only a placeholder counts more than one head.",
            ),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalpersondayoff",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("capacity_hours__gt", 0), ("capacity_hours__lte", 24)),
                name="person_capacity_within_a_day",
                violation_error_message="Capacity is more than 0 and at most 24 hours a day.",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("rate__gte", 0)),
                name="person_rate_not_negative",
                violation_error_message="A rate cannot be negative.",
            ),
        ),
        migrations.AddField(
            model_name="historicalpersondayoff",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="budgets.person",
            ),
        ),
        migrations.AddField(
            model_name="persondayoff",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="days_off",
                to="budgets.person",
            ),
        ),
        migrations.AddField(
            model_name="dayoff",
            name="person_day_off",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="Set on the person: removed with it (the person's days off win).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="copies",
                to="budgets.persondayoff",
            ),
        ),
        migrations.AddField(
            model_name="historicaldayoff",
            name="person_day_off",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                help_text="Set on the person: removed with it (the person's days off win).",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="budgets.persondayoff",
            ),
        ),
        migrations.AddConstraint(
            model_name="persondayoff",
            constraint=models.UniqueConstraint(
                fields=("person", "date"),
                name="person_day_off_once",
                violation_error_message="This day is already off for this person.",
            ),
        ),
        migrations.RunPython(people_from_resources, people_removed),
    ]
