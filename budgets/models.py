"""Money and people: budget lines, the approved budget and its change trail, actual costs,
commitments, resources, assignments and time.

Money is ``Decimal`` with 2 places in the project's currency. Every rule that must always hold
is a database constraint as well (STYLE 4); ``services`` give the message a person reads.

The approved budget
-------------------
When a performance baseline is taken, the budget is frozen with it in a :class:`BudgetBaseline`
(the baselined task costs, the budget lines by category, and the approved budget: the task
costs, or the lines when tasks carry no cost). Each change request approved after that adds one
:class:`BudgetAdjustment` (its cost impact, who approved it, when, why), so the approved budget
is always ``frozen amount + Σ adjustments`` and every cent of the difference has a reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Sum, When
from simple_history.models import HistoricalRecords

from projects.models import ChangeRequest, Project, WorkPackage
from projects.models.checks import PythonChecksMixin
from scheduling.models import Baseline, Phase, Task

ZERO = Decimal("0.00")


class Category(models.TextChoices):
    """What money is spent on, for budget lines, cost entries and commitments alike; reserves are
    budgeted, never spent directly."""

    LABOUR = "labour", "Labour"
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software and licences"
    CLOUD = "cloud", "Cloud and hosting"
    CONTRACTORS = "contractors", "Contractors and vendors"
    TRAINING = "training", "Training"
    TRAVEL = "travel", "Travel"
    CONTINGENCY = "contingency", "Contingency reserve"
    MANAGEMENT_RESERVE = "management_reserve", "Management reserve"
    OTHER = "other", "Other"


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


# --- budget ---------------------------------------------------------------------------------------


class BudgetLineQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> BudgetLineQuerySet:
        return self.filter(project=project)

    def by_category(self) -> dict[str, Decimal]:
        rows = self.values("category").annotate(total=Sum("planned_amount")).order_by()
        return {row["category"]: row["total"] for row in rows}


class BudgetLine(PythonChecksMixin, models.Model):
    """A planned amount of money for one category, optionally for a work package or a phase."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(max_length=24, choices=Category.choices)
    name = models.CharField(max_length=200, blank=True, help_text="e.g. “Laptops for testers”.")
    planned_amount = _money(help_text="In the project's currency.")
    work_package = models.ForeignKey(
        WorkPackage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_lines",
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="budget_lines"
    )
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        ordering = ["project", "category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0),
                name="budget_line_amount_not_negative",
                violation_error_message="A planned amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(work_package__isnull=True) | Q(phase__isnull=True),
                name="budget_line_work_package_or_phase",
                violation_error_message="A budget line is for a work package or a phase, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.name or self.planned_amount}"


class BudgetBaseline(PythonChecksMixin, models.Model):
    """The budget frozen with a performance baseline (never edited; see the module docstring)."""

    baseline = models.OneToOneField(
        Baseline, on_delete=models.CASCADE, related_name="budget_snapshot"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_baselines")
    task_cost = _money(help_text="Σ baselined task costs (fixed + labour).")
    lines_total = _money(help_text="Σ budget lines when frozen.")
    lines_by_category = models.JSONField(
        default=dict, help_text="Budget lines per category when frozen, as decimal strings."
    )
    approved_budget = _money(help_text="Task costs, or the budget lines when tasks carry none.")
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-frozen_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(task_cost__gte=0, lines_total__gte=0, approved_budget__gte=0),
                name="budget_baseline_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Budget of {self.baseline}: {self.approved_budget}"


class BudgetAdjustment(models.Model):
    """One approved change request's cost impact on the approved budget (the visible trail)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_adjustments"
    )
    change_request = models.OneToOneField(
        ChangeRequest,
        on_delete=models.RESTRICT,
        related_name="budget_adjustment",
        help_text="The approved change request; one adjustment each.",
    )
    amount = _money(help_text="Negative when the change lowers the budget.")
    reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "approved_at", "id"]

    def __str__(self) -> str:
        return f"{self.change_request.ref}: {self.amount:+}"


# --- actual costs and commitments -----------------------------------------------------------------


class CostEntryQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> CostEntryQuerySet:
        return self.filter(project=project)

    def up_to(self, day) -> CostEntryQuerySet:
        return self.filter(date__lte=day)

    @staticmethod
    def signed_amount() -> Case:
        """The amount as it counts in actual cost: credits lower it."""
        return Case(When(kind=CostEntry.Kind.CREDIT, then=-F("amount")), default=F("amount"))

    def total(self) -> Decimal:
        return self.aggregate(total=Sum(self.signed_amount(), default=ZERO))["total"]


class CostEntry(PythonChecksMixin, models.Model):
    """Money actually spent (an invoice, a receipt), or a credit that gives some back.

    Amounts are always positive, as printed on the document: a credit note is an entry of kind
    ``credit`` and counts negative in actual cost. A negative amount is refused, so a sign typo
    can never silently halve a cost report.
    """

    class Kind(models.TextChoices):
        COST = "cost", "Cost"
        CREDIT = "credit", "Credit (refund, credit note)"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cost_entries")
    date = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.COST)
    amount = _money(help_text="Positive, as on the invoice or credit note.")
    category = models.CharField(max_length=24, choices=Category.choices)
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="cost_entries"
    )
    vendor = models.CharField(max_length=200, blank=True)
    invoice_reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = CostEntryQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-date", "-id"]
        verbose_name_plural = "cost entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="cost_entry_amount_positive",
                violation_error_message="An amount must be more than zero; record a refund "
                "as a credit.",
            ),
            models.CheckConstraint(
                condition=~Q(category__in=["contingency", "management_reserve"]),
                name="cost_entry_not_on_a_reserve",
                violation_error_message="Reserves are not spent directly: book the cost on "
                "the category it was spent on.",
            ),
        ]
        indexes = [models.Index(fields=["project", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.signed_amount} {self.vendor}".strip()

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == self.Kind.CREDIT else self.amount


class Commitment(PythonChecksMixin, models.Model):
    """Money promised but not yet invoiced: a purchase order, a signed contract."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        INVOICED = "invoiced", "Invoiced"
        CANCELLED = "cancelled", "Cancelled"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="commitments")
    date = models.DateField(help_text="When it was ordered.")
    amount = _money()
    category = models.CharField(max_length=24, choices=Category.choices)
    vendor = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="e.g. PO-2026-0142.")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="commitment_amount_positive",
                violation_error_message="A commitment must be more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.vendor} {self.amount}".strip()


