"""The project and who belongs to it: the ground floor every other app stands on."""

from __future__ import annotations

import datetime
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from projects import clock
from projects.currencies import CURRENCY_CHOICES
from projects.models.checks import PythonChecksMixin


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            "“%(value)s” is not a known time zone; use an IANA name such as Europe/London.",
            params={"value": value},
            code="invalid_time_zone",
        )


#: A project's priority when none is given (MS Project's default and scale, 1-1000).
DEFAULT_PRIORITY = 500

key_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}\Z",
    "A key is 2 to 10 capital letters or digits, starting with a letter (for example ERP).",
    code="invalid_key",
)


class Role(models.TextChoices):
    """A member's role in a project; each role can do what the roles listed before it can."""

    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def covers(self, needed: Role) -> bool:
        return self.rank >= Role(needed).rank


class ProjectQuerySet(models.QuerySet):
    def search(self, text: str) -> ProjectQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(key__icontains=text)
            | Q(description__icontains=text)
            | Q(sponsor__icontains=text)
        )

    def active(self) -> ProjectQuerySet:
        return self.exclude(stage=Project.Stage.CLOSED)


class Project(PythonChecksMixin, models.Model):
    class Type(models.TextChoices):
        SOFTWARE = "software", "Software delivery"
        INFRASTRUCTURE = "infrastructure", "Infrastructure"
        CYBERSECURITY = "cybersecurity", "Cybersecurity"
        DIGITAL_TRANSFORMATION = "digital_transformation", "Digital transformation"
        OTHER = "other", "Other"

    class Methodology(models.TextChoices):
        SCRUM = "scrum", "Scrum"
        WATERFALL = "waterfall", "Waterfall"
        PRINCE2 = "prince2", "PRINCE2"
        HYBRID = "hybrid", "Hybrid (PMBOK-style)"

    class Stage(models.TextChoices):
        INITIATING = "initiating", "Initiating"
        PLANNING = "planning", "Planning"
        EXECUTING = "executing", "Executing"
        MONITORING = "monitoring", "Monitoring and controlling"
        CLOSING = "closing", "Closing"
        CLOSED = "closed", "Closed"

    class Weekday(models.IntegerChoices):
        MONDAY = 1, "Monday"
        TUESDAY = 2, "Tuesday"
        WEDNESDAY = 3, "Wednesday"
        THURSDAY = 4, "Thursday"
        FRIDAY = 5, "Friday"
        SATURDAY = 6, "Saturday"
        SUNDAY = 7, "Sunday"

    name = models.CharField(max_length=200)
    key = models.CharField(
        max_length=10,
        unique=True,
        validators=[key_validator],
        help_text="Short unique code used in references, e.g. ERP.",
    )
    description = models.TextField(blank=True)
    type = models.CharField(max_length=32, choices=Type.choices, default=Type.SOFTWARE)
    methodology = models.CharField(
        max_length=16, choices=Methodology.choices, default=Methodology.HYBRID
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.INITIATING)
    sponsor = models.CharField(
        max_length=200, blank=True, help_text="The person accountable for the business case."
    )
    start_date = models.DateField()
    target_finish = models.DateField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    report_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        default=Weekday.FRIDAY,
        help_text="Weekday the weekly status report goes out, in the project's time zone.",
    )
    requirement_categories = models.JSONField(
        default=list,
        blank=True,
        help_text="Categories offered when writing requirements (from the project's template).",
    )
    report_hour = models.PositiveSmallIntegerField(
        default=9,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="Hour (0–23) the weekly status report goes out.",
    )
    # Ranks projects that share people: cross-project levelling keeps the days of the higher
    # priority's tasks (budgets.levelling). MS Project's scale and default.
    priority = models.PositiveSmallIntegerField(
        default=DEFAULT_PRIORITY,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="1–1000: when projects share a person, the higher keeps its dates.",
    )
    # Optimistic concurrency: every edit must name the version it was based on (DESIGN §3).
    # At most one programme (projects/models/programme.py); set by projects.services.programmes.
    programme = models.ForeignKey(
        "projects.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("target_finish")),
                name="project_start_before_target_finish",
                violation_error_message="The target finish cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(report_weekday__gte=1, report_weekday__lte=7),
                name="project_report_weekday_iso",
            ),
            models.CheckConstraint(
                condition=Q(report_hour__gte=0, report_hour__lte=23),
                name="project_report_hour_in_day",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=1000),
                name="project_priority_1_to_1000",
                violation_error_message="A project's priority is from 1 to 1000.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:overview", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.key:
            self.key = self.key.strip().upper()
        if self.start_date and self.target_finish and self.target_finish < self.start_date:
            raise ValidationError(
                {"target_finish": "The target finish cannot be before the start date."}
            )

    @property
    def is_closed(self) -> bool:
        return self.stage == self.Stage.CLOSED

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The project's time zone: its days, report hours and deadlines are local to it."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> datetime.date:
        """Today in the project's time zone, on Charter's clock."""
        return clock.today(self.zone)


class MembershipQuerySet(models.QuerySet):
    def managers(self) -> MembershipQuerySet:
        return self.filter(role=Role.MANAGER)


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                name="membership_one_per_user_and_project",
                violation_error_message="This person is already a member of the project.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project.key} ({self.get_role_display()})"
