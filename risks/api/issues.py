"""The issue log in the REST API: ``issues/`` (list, read, log, edit, delete); edits go through
``risks.services`` with the same version check as the pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from projects.api.base import (
    ProjectScopedViewSet,
    crud_schema,
    member_field,
    version_field,
)
from risks import services
from risks.models import Issue

TAGS = ["risks"]

# --- issues ---------------------------------------------------------------------------------------


class IssueSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="I-1, I-2, … in the project.")
    owner = member_field()
    version = version_field()

    class Meta:
        model = Issue
        fields = (
            "id",
            "reference",
            "number",
            "title",
            "description",
            "priority",
            "owner",
            "due_date",
            "status",
            "resolution",
            "risk",
            "raised_by",
            "resolved_on",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "number",
            "risk",
            "raised_by",
            "resolved_on",
            "created_at",
            "updated_at",
        )
        validators: list = []


@crud_schema(
    serializer=IssueSerializer,
    list="The issue log",
    retrieve="One issue",
    create="Log an issue, open (members)",
    update="Edit an issue (members)",
    partial_update="Edit some fields of an issue; resolving it needs a resolution (members)",
    destroy="Delete an issue (members)",
    gone="Gone.",
)
@extend_schema(tags=TAGS)
class IssueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """What is going wrong now; a risk that occurred links to its issue."""

    queryset = Issue.objects.select_related("owner", "risk")
    serializer_class = IssueSerializer
    filterset_fields = ("status", "priority", "owner")
    search_fields = ("title", "description", "resolution")
    ordering_fields = ("number", "due_date", "priority", "status")
    ordering = ("-number",)

    def perform_create(self, serializer: IssueSerializer) -> None:
        fields, _ = self.split_version(serializer)
        late = [f for f in ("status", "resolution") if fields.get(f) not in (None, "", "open")]
        if late:
            raise ValidationError(
                {f: "A new issue is open; set this when editing it." for f in late}
            )
        fields.pop("status", None)
        fields.pop("resolution", None)
        issue = services.issue_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(issue)

    def perform_update(self, serializer: IssueSerializer) -> None:
        changes, version = self.split_version(serializer)
        issue = services.issue_update(
            issue=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(issue)

    def perform_destroy(self, instance: Issue) -> None:
        # One record, no rule beyond the member role: the risk it came from keeps its status.
        instance._history_user = self.request.user
        instance.delete()