# --- resources ------------------------------------------------------------------------------------


class Resource(PythonChecksMixin, models.Model):
    """Someone or something the project books on tasks; one list per project (DESIGN §5 nests
    resources under the project, and rates are negotiated per engagement)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        NON_LABOUR = "non_labour", "Non-labour (equipment, service, material)"

    class RateUnit(models.TextChoices):
        HOUR = "hour", "per hour"
        DAY = "day", "per day"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSON)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        help_text="The member this resource is, if any (contractors may have no account).",
    )
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Backend developer.")
    rate = _money(default=ZERO, help_text="What an hour or a day of this person costs.")
    rate_unit = models.CharField(max_length=4, choices=RateUnit.choices, default=RateUnit.HOUR)
    capacity_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("8.00"),
        help_text="Hours this person can work per working day.",
    )
    unit_cost = _money(default=ZERO, help_text="Non-labour: the cost of one unit.")
    unit = models.CharField(max_length=40, blank=True, help_text="Non-labour: e.g. month, licence.")
    is_placeholder = models.BooleanField(
        default=False,
        help_text="A generic or role booking before a name is known (“Backend developer ×2”).",
    )
    headcount = models.PositiveSmallIntegerField(
        default=1, help_text="Placeholders: how many people; capacity counts once per head."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="resource_name_unique_in_project",
                violation_error_message="This project already has a resource with this name.",
            ),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(user__isnull=False),
                name="resource_one_per_user_and_project",
                violation_error_message="This person is already a resource of the project.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0, unit_cost__gte=0),
                name="resource_costs_not_negative",
                violation_error_message="Rates and unit costs cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(capacity_hours__gt=0, capacity_hours__lte=24),
                name="resource_capacity_within_a_day",
                violation_error_message="Capacity is more than 0 and at most 24 hours a day.",
            ),
            models.CheckConstraint(
                condition=Q(kind="person") | Q(user__isnull=True),
                name="resource_only_people_are_users",
                violation_error_message="Only a person can be linked to a user.",
            ),
            models.CheckConstraint(
                condition=Q(is_placeholder=False) | Q(kind="person", user__isnull=True),
                name="resource_placeholder_is_a_person_without_user",
                violation_error_message="A placeholder is a person not yet named (no member).",
            ),
            models.CheckConstraint(
                condition=Q(headcount=1) | Q(is_placeholder=True, headcount__gte=1),
                name="resource_headcount_only_for_placeholders",
                violation_error_message="Only a placeholder counts more than one head.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def daily_capacity(self) -> Decimal:
        """Hours a working day across every head: what over-allocation compares bookings to
        (an assignment's units stay a share of one head's capacity, as MS Project's)."""
        return self.capacity_hours * self.headcount

    def cost_of_hours(self, hours: Decimal) -> Decimal:
        """What ``hours`` of this person cost at the rate (a day rate buys a full day of
        capacity), in cents."""
        if self.rate_unit == self.RateUnit.DAY:
            value = hours * self.rate / self.capacity_hours
        else:
            value = hours * self.rate
        return value.quantize(Decimal("0.01"))


class DayOff(models.Model):
    """A working day the resource does not work (leave, training): capacity 0 that day."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    person_day_off = models.ForeignKey(
        "PersonDayOff",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
        help_text="Set on the person: removed with it (the person's days off win).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["resource", "date"]
        verbose_name_plural = "days off"
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "date"],
                name="day_off_once_per_resource",
                violation_error_message="This day is already off for this resource.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {self.date}"

    @property
    def from_person(self) -> bool:
        return self.person_day_off_id is not None


# --- people across projects -----------------------------------------------------------------------


class Person(PythonChecksMixin, models.Model):
    """A user's capacity, days off and default rate card, once for every project.

    Each project's :class:`Resource` for the user keeps its own project rate and role; the
    services keep its ``capacity_hours`` and days off equal to the person's (the person's win),
    so every reader of resources (loads, levelling, earned value, heat maps) sees them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="person",
    )
    capacity_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("8.00"),
        help_text="Hours this person can work per working day, in every project.",
    )
    rate = _money(default=ZERO, help_text="Default rate for a new project resource.")
    rate_unit = models.CharField(
        max_length=4, choices=Resource.RateUnit.choices, default=Resource.RateUnit.HOUR
    )
    team = models.CharField(max_length=120, blank=True, help_text="e.g. Platform, Security.")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["user"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_hours__gt=0, capacity_hours__lte=24),
                name="person_capacity_within_a_day",
                violation_error_message="Capacity is more than 0 and at most 24 hours a day.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="person_rate_not_negative",
                violation_error_message="A rate cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class PersonDayOff(models.Model):
    """A day a person does not work, in every project: copied onto each of their resources."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "date"]
        verbose_name_plural = "person days off"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "date"],
                name="person_day_off_once",
                violation_error_message="This day is already off for this person.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.date}"


class Assignment(PythonChecksMixin, models.Model):
    """A share of a resource booked on a task.

    A person's ``units`` are a percentage of their capacity (50 = half-time; above 100 is
    overtime, which over-allocation then reports): planned hours = task duration (working days)
    × capacity × units / 100. A non-labour resource books a ``quantity`` of its unit.
    ``planned_hours`` and ``planned_cost`` are derived and kept by the services, which also keep
    the task's ``labour_cost`` = Σ planned cost of its assignments.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="assignments")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    units = models.PositiveIntegerField(default=100, help_text="% of capacity; 50 = half-time.")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="Non-labour: units used."
    )
    planned_hours = models.DecimalField(
        max_digits=10, decimal_places=2, default=ZERO, editable=False
    )
    planned_cost = _money(default=ZERO, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "task", "resource"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "task"],
                name="assignment_once_per_resource_and_task",
                violation_error_message="This resource is already assigned to this task.",
            ),
            models.CheckConstraint(
                condition=Q(units__gte=1, units__lte=1000),
                name="assignment_units_between_1_and_1000",
                violation_error_message="Units are a percentage from 1 to 1000.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, planned_hours__gte=0, planned_cost__gte=0),
                name="assignment_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} on {self.task} ({self.units}%)"


class TimeEntryQuerySet(models.QuerySet):
    def in_actual_cost(self) -> TimeEntryQuerySet:
        """The entries that count in labour actual cost: the approved ones (``TimeEntry``)."""
        return self.filter(approved=True)


class TimeEntry(PythonChecksMixin, models.Model):
    """Hours a person actually worked on a task on a day; its cost is frozen at the rate of the
    day it was logged, so a later rate change does not rewrite past actual cost.

    Only ``approved`` hours count in actual cost (``budgets.services.timesheets`` says when an
    entry is approved: on write when a manager or nobody's timesheet logs it, else when the
    person's week is approved for this project)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="time_entries")
    # Logged time is actual cost: it outlives a deleted task, and keeps its resource.
    resource = models.ForeignKey(Resource, on_delete=models.RESTRICT, related_name="time_entries")
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    cost = _money(editable=False)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    approved = models.BooleanField(
        default=True, editable=False, help_text="Counts in actual cost (approved hours only)."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-date", "resource"]
        verbose_name_plural = "time entries"
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "task", "date"],
                name="time_entry_once_per_resource_task_and_day",
                violation_error_message="Hours for this person, task and day are already "
                "logged; change that entry instead.",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24),
                name="time_entry_hours_within_a_day",
                violation_error_message="Hours are more than 0 and at most 24.",
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="time_entry_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["project", "date"])]

    def __str__(self) -> str:
        return f"{self.resource} {self.date} {self.hours}h on {self.task}"


# --- timesheets -----------------------------------------------------------------------------------


class NonProjectTime(PythonChecksMixin, models.Model):
    """Hours of a person on a day that belong to no project (leave, sickness, training, admin):
    counted in their timesheet's totals against capacity, never in any project's cost. Stored
    per person, so only the person (and admins) ever see it."""

    class Category(models.TextChoices):
        LEAVE = "leave", "Leave"
        SICK = "sick", "Sick"
        TRAINING = "training", "Training"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="non_project_time"
    )
    category = models.CharField(max_length=12, choices=Category.choices)
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["user", "date", "category"]
        verbose_name_plural = "non-project time"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "date"],
                name="non_project_time_once_per_category_and_day",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24),
                name="non_project_time_hours_within_a_day",
                violation_error_message="Hours are more than 0 and at most 24.",
            ),
            models.CheckConstraint(
                condition=Q(category__in=["leave", "sick", "training", "admin"]),
                name="non_project_time_category_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.date} {self.hours}h {self.get_category_display()}"


class TimesheetWeek(models.Model):
    """A person's week (``start`` is its Monday) as submitted for approval: draft until they
    submit it; submitted while any project's part waits for its manager; returned when a
    manager sent a part back (editable again, submitted again); approved once every part is.
    ``reminded_at`` makes the missing-week reminder go out once per person and week."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned"
        APPROVED = "approved", "Approved"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timesheet_weeks"
    )
    start = models.DateField(help_text="The Monday of the ISO week.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["reminded_at"])

    class Meta:
        ordering = ["user", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["user", "start"], name="timesheet_week_once_per_user"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "approved"]),
                name="timesheet_week_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="timesheet_week_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        return str(self)


class TimesheetPart(models.Model):
    """One project's share of a submitted week: the hours the person logged on that project,
    which that project's managers approve or return (with a reason). A manager only ever sees
    the part of their own project; approving it approves (and locks) those hours."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    week = models.ForeignKey(TimesheetWeek, on_delete=models.CASCADE, related_name="parts")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="timesheet_parts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=ZERO)
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why the hours were returned.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["week", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "project"], name="timesheet_part_once_per_project"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "returned"]),
                name="timesheet_part_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(reason=""),
                name="timesheet_part_return_has_reason",
                violation_error_message="Say why the hours are returned.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week.user} {self.week} on {self.project.key}"
