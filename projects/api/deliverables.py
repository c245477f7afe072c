"""Scope under a project, part two: deliverables, requirements and the traceability matrix.

Deliverables carry their acceptance criteria and move through their statuses by one action,
``transition``; requirements trace to deliverables. Writes go through ``projects.services``, as
described in ``scope.py``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    ProjectRelatedField,
    ProjectSingletonViewSet,
    RecordViewSet,
    Writes,
    crud_schema,
    member_field,
    version_field,
)
from projects.models import Deliverable, Requirement, Role, WorkPackage
from projects.selectors import deliverables_of, requirements_of, traceability
from projects.services import (
    deliverable_create,
    deliverable_set_criteria,
    deliverable_transition,
    deliverable_update,
    requirement_create,
    requirement_update,
)

TAGS = ["scope"]


# --- deliverables ---------------------------------------------------------------------------------


class AcceptanceCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, help_text="An existing criterion's id to keep it; leave out to add one."
    )
    text = serializers.CharField(max_length=500)
    met = serializers.BooleanField(default=False)


class DeliverableSerializer(serializers.ModelSerializer):
    work_package = ProjectRelatedField(
        queryset=WorkPackage.objects.all(), required=False, allow_null=True
    )
    owner = member_field(help_text="A member of the project (user id).")
    acceptance_criteria = AcceptanceCriterionSerializer(
        many=True,
        required=False,
        source="criteria",
        help_text=(
            "The whole list, in order. On create: texts (criteria start unmet). On edit it "
            "replaces the list: items with an id are kept and updated, items without one are "
            "added, the others are removed."
        ),
    )
    requirements = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="Ids of the requirements traced to it (edit them on the requirement).",
    )
    version = version_field()

    class Meta:
        model = Deliverable
        fields = (
            "id",
            "name",
            "description",
            "owner",
            "due_date",
            "work_package",
            "status",
            "acceptance_criteria",
            "requirements",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "version",
        )
        read_only_fields = ("status", "decided_by", "decided_at", "rejection_reason")

    def validate_acceptance_criteria(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.instance is None and any(item.get("id") or item.get("met") for item in items):
            raise serializers.ValidationError(
                "A new deliverable's criteria are texts only: they start unmet, without ids."
            )
        return items


class DeliverableTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=Deliverable.Status.choices,
        help_text=(
            "planned → in_progress → submitted → accepted or rejected; in_progress → planned, "
            "submitted → in_progress (withdraw) and rejected → in_progress (rework). Accepting "
            "and rejecting are managers' decisions."
        ),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it is rejected (required to reject).",
    )


DECISIONS = (Deliverable.Status.ACCEPTED, Deliverable.Status.REJECTED)


@crud_schema(
    serializer=DeliverableSerializer,
    list="The project's deliverables",
    record="a deliverable",
    create="Add a deliverable with its acceptance criteria (members)",
    update="Edit a deliverable and its acceptance criteria (members)",
    transition=extend_schema(
        summary="Move a deliverable to another status (accept / reject: managers)",
        description=(
            "The one way to change `status`. Accepting needs every acceptance criterion met "
            "(a 400 names the unmet ones); rejecting needs a `reason`. Both record who decided "
            "and when. A status that may not follow the current one is a 400."
        ),
        request=DeliverableTransitionSerializer,
        responses={200: DeliverableSerializer},
    ),
)
@extend_schema(tags=TAGS)
class DeliverableViewSet(RecordViewSet):
    """What the project hands over, accepted against explicit criteria."""

    queryset = Deliverable.objects.all()
    serializer_class = DeliverableSerializer
    filterset_fields = ("status", "owner", "work_package")
    search_fields = ("name", "description")
    ordering_fields = ("due_date", "name", "status")
    writes = Writes(
        "deliverable",
        update=deliverable_update,
        then={"criteria": deliverable_set_criteria},
    )

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return deliverables_of(self.project).prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.only("id").order_by("id"))
        )

    def perform_create(self, serializer: DeliverableSerializer) -> None:
        fields, _ = self.split_version(serializer)
        criteria = [item["text"] for item in fields.pop("criteria", [])]
        deliverable = deliverable_create(
            project=self.project, by=self.request.user, criteria=criteria, **fields
        )
        serializer.instance = self.reread(deliverable)

    @action(detail=True, methods=["post"], serializer_class=DeliverableTransitionSerializer)
    def transition(self, request, *args: Any, **kwargs: Any) -> Response:
        deliverable = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to = serializer.validated_data["to"]
        if to in DECISIONS:
            self.require_role(Role.MANAGER, "accept or reject a deliverable")
        deliverable = deliverable_transition(
            deliverable=deliverable,
            by=request.user,
            to=to,
            reason=serializer.validated_data["reason"],
        )
        return Response(
            DeliverableSerializer(
                self.reread(deliverable), context=self.get_serializer_context()
            ).data
        )


# --- requirements ---------------------------------------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="Unique in the project, e.g. REQ-012; leave it out for the next free REQ-nnn.",
    )
    deliverables = ProjectRelatedField(
        queryset=Deliverable.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the project's deliverables that fulfil it (the whole list).",
    )
    version = version_field()

    class Meta:
        model = Requirement
        fields = (
            "id",
            "ref",
            "text",
            "category",
            "priority",
            "source",
            "status",
            "deliverables",
            "version",
        )

    def validate_ref(self, value: str) -> str:
        # The database constraint holds the rule; checking here too names the field in the 400.
        ref = value.strip().upper()
        others = Requirement.objects.filter(project=self.context["project"], ref=ref)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if ref and others.exists():
            raise serializers.ValidationError(
                f"Another requirement of this project is {ref}; references are unique."
            )
        return value


@crud_schema(
    serializer=RequirementSerializer,
    list="The project's requirements",
    record="a requirement",
    create="Add a requirement (members)",
    update="Edit a requirement and what it traces to (members)",
)
@extend_schema(tags=TAGS)
class RequirementViewSet(RecordViewSet):
    """Requirements, prioritised MoSCoW, each traced to the deliverables that fulfil it."""

    queryset = Requirement.objects.all()
    serializer_class = RequirementSerializer
    filterset_fields = ("priority", "status", "category")
    search_fields = ("ref", "text")
    ordering_fields = ("ref", "priority", "status", "category")
    ordering = ("ref",)
    writes = Writes("requirement", create=requirement_create, update=requirement_update)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return requirements_of(self.project)


class TraceDeliverableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deliverable
        fields = ("id", "name", "status")
        read_only_fields = fields


_TRACE_FIELDS = ("id", "ref", "text", "priority", "status")


class TraceRowSerializer(serializers.ModelSerializer):
    deliverables = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the deliverables it traces to."
    )
    cells = serializers.ListField(
        child=serializers.BooleanField(),
        help_text="One per column (`deliverables` of the matrix, same order): traced or not.",
    )
    untraced = serializers.BooleanField(help_text="Traces to nothing and is not dropped.")

    class Meta:
        model = Requirement
        fields = (*_TRACE_FIELDS, "deliverables", "cells", "untraced")
        read_only_fields = fields


class TraceabilitySerializer(serializers.Serializer):
    deliverables = TraceDeliverableSerializer(many=True, help_text="The columns.")
    requirements = TraceRowSerializer(many=True, help_text="The rows.")
    untraced_requirements = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of requirements that trace to no deliverable (dropped ones excepted).",
    )
    deliverables_without_requirements = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of deliverables no requirement asks for."
    )


@extend_schema(tags=TAGS)
class TraceabilityViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The traceability matrix: requirements × deliverables, and what traces to nothing."""

    queryset = Requirement.objects.all()
    serializer_class = TraceabilitySerializer
    filter_backends: list = []

    @extend_schema(summary="The traceability matrix (requirements × deliverables)")
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        matrix = traceability(self.project)
        data = {
            "deliverables": matrix["deliverables"],
            "requirements": [
                {
                    **{name: getattr(row["requirement"], name) for name in _TRACE_FIELDS},
                    "deliverables": [d.pk for d in row["requirement"].deliverables.all()],
                    "cells": row["cells"],
                    "untraced": row["untraced"],
                }
                for row in matrix["rows"]
            ],
            "untraced_requirements": [r.pk for r in matrix["untraced_requirements"]],
            "deliverables_without_requirements": [
                d.pk for d in matrix["deliverables_without_requirements"]
            ],
        }
        return Response(TraceabilitySerializer(data).data)
