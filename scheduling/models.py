"""Time: tasks and their dependencies, the project calendar, baselines, sprints, phases and gates.

Dates of tasks are computed, not typed: ``services.schedule_recompute`` runs the critical-path
engine (``scheduling/engine.py``) and stores its results on the tasks, so that pages and the API
read them without computing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce, Least
from simple_history.models import HistoricalRecords

from projects.models import AttachmentsRelation, CommentsRelation, Project, WorkPackage
from projects.models.checks import PythonChecksMixin
from scheduling import predecessors

ISO_WEEKDAYS = range(1, 8)
# About forty years: a longer duration, estimate or lag is a typing slip, and beyond ~2.6 million
# the dates would not fit a calendar at all.
MAX_WORKING_DAYS = 10_000


def validate_working_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(day, int) or day not in ISO_WEEKDAYS for day in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            "Working weekdays are a non-empty list of distinct ISO weekday numbers, "
            "1 (Monday) to 7 (Sunday)."
        )


class Calendar(models.Model):
    """The project's working days: which weekdays are worked, minus holidays."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="calendar")
    working_weekdays = models.JSONField(
        default=list, validators=[validate_working_weekdays], help_text="ISO weekdays, 1 = Monday."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    def __str__(self) -> str:
        return f"Calendar of {self.project.key}"

    def save(self, *args, **kwargs) -> None:
        if not self.working_weekdays:
            self.working_weekdays = [1, 2, 3, 4, 5]
        self.working_weekdays = sorted(self.working_weekdays)
        super().save(*args, **kwargs)


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="holiday_once_per_calendar",
                violation_error_message="This day is already a holiday in the calendar.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class Phase(PythonChecksMixin, models.Model):
    """A phase or PRINCE2 management stage: a span of tasks closed by a gate review.

    Tolerances say how far the stage may overrun before the manager must raise an exception to
    the board; the forecast against them is computed from the phase's tasks.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=1)
    planned_finish = models.DateField(
        null=True, blank=True, help_text="The finish the stage plan committed to."
    )
    planned_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="The stage budget."
    )
    time_tolerance = models.PositiveIntegerField(
        default=0, help_text="Working days the stage may finish late before it is an exception."
    )
    cost_tolerance = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Money the stage may overspend before it is an exception.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_tolerance__gte=0), name="phase_cost_tolerance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GateReview(PythonChecksMixin, models.Model):
    """The go / no-go decision at the end of a phase (a stage gate)."""

    class Decision(models.TextChoices):
        GO = "go", "Go"
        CONDITIONAL = "conditional", "Go with conditions"
        NO_GO = "no_go", "No-go"

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="gate_reviews")
    date = models.DateField()
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    conditions = models.TextField(blank=True, help_text="What must hold for a conditional go.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["phase", "-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="conditional") | ~Q(conditions=""),
                name="gate_conditional_go_names_conditions",
                violation_error_message="A conditional go must say what the conditions are.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase}: {self.get_decision_display()} on {self.date}"


class TaskQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> TaskQuerySet:
        return self.filter(project=project)

    def overdue(self, today: datetime.date) -> TaskQuerySet:
        """Not done, and should have finished before ``today``."""
        return self.exclude(status=Task.Status.DONE).filter(finish_date__lt=today)

    def milestones(self) -> TaskQuerySet:
        return self.filter(duration=0)

    def critical(self) -> TaskQuerySet:
        return self.filter(is_critical=True)

    def with_floats(self) -> TaskQuerySet:
        """Annotate the late dates and floats (``Task.FLOAT_FIELDS``, working-day indexes and
        days as the engine gives them) from what the recompute stores relative to the plan's
        finish. None until the plan is scheduled."""
        finish = F("project__plan_finish__index")
        late_start = finish - F("late_start_to_finish")
        total_float = late_start - F("early_start")
        return self.annotate(
            late_start=late_start,
            # The engine's length (EF − ES), which actuals may make differ from the duration.
            late_finish=late_start + F("early_finish") - F("early_start"),
            total_float=total_float,
            # A task that leads nowhere has its slack to the finish; never more than its total.
            free_float=Least(Coalesce("free_float_links", finish - F("early_finish")), total_float),
        )

    def in_plan_order(self) -> TaskQuerySet:
        """WBS order, then the order tasks were placed in: the Gantt's row order."""
        return self.order_by(F("work_package__sort_key").asc(nulls_last=True), "position", "id")

    def bulk_create(self, objs: Iterable[Task], *args: Any, **kwargs: Any) -> list[Task]:
        """Number the tasks that have no ``ref`` yet, as ``Task.save`` does one at a time."""
        objs = list(objs)
        unnumbered: dict[int, list[Task]] = {}
        for task in objs:
            if task.ref is None:
                unnumbered.setdefault(task.project_id, []).append(task)
        for project_id, tasks in unnumbered.items():
            first = TaskRefCounter.take(project_id, len(tasks))
            for offset, task in enumerate(tasks):
                task.ref = first + offset
        return super().bulk_create(objs, *args, **kwargs)


class Task(PythonChecksMixin, models.Model):
    """A unit of scheduled work. Duration 0 makes it a milestone.

    The fields under "Computed" are written only by ``services.schedule_recompute`` from the
    engine's result (indexes in working days from the project start; dates as shown, with an
    inclusive finish).
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    # The task's number in the project, as MS Project's ID but stable: given on creation from
    # the project's counter and never given again, so "3FS+2d" typed today names the same task
    # tomorrow, whatever is inserted, moved or deleted around it (a WBS code + position would
    # change when the outline does).
    ref = models.PositiveIntegerField(
        "number",
        editable=False,
        help_text="The task's number in its project: given when it is added, never reused.",
    )
    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tasks",
    )
    # The task's unique ID in the plan file it was imported from (MS Project's UID), so a newer
    # version of the same plan can be matched task by task. NULL, not "", for a task typed in
    # Charter, so the unique constraint below leaves those out.
    external_id = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="Its unique ID in the plan file it was imported from.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order within its work package.")
    duration = models.PositiveIntegerField(
        default=1,
        validators=[MaxValueValidator(MAX_WORKING_DAYS)],
        help_text="Working days; 0 = milestone.",
    )
    constraint_date = models.DateField(
        "start no earlier than", null=True, blank=True, help_text="Start no earlier than."
    )
    deadline = models.DateField(
        "finish no later than", null=True, blank=True, help_text="Finish no later than."
    )
    percent_complete = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)]
    )
    actual_start = models.DateField(null=True, blank=True)
    actual_finish = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    # Three-point estimate for the Monte Carlo forecast (risks/simulation/), in working days.
    optimistic_duration = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_WORKING_DAYS)]
    )
    most_likely_duration = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_WORKING_DAYS)]
    )
    pessimistic_duration = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_WORKING_DAYS)]
    )
    # MS Project's scale and default; the levelling (budgets.levelling) delays lower first.
    priority = models.PositiveSmallIntegerField(
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Higher keeps its dates when levelling",
    )
    fixed_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Maintained by the budgets app from assignments (Σ planned hours × rate): this app owns the
    # column, the higher app keeps it up to date (DESIGN §1 floors: budgets imports scheduling).
    labour_cost = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        editable=False,
        help_text="Maintained by the budgets app from assignments.",
    )

    # Computed by schedule_recompute. Late dates and floats are stored relative to the plan's
    # finish (``PlanFinish``) and read through ``TaskQuerySet.with_floats()``: when an edit moves
    # the finish, every late date moves with it, and absolute values would rewrite every row
    # (9,247 of 10,000 for a slip that moves 2,497 early dates; bench/edits.py).
    early_start = models.IntegerField(null=True, editable=False)
    early_finish = models.IntegerField(null=True, editable=False)
    late_start_to_finish = models.IntegerField(
        null=True, editable=False, help_text="Working days from the late start to the finish."
    )
    free_float_links = models.IntegerField(
        null=True,
        editable=False,
        help_text="Least slack on an outgoing link; empty when the task leads nowhere.",
    )
    is_critical = models.BooleanField(default=False, editable=False)
    start_date = models.DateField(null=True, editable=False)
    finish_date = models.DateField(null=True, editable=False)
    # What tasks of other projects allow (ExternalDependency), kept by
    # ``scheduling.services.external.refresh_bounds`` from their dates: the task starts no
    # earlier than ``external_start`` (FS, SS links) and finishes no earlier than the working
    # day before ``external_finish`` (FF, SF links; an exclusive end, as ``early_finish``). Read
    # with the other inputs, so a recompute costs no query for them.
    external_start = models.DateField(null=True, editable=False)
    external_finish = models.DateField(null=True, editable=False)
    # Whether a task of another project depends on this one: when a recompute moves it, the
    # dependent projects are recomputed after the commit (scheduling.services.external).
    drives_other_projects = models.BooleanField(default=False, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    comments = CommentsRelation(listing="scheduling:tasks", page="scheduling:task_detail")
    # Computed columns change on every recompute; history keeps what people changed.
    attachments = AttachmentsRelation()
    history = HistoricalRecords(
        excluded_fields=[
            "early_start",
            "early_finish",
            "late_start_to_finish",
            "free_float_links",
            "is_critical",
            "start_date",
            "finish_date",
            "external_start",
            "external_finish",
            "drives_other_projects",
            "version",
            "updated_at",
        ]
    )
    objects = TaskQuerySet.as_manager()

    # What schedule_recompute stores, and what ``with_floats()`` derives from it on read.
    COMPUTED_FIELDS = (
        "early_start",
        "early_finish",
        "late_start_to_finish",
        "free_float_links",
        "is_critical",
        "start_date",
        "finish_date",
    )
    FLOAT_FIELDS = ("late_start", "late_finish", "total_float", "free_float")
    # The computed schedule as pages and the API read it (with ``with_floats()``).
    SHOWN_COMPUTED_FIELDS = (
        "early_start",
        "early_finish",
        *FLOAT_FIELDS,
        "is_critical",
        "start_date",
        "finish_date",
    )

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "ref"],
                name="task_ref_unique_in_project",
                violation_error_message="Another task of the project has this number.",
            ),
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=Q(external_id__isnull=False),
                name="task_external_id_unique_in_project",
                violation_error_message="Another task of the project has this external id.",
            ),
            models.CheckConstraint(condition=Q(ref__gte=1), name="task_ref_positive"),
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="task_percent_complete_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=1000),
                name="task_priority_1_to_1000",
                violation_error_message="A priority is between 1 and 1000.",
            ),
            models.CheckConstraint(
                condition=Q(fixed_cost__gte=0),
                name="task_fixed_cost_not_negative",
                violation_error_message="A fixed cost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(labour_cost__gte=0), name="task_labour_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(actual_finish__isnull=True) | Q(actual_start__isnull=False),
                name="task_actual_finish_needs_actual_start",
                violation_error_message="A task cannot have finished without having started.",
            ),
            models.CheckConstraint(
                condition=Q(actual_finish__isnull=True) | Q(actual_start__lte=F("actual_finish")),
                name="task_actual_start_before_actual_finish",
                violation_error_message="The actual finish cannot be before the actual start.",
            ),
            models.CheckConstraint(
                condition=Q(optimistic_duration__isnull=True)
                | Q(most_likely_duration__isnull=True)
                | Q(pessimistic_duration__isnull=True)
                | (
                    Q(optimistic_duration__lte=F("most_likely_duration"))
                    & Q(most_likely_duration__lte=F("pessimistic_duration"))
                ),
                name="task_three_point_estimate_ordered",
                violation_error_message="Estimates must be optimistic ≤ most likely ≤ pessimistic.",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "is_critical"]),
            # A new task goes last in its work package: MAX(position) without reading the plan.
            models.Index(fields=["project", "work_package", "position"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.ref is None:
            self.ref = TaskRefCounter.take(self.project_id, 1)
        super().save(*args, **kwargs)

    @property
    def is_milestone(self) -> bool:
        return self.duration == 0

    @property
    def predecessors_text(self) -> str:
        """The incoming links as predecessor text (``3FS+2d, 5SS``); prefetch
        ``predecessor_links__predecessor`` when reading it for many tasks."""
        return predecessors.format_links(
            predecessors.PredecessorLink(link.predecessor.ref, link.type, link.lag)
            for link in self.predecessor_links.all()
        )

    @property
    def planned_cost(self) -> Decimal:
        """Fixed cost plus the labour of the task's assignments (DESIGN §4 "Earned value")."""
        return self.fixed_cost + self.labour_cost

    def clean(self) -> None:
        super().clean()
        estimates = (
            self.optimistic_duration,
            self.most_likely_duration,
            self.pessimistic_duration,
        )
        given = [value is not None for value in estimates]
        if any(given) and not all(given):
            raise ValidationError(
                {
                    "most_likely_duration": "Give all three estimates (optimistic, most likely, "
                    "pessimistic) or none."
                }
            )


class PlanFinish(models.Model):
    """Where the project's plan finishes, as the backward pass anchors it: the latest early
    finish (a working-day index, exclusive). Tasks store their late dates relative to it."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="plan_finish"
    )
    index = models.IntegerField()

    def __str__(self) -> str:
        return f"Plan finish of project {self.project_id}: day {self.index}"


class TaskRefCounter(models.Model):
    """The last task number given in a project, so a deleted task's number is never reused."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Task numbers of project {self.project_id}: last {self.last}"

    @classmethod
    def take(cls, project_id: int, count: int) -> int:
        """Reserve ``count`` numbers for new tasks of the project; returns the first.

        The counter row stays locked until the caller's transaction ends, so concurrent
        creators queue instead of drawing the same number.
        """
        with transaction.atomic():
            counter, _ = cls.objects.select_for_update().get_or_create(
                project_id=project_id,
                # A project whose counter went missing continues after its highest number.
                defaults={
                    "last": lambda: (
                        Task.objects.filter(project_id=project_id).aggregate(m=Max("ref"))["m"] or 0
                    )
                },
            )
            first = counter.last + 1
            counter.last += count
            counter.save(update_fields=["last"])
        return first


class Dependency(PythonChecksMixin, models.Model):
    """``predecessor`` → ``successor``, type FS/SS/FF/SF, lag in working days (< 0: a lead)."""

    class Type(models.TextChoices):
        FS = "FS", "Finish to start"
        SS = "SS", "Start to start"
        FF = "FF", "Finish to finish"
        SF = "SF", "Start to finish"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dependencies")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")
    type = models.CharField(max_length=2, choices=Type.choices, default=Type.FS)
    lag = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-MAX_WORKING_DAYS), MaxValueValidator(MAX_WORKING_DAYS)],
        help_text="Working days; negative for a lead.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "id"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="dependency_once_per_pair",
                violation_error_message="These two tasks are already linked.",
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name="dependency_not_on_itself",
                violation_error_message="A task cannot depend on itself.",
            ),
        ]

    def __str__(self) -> str:
        lag = f" {self.lag:+d}d" if self.lag else ""
        return f"{self.predecessor_id} {self.type}{lag} → {self.successor_id}"


