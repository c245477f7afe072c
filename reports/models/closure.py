"""Closing a project on purpose: the closure (checklist, final review, sign-off), lessons learned
and the post-implementation review (DESIGN §4 "Closure").

A project has at most one ``Closure``. Its checklist items are either ticked by people or
``computed`` by Charter from the project's data (``rule`` names it, see
``reports.services.closure``); computed items are never ticked by hand. Submitting the closure
freezes the closure report in ``report`` and asks the sponsor for an Approval of kind
``project_closure`` whose subject is the closure; the approval moves the project to ``closed``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import AttachmentsRelation, Objective, Project
from projects.models.checks import PythonChecksMixin


class Closure(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
        SIGNED_OFF = "signed_off", "Signed off"

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="closure")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    narrative = models.TextField(
        blank=True, help_text="The manager's account of how the project went, for the final review."
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The closure report as submitted for sign-off: what the sponsor approved.
    report = models.JSONField(default=dict, blank=True)
    approval = models.ForeignKey(
        "stakeholders.Approval",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The sponsor's sign-off asked for the latest submission.",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    pir_weeks = models.PositiveSmallIntegerField(
        "post-implementation review after (weeks)",
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["report", "version"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pir_weeks__gte=1, pir_weeks__lte=104),
                name="closure_pir_weeks_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Closure of {self.project.key}"


class ClosureItem(models.Model):
    """One line of the closure checklist."""

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    help_text = models.CharField(max_length=500, blank=True)
    # Empty for items people tick; otherwise the name of the rule that decides it.
    rule = models.CharField(max_length=40, blank=True)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Hand-over details, where things were archived.")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["closure", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["closure", "title"], name="closure_item_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_computed(self) -> bool:
        return bool(self.rule)


class LessonLearned(models.Model):
    class Category(models.TextChoices):
        PLANNING = "planning", "Planning"
        ESTIMATION = "estimation", "Estimation"
        VENDORS = "vendors", "Vendors"
        TECHNICAL = "technical", "Technical"
        COMMUNICATION = "communication", "Communication"
        PEOPLE = "people", "People"
        RISK = "risk", "Risk"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lessons_learned")
    category = models.CharField(max_length=16, choices=Category.choices)
    title = models.CharField(max_length=200)
    what_happened = models.TextField()
    impact = models.TextField(blank=True)
    recommendation = models.TextField()
    tags = models.JSONField(default=list, blank=True, help_text="Short lower-case words.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "lessons learned"

    def __str__(self) -> str:
        return self.title


class PostImplementationReview(models.Model):
    """The review N weeks after closure: were the objectives' benefits realised?"""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="post_implementation_review"
    )
    due_on = models.DateField()
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the manager was reminded (once)."
    )
    held_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    def __str__(self) -> str:
        return f"Post-implementation review of {self.project.key}"


class BenefitRealisation(models.Model):
    """What one objective's measure reached by the post-implementation review."""

    review = models.ForeignKey(
        PostImplementationReview, on_delete=models.CASCADE, related_name="benefits"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    realised_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "objective__position", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "objective"], name="benefit_once_per_objective"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective} at review"
