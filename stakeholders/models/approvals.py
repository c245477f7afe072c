"""Approvals: a sign-off asked of one person, decided once."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import Project
from projects.models.checks import PythonChecksMixin
from stakeholders.models.register import Stakeholder


class ApprovalQuerySet(models.QuerySet):
    def pending(self) -> ApprovalQuerySet:
        return self.filter(decision=Approval.Decision.PENDING)

    def for_subject(self, subject: models.Model) -> ApprovalQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )


class Approval(PythonChecksMixin, models.Model):
    """A sign-off asked of one person: a deliverable's acceptance, a change request, a stage
    gate, the project's closure or a person's hours on the project in a week (a timesheet).

    The subject is generic (content type + id) because the things approved live on different
    floors (scheduling's Phase is beside stakeholders, not below it, so no FK may point to it);
    ``kind`` names what is approved and ``project`` scopes it for the access door.
    """

    class Kind(models.TextChoices):
        DELIVERABLE_ACCEPTANCE = "deliverable_acceptance", "Deliverable acceptance"
        CHANGE_REQUEST = "change_request", "Change request"
        STAGE_GATE = "stage_gate", "Stage gate"
        PROJECT_CLOSURE = "project_closure", "Project closure"
        TIMESHEET = "timesheet", "Timesheet"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="charter_approvals",
        help_text="The one person who can decide.",
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approvals",
        help_text="The register entry the approver was chosen through, if any.",
    )
    note = models.TextField(blank=True, help_text="What the approver is asked to check.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the approver was e-mailed."
    )

    history = HistoricalRecords(excluded_fields=["notified_at"])
    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-requested_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="approval_subject")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "deliverable_acceptance",
                        "change_request",
                        "stage_gate",
                        "project_closure",
                        "timesheet",
                    ]
                ),
                name="approval_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="approval_decided_at_iff_decided",
            ),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(comment=""),
                name="approval_rejection_has_comment",
                violation_error_message="A rejection needs a comment.",
            ),
            # Asking the same person twice at once is one request too many (and a race).
            models.UniqueConstraint(
                fields=["content_type", "object_id", "approver"],
                condition=Q(decision="pending"),
                name="approval_one_pending_per_subject_and_approver",
                violation_error_message="This person already has this approval waiting.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.approver} ({self.get_decision_display()})"

    @property
    def is_pending(self) -> bool:
        return self.decision == self.Decision.PENDING