class ExternalDependency(PythonChecksMixin, models.Model):
    """A task of this project (``successor``) that waits for a task of another project
    (``predecessor``): FS/SS/FF/SF with a lag in working days of this project's calendar.

    The one deliberate exception to "a recompute stays in the edit's transaction" (DESIGN §4):
    the other project's dates are read as they were last committed, and when they move, this
    project is recomputed by the worker after that commit (``scheduling.services.external``).
    Links between projects never make a loop of projects.
    """

    Type = Dependency.Type

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="external_dependencies"
    )
    predecessor = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="external_successor_links"
    )
    successor = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="external_predecessor_links"
    )
    type = models.CharField(max_length=2, choices=Dependency.Type.choices, default="FS")
    lag = models.IntegerField(
        default=0,
        validators=[MinValueValidator(-MAX_WORKING_DAYS), MaxValueValidator(MAX_WORKING_DAYS)],
        help_text="Working days; negative for a lead.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "id"]
        verbose_name_plural = "external dependencies"
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="external_dependency_once_per_pair",
                violation_error_message="These two tasks are already linked.",
            ),
        ]

    def __str__(self) -> str:
        lag = f" {self.lag:+d}d" if self.lag else ""
        return f"{self.predecessor_id} {self.type}{lag} → {self.successor_id} (external)"


