"""Change control under a project: the change log, its decisions and what they add up to.

Writes go through ``projects.services``, as described in ``scope.py``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    NoBodySerializer,
    RecordViewSet,
    Writes,
    crud_schema,
    version_field,
)
from projects.models import ChangeRequest, Role
from projects.selectors import change_log_totals
from projects.services import (
    CHANGE_REQUEST_FIELDS,
    change_request_create,
    change_request_transition,
    change_request_update,
)

TAGS = ["scope"]


# --- change requests ------------------------------------------------------------------------------


class ChangeRequestSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(read_only=True, help_text="CR-001, CR-002, … in the project.")
    version = version_field()

    class Meta:
        model = ChangeRequest
        fields = (
            "id",
            "ref",
            "number",
            *CHANGE_REQUEST_FIELDS,
            "status",
            "created_by",
            "created_at",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "implemented_at",
            "version",
        )
        read_only_fields = ("status",)


class ChangeDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why the change is approved or rejected (required)."
    )


class ChangeLogTotalsSerializer(serializers.Serializer):
    approved_schedule_impact = serializers.IntegerField(
        help_text="Working days the approved (and implemented) changes move the finish."
    )
    approved_cost_impact = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Money the approved changes add."
    )
    pending = serializers.IntegerField(help_text="Submitted, awaiting a decision.")
    approved = serializers.IntegerField(help_text="Approved or implemented.")
    total = serializers.IntegerField()


_CHANGED = {200: ChangeRequestSerializer}


@crud_schema(
    serializer=ChangeRequestSerializer,
    list="The change log",
    create="Raise a change request, as a draft (members)",
    record="a draft change request",
    retrieve="One change request",
    submit=extend_schema(
        summary="Submit a draft for decision (members)", request=None, responses=_CHANGED
    ),
    approve=extend_schema(
        summary="Approve a submitted change (managers)",
        request=ChangeDecisionSerializer,
        responses=_CHANGED,
    ),
    reject=extend_schema(
        summary="Reject a submitted change (managers)",
        request=ChangeDecisionSerializer,
        responses=_CHANGED,
    ),
    implement=extend_schema(
        summary="Record an approved change as implemented (members)",
        request=None,
        responses=_CHANGED,
    ),
    totals=extend_schema(
        summary="What the approved changes add up to",
        description="Schedule and cost impact of approved and implemented changes, and counts.",
        responses=ChangeLogTotalsSerializer,
    ),
)
@extend_schema(tags=TAGS)
class ChangeRequestViewSet(RecordViewSet):
    """Integrated change control: draft → submitted → approved / rejected → implemented.

    No status is skipped (a 400 says what may come next); only drafts can be edited; a decision
    records who, when and why.
    """

    queryset = ChangeRequest.objects.all()
    serializer_class = ChangeRequestSerializer
    action_roles = {"approve": Role.MANAGER, "reject": Role.MANAGER}
    filterset_fields = ("status",)
    search_fields = ("title", "description", "reason", "requested_by")
    ordering_fields = ("number", "status", "created_at", "schedule_impact", "cost_impact")
    ordering = ("-number",)
    writes = Writes("change_request", create=change_request_create, update=change_request_update)

    def _transition(self, request, to: str) -> Response:
        change = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = change_request_transition(
            change_request=change,
            by=request.user,
            to=to,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(
            ChangeRequestSerializer(self.reread(change), context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def submit(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._transition(request, ChangeRequest.Status.SUBMITTED)

    @action(detail=True, methods=["post"], serializer_class=ChangeDecisionSerializer)
    def approve(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._transition(request, ChangeRequest.Status.APPROVED)

    @action(detail=True, methods=["post"], serializer_class=ChangeDecisionSerializer)
    def reject(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._transition(request, ChangeRequest.Status.REJECTED)

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def implement(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._transition(request, ChangeRequest.Status.IMPLEMENTED)

    @action(detail=False, methods=["get"], serializer_class=ChangeLogTotalsSerializer)
    def totals(self, request, *args: Any, **kwargs: Any) -> Response:
        totals = change_log_totals(self.project)
        data = {
            "approved_schedule_impact": totals["schedule"],
            "approved_cost_impact": totals["cost"],
            "pending": totals["pending"],
            "approved": totals["approved"],
            "total": totals["total"],
        }
        return Response(ChangeLogTotalsSerializer(data).data)
