"""The stakeholder register (power/interest, engagement), the RACI matrix and the
communication plan (which decides who receives which report)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from simple_history.models import HistoricalRecords

from projects.models import Deliverable, Project, WorkPackage
from projects.models.checks import PythonChecksMixin

# --- power / interest and engagement (DESIGN §4 "Stakeholders") -----------------------------------

SCALE = (1, 5)
HIGH = 3  # power or interest of 3 or more counts as high


class Quadrant(models.TextChoices):
    MANAGE_CLOSELY = "manage_closely", "Manage closely"
    KEEP_SATISFIED = "keep_satisfied", "Keep satisfied"
    KEEP_INFORMED = "keep_informed", "Keep informed"
    MONITOR = "monitor", "Monitor"

    @property
    def strategy(self) -> str:
        return QUADRANT_STRATEGY[self]


QUADRANT_STRATEGY = {
    Quadrant.MANAGE_CLOSELY: "Key player: involve them in decisions, consult early and often, "
    "and keep them engaged in steering meetings.",
    Quadrant.KEEP_SATISFIED: "Meet their needs without overloading them: brief them on what "
    "affects their interests and consult them before decisions that do.",
    Quadrant.KEEP_INFORMED: "Keep them informed with regular updates; they can be good "
    "allies and give early warning of problems.",
    Quadrant.MONITOR: "Watch for changes in their position; share general information with "
    "minimal effort.",
}


def quadrant_for(power: int, interest: int) -> Quadrant:
    """The power/interest quadrant: each of power and interest is high from 3 up."""
    high_power, high_interest = power >= HIGH, interest >= HIGH
    if high_power and high_interest:
        return Quadrant.MANAGE_CLOSELY
    if high_power:
        return Quadrant.KEEP_SATISFIED
    if high_interest:
        return Quadrant.KEEP_INFORMED
    return Quadrant.MONITOR


class Engagement(models.TextChoices):
    """Engagement levels in order, from the least engaged to the most."""

    UNAWARE = "unaware", "Unaware"
    RESISTANT = "resistant", "Resistant"
    NEUTRAL = "neutral", "Neutral"
    SUPPORTIVE = "supportive", "Supportive"
    LEADING = "leading", "Leading"

    @property
    def rank(self) -> int:
        return list(Engagement).index(self)


def engagement_gap(current: str, desired: str) -> int:
    """Steps from the current to the desired engagement: positive means engagement must rise,
    negative that it may fall (rare: a stakeholder leading what they should only support)."""
    return Engagement(desired).rank - Engagement(current).rank


# --- the register ---------------------------------------------------------------------------------


class StakeholderQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> StakeholderQuerySet:
        return self.filter(project=project)

    def with_quadrant(self) -> StakeholderQuerySet:
        """Annotate ``quadrant_code`` (and ``quadrant_rank``, for sorting) in SQL."""
        high_power, high_interest = Q(power__gte=HIGH), Q(interest__gte=HIGH)
        return self.annotate(
            quadrant_code=Case(
                When(high_power & high_interest, then=Value(Quadrant.MANAGE_CLOSELY.value)),
                When(high_power, then=Value(Quadrant.KEEP_SATISFIED.value)),
                When(high_interest, then=Value(Quadrant.KEEP_INFORMED.value)),
                default=Value(Quadrant.MONITOR.value),
                output_field=models.CharField(),
            ),
            # The grid's reading order: manage closely, keep satisfied, keep informed, monitor.
            quadrant_rank=Case(
                When(high_power & high_interest, then=Value(0)),
                When(high_power, then=Value(1)),
                When(high_interest, then=Value(2)),
                default=Value(3),
                output_field=models.IntegerField(),
            ),
        )

    def in_quadrant(self, quadrant: str) -> StakeholderQuerySet:
        return self.with_quadrant().filter(quadrant_code=quadrant)

    def with_email(self) -> StakeholderQuerySet:
        return self.exclude(email="")


class Stakeholder(PythonChecksMixin, models.Model):
    """A person or group with an interest in the project, inside the organisation or outside."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", "Internal"
        EXTERNAL = "external", "External"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    title = models.CharField(
        "role or title", max_length=200, blank=True, help_text="e.g. CFO, Head of Service Desk."
    )
    email = models.EmailField("e-mail", blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.INTERNAL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stakeholder_records",
        help_text="Their Charter account, if they have one (needed to approve).",
    )
    power = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(SCALE[0]), MaxValueValidator(SCALE[1])],
        help_text="1 (none) to 5 (decisive): how far they can affect the project.",
    )
    interest = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(SCALE[0]), MaxValueValidator(SCALE[1])],
        help_text="1 (none) to 5 (very high): how much the project affects them.",
    )
    engagement_current = models.CharField(
        "current engagement", max_length=12, choices=Engagement.choices, default=Engagement.NEUTRAL
    )
    engagement_desired = models.CharField(
        "desired engagement",
        max_length=12,
        choices=Engagement.choices,
        default=Engagement.SUPPORTIVE,
    )
    communication_needs = models.TextField(
        blank=True, help_text="What they need to hear, how and how often."
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])
    objects = StakeholderQuerySet.as_manager()

    class Meta:
        ordering = ["project", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(power__gte=1, power__lte=5),
                name="stakeholder_power_1_to_5",
                violation_error_message="Power is 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=1, interest__lte=5),
                name="stakeholder_interest_1_to_5",
                violation_error_message="Interest is 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(engagement_current__in=Engagement.values)
                & Q(engagement_desired__in=Engagement.values),
                name="stakeholder_engagement_known",
            ),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(user__isnull=False),
                name="stakeholder_one_record_per_user_and_project",
                violation_error_message="This user already has a stakeholder record here.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quadrant(self) -> Quadrant:
        return quadrant_for(self.power, self.interest)

    @property
    def strategy(self) -> str:
        return self.quadrant.strategy

    @property
    def engagement_gap(self) -> int:
        return engagement_gap(self.engagement_current, self.engagement_desired)