class ScheduleWait(models.Model):
    """A project whose dates wait for the worker: a project it depends on moved and committed,
    and the cross-project recompute has not reached it yet ("waiting for KEY to recompute")."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="schedule_wait")
    waiting_for = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.project_id} waits for {self.waiting_for_id}"


class Baseline(models.Model):
    """A named, frozen copy of the plan's dates, durations and costs."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    name = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    is_performance = models.BooleanField(
        "performance baseline",
        default=False,
        help_text="The baseline earned value measures against (one per project).",
    )
    start_date = models.DateField(null=True)
    finish_date = models.DateField(null=True)
    total_cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="baseline_name_unique_in_project",
                violation_error_message="This project already has a baseline with this name.",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(is_performance=True),
                name="one_performance_baseline_per_project",
                violation_error_message="Only one baseline can be the performance baseline.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BaselineTask(models.Model):
    """One task as it stood when the baseline was taken (kept even if the task is deleted)."""

    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, related_name="baseline_entries"
    )
    name = models.CharField(max_length=200)
    duration = models.PositiveIntegerField()
    start_date = models.DateField(null=True)
    finish_date = models.DateField(null=True)
    early_start = models.IntegerField(null=True)
    early_finish = models.IntegerField(null=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["baseline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "task"], name="baseline_task_once_per_baseline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.baseline}: {self.name}"


class Sprint(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=120)
    goal = models.TextField(blank=True)
    start_date = models.DateField()
    finish_date = models.DateField()
    capacity = models.PositiveIntegerField(default=0, help_text="Story points the team can take.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("finish_date")),
                name="sprint_start_before_finish",
                violation_error_message="A sprint cannot finish before it starts.",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="active"),
                name="one_active_sprint_per_project",
                violation_error_message="Another sprint of this project is already active.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BacklogItem(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="backlog_items")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # The largest smallint, so any backend's column holds it and SQLite's sums cannot overflow.
    story_points = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(32_767)]
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the product backlog.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TODO)
    done_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The day it was done (for burndown)."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | ~Q(status="done"),
                name="backlog_item_done_has_a_day",
            ),
        ]

    def __str__(self) -> str:
        return self.title
