"""Scope: the charter, objectives, deliverables, requirements, the WBS and change control."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models.attachment import AttachmentsRelation
from projects.models.checks import PythonChecksMixin
from projects.models.comments import CommentsRelation
from projects.models.project import Project

SECTIONS = (
    "objectives",
    "work_packages",
    "deliverables",
    "requirement_categories",
    # The items people tick when the project closes (reports adds the ones it checks itself).
    "closure_checklist",
)


def validate_template_content(content: Any) -> None:
    """Refuse template content an admin typed that ``template_apply`` could not use."""
    if not isinstance(content, dict):
        raise ValidationError({"content": "Template content must be a JSON object."})
    unknown = set(content) - set(SECTIONS)
    if unknown:
        raise ValidationError(
            {
                "content": f"Unknown sections: {', '.join(sorted(unknown))}; "
                f"use {', '.join(SECTIONS)}."
            }
        )

    def need_list(section: str) -> list:
        value = content.get(section, [])
        if not isinstance(value, list):
            raise ValidationError({"content": f"“{section}” must be a list."})
        return value

    for i, item in enumerate(need_list("objectives"), start=1):
        if not isinstance(item, dict) or not str(item.get("description", "")).strip():
            raise ValidationError({"content": f"Objective {i} needs a description."})
    for i, item in enumerate(need_list("deliverables"), start=1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError({"content": f"Deliverable {i} needs a name."})
        if not isinstance(item.get("criteria", []), list):
            raise ValidationError({"content": f"Deliverable {i}: “criteria” must be a list."})
    for item in need_list("requirement_categories"):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError({"content": "Requirement categories must be non-empty text."})
    for i, item in enumerate(need_list("closure_checklist"), start=1):
        title = item.get("title", "") if isinstance(item, dict) else item
        if not isinstance(title, str) or not title.strip():
            raise ValidationError(
                {"content": f"Closure checklist item {i} needs a title (text or {{“title”}})."}
            )
        if isinstance(item, dict) and not isinstance(item.get("help_text", ""), str):
            raise ValidationError(
                {"content": f"Closure checklist item {i}: “help_text” must be text."}
            )

    def walk(nodes: Any, where: str) -> None:
        if not isinstance(nodes, list):
            raise ValidationError({"content": f"{where}: “children” must be a list."})
        for i, node in enumerate(nodes, start=1):
            if not isinstance(node, dict) or not str(node.get("name", "")).strip():
                raise ValidationError(
                    {"content": f"{where}, item {i}: a work package needs a name."}
                )
            walk(node.get("children", []), f"{where} › {node['name']}")

    walk(need_list("work_packages"), "WBS")


class Charter(models.Model):
    """The one page a sponsor reads and signs: why the project exists and what it covers."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="charter")
    business_case = models.TextField(blank=True)
    in_scope = models.TextField("in scope", blank=True)
    out_of_scope = models.TextField("out of scope", blank=True)
    assumptions = models.TextField(blank=True)
    constraints = models.TextField(blank=True)
    success_criteria = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    def __str__(self) -> str:
        return f"Charter of {self.project.key}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.TEXT_FIELDS)

    TEXT_FIELDS = (
        "business_case",
        "in_scope",
        "out_of_scope",
        "assumptions",
        "constraints",
        "success_criteria",
    )


class Objective(models.Model):
    """A SMART objective: what will be measured, from where to where, by when."""

    class Status(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        ACHIEVED = "achieved", "Achieved"
        MISSED = "missed", "Missed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objectives")
    description = models.CharField(max_length=300)
    measure = models.CharField(
        max_length=200, help_text="How it is measured, e.g. “share of logins with MFA”."
    )
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, days, EUR, tickets")
    baseline_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    achieved_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ON_TRACK)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.description