# --- RACI -----------------------------------------------------------------------------------------


class RaciEntry(PythonChecksMixin, models.Model):
    """One cell of the RACI matrix: a party's role for a deliverable or a work package (a row).

    Exactly one A and at least one R per row cannot be a check on one row of the table; the
    services enforce it for the whole row under a lock on the row's deliverable or work package.
    """

    class Role(models.TextChoices):
        RESPONSIBLE = "R", "Responsible"
        ACCOUNTABLE = "A", "Accountable"
        CONSULTED = "C", "Consulted"
        INFORMED = "I", "Informed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="raci_entries")
    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_entries"
    )
    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_entries"
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, null=True, blank=True, related_name="raci_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="raci_entries",
    )
    role = models.CharField(max_length=1, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "id"]
        verbose_name = "RACI entry"
        verbose_name_plural = "RACI entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(deliverable__isnull=False, work_package__isnull=True)
                | Q(deliverable__isnull=True, work_package__isnull=False),
                name="raci_row_is_deliverable_xor_work_package",
                violation_error_message="A RACI entry is for a deliverable or a work package.",
            ),
            models.CheckConstraint(
                condition=Q(stakeholder__isnull=False, user__isnull=True)
                | Q(stakeholder__isnull=True, user__isnull=False),
                name="raci_party_is_stakeholder_xor_user",
                violation_error_message="A RACI entry is for a stakeholder or a team member.",
            ),
            models.CheckConstraint(condition=Q(role__in=["R", "A", "C", "I"]), name="raci_role"),
            # One cell per party and row.
            models.UniqueConstraint(
                fields=["deliverable", "stakeholder"],
                condition=Q(deliverable__isnull=False, stakeholder__isnull=False),
                name="raci_one_cell_deliverable_stakeholder",
            ),
            models.UniqueConstraint(
                fields=["deliverable", "user"],
                condition=Q(deliverable__isnull=False, user__isnull=False),
                name="raci_one_cell_deliverable_user",
            ),
            models.UniqueConstraint(
                fields=["work_package", "stakeholder"],
                condition=Q(work_package__isnull=False, stakeholder__isnull=False),
                name="raci_one_cell_work_package_stakeholder",
            ),
            models.UniqueConstraint(
                fields=["work_package", "user"],
                condition=Q(work_package__isnull=False, user__isnull=False),
                name="raci_one_cell_work_package_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.row}: {self.party} {self.role}"

    @property
    def row(self) -> Deliverable | WorkPackage:
        return self.deliverable if self.deliverable_id else self.work_package

    @property
    def party(self):
        return self.stakeholder if self.stakeholder_id else self.user


# --- communication plan ---------------------------------------------------------------------------


class CommunicationPlanItem(models.Model):
    """Who gets what, how often and by which channel. The weekly status report's item decides
    who receives the weekly report (DESIGN §4)."""

    class Kind(models.TextChoices):
        WEEKLY_STATUS_REPORT = "weekly_status_report", "Weekly status report"
        STEERING_COMMITTEE_PACK = "steering_committee_pack", "Steering committee pack"
        RELEASE_NOTES = "release_notes", "Release notes"
        CUSTOM = "custom", "Custom"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"
        PER_MILESTONE = "per_milestone", "Per milestone"
        AD_HOC = "ad_hoc", "Ad hoc"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        MEETING = "meeting", "Meeting"
        PORTAL = "portal", "Portal"
        CHAT = "chat", "Chat"
        PHONE = "phone", "Phone or video call"
        DOCUMENT = "document", "Shared document"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="communication_plan"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(max_length=200)
    audience = models.ManyToManyField(Stakeholder, blank=True, related_name="communications")
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.WEEKLY)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_communications",
    )
    next_due = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"], m2m_fields=[audience])

    class Meta:
        ordering = ["project", "next_due", "id"]
        verbose_name = "communication plan item"

    def __str__(self) -> str:
        return self.title