class WorkPackage(PythonChecksMixin, models.Model):
    """A node of the work breakdown structure; codes (1, 1.2, 1.2.3) follow its place in the tree.

    ``code`` and ``sort_key`` are derived from ``parent`` and ``position`` and rewritten by
    ``services.wbs_renumber`` after every structural change, so they are never edited directly.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="work_packages")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(default=1, help_text="Order among its siblings.")
    code = models.CharField(max_length=100, editable=False, default="")
    # Zero-padded path ("0001.0002") so that one ORDER BY gives the tree in reading order.
    sort_key = models.CharField(max_length=500, editable=False, default="", db_index=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_work_packages",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "sort_key", "position"])

    class Meta:
        ordering = ["project", "sort_key"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="work_package_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")


class Deliverable(PythonChecksMixin, models.Model):
    """Something the project hands over, accepted against explicit criteria."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted for acceptance"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    work_package = models.ForeignKey(
        WorkPackage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliverables",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_deliverables",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who accepted or rejected it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    comments = CommentsRelation(listing="projects:deliverables", page="projects:deliverable")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="deliverable_rejection_has_reason",
                violation_error_message="A rejection needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AcceptanceCriterion(models.Model):
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(max_length=500)
    met = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deliverable", "position", "id"]
        verbose_name_plural = "acceptance criteria"

    def __str__(self) -> str:
        return self.text


class Requirement(models.Model):
    class Priority(models.TextChoices):
        MUST = "must", "Must have"
        SHOULD = "should", "Should have"
        COULD = "could", "Could have"
        WONT = "wont", "Won't have (this time)"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        IMPLEMENTED = "implemented", "Implemented"
        VERIFIED = "verified", "Verified"
        DROPPED = "dropped", "Dropped"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="requirements")
    ref = models.CharField(
        "reference", max_length=20, help_text="Unique in the project, e.g. REQ-012."
    )
    text = models.TextField()
    category = models.CharField(max_length=60, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.SHOULD)
    source = models.CharField(
        max_length=200, blank=True, help_text="Who or what asked for it (person, regulation…)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    deliverables = models.ManyToManyField(Deliverable, blank=True, related_name="requirements")
    version = models.PositiveIntegerField(default=1, editable=False)

    comments = CommentsRelation(listing="projects:requirements")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version"], m2m_fields=[deliverables])

    class Meta:
        ordering = ["project", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "ref"],
                name="requirement_ref_unique_in_project",
                violation_error_message="Another requirement of this project has this reference.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:60]}"


class ChangeRequest(models.Model):
    """A proposed change to the baseline, and the decision about it (integrated change control)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        IMPLEMENTED = "implemented", "Implemented"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why the change is needed.")
    requested_by = models.CharField(max_length=200, blank=True)
    scope_impact = models.TextField(blank=True)
    schedule_impact = models.IntegerField(
        default=0, help_text="Working days the finish moves (negative brings it forward)."
    )
    cost_impact = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="Money, in the project's currency."
    )
    risk_impact = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(blank=True, editable=False)
    implemented_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    comments = CommentsRelation(listing="projects:changes", page="projects:change")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="change_request_number_unique_in_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def ref(self) -> str:
        return f"CR-{self.number:03d}"


class ProjectTemplate(models.Model):
    """A starting point for a new project: objectives, WBS, deliverables, requirement categories.

    A template saved from a project is private to the user who saved it (it may hold the
    project's confidential scope); an administrator publishes one for everyone in the admin.
    The built-in templates are published.

    ``content`` holds plain data so templates can be edited in the admin and saved from any
    project::

        {"objectives": [{"description", "measure", "unit"}],
         "work_packages": [{"name", "children": [...]}],
         "deliverables": [{"name", "description", "criteria": ["..."]}],
         "requirement_categories": ["Functional", ...],
         "closure_checklist": ["Support hand-over done", {"title", "help_text"}, ...]}
    """

    name = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=32, choices=Project.Type.choices)
    methodology = models.CharField(
        max_length=16, choices=Project.Methodology.choices, default=Project.Methodology.HYBRID
    )
    description = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Offered to every user. Unpublished, only its creator sees it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        validate_template_content(self.content)

    def count(self, section: str) -> int:
        """How many items a section holds (work packages counted at every depth)."""

        def walk(nodes: list[dict]) -> int:
            return sum(1 + walk(node.get("children", [])) for node in nodes)

        items = self.content.get(section, [])
        return walk(items) if section == "work_packages" else len(items)


__all__ = [
    "AcceptanceCriterion",
    "ChangeRequest",
    "Charter",
    "Deliverable",
    "Objective",
    "ProjectTemplate",
    "Requirement",
    "WorkPackage",
]
