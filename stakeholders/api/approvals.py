"""Approvals: asked by a manager, decided once, and only by the person they are addressed to.

``POST approvals/`` asks someone (a member, or a stakeholder with a linked account) to approve a
deliverable's acceptance, a change request, a stage gate or the project's closure; they are
e-mailed a link. ``POST approvals/{pk}/decide/`` is the approver's answer: anyone else gets 403,
a second answer 400. ``/api/v1/approvals/waiting/`` is the current user's list across projects,
``/api/v1/action-items/mine/`` their open actions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    NoBodySerializer,
    ProjectRelatedField,
    ProjectScopedViewSet,
    member_field,
)
from projects.approval_subjects import approval_subject
from projects.models import ChangeRequest, Deliverable, Role
from projects.selectors import User
from stakeholders import selectors, services
from stakeholders.models import ActionItem, Approval, Stakeholder
from stakeholders.services.common import display_name

TAGS = ["stakeholders"]

# What each kind approves; the kinds of apps beside stakeholders (scheduling's stage gates) are
# registered in projects.approval_subjects, never imported here.
SUBJECT_MODELS: dict[str, type[Model]] = {
    Approval.Kind.DELIVERABLE_ACCEPTANCE: Deliverable,
    Approval.Kind.CHANGE_REQUEST: ChangeRequest,
}


class ApprovalSerializer(serializers.ModelSerializer):
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    subject_label = serializers.SerializerMethodField()
    approver_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The approval's page (to decide it).")
    is_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = Approval
        fields = (
            "id",
            "project",
            "kind",
            "subject_id",
            "subject_label",
            "approver",
            "approver_name",
            "stakeholder",
            "note",
            "requested_by",
            "requested_at",
            "decision",
            "comment",
            "decided_at",
            "is_pending",
            "url",
        )
        read_only_fields = fields

    def get_subject_label(self, approval: Approval) -> str:
        return services.subject_label(approval.subject)

    def get_approver_name(self, approval: Approval) -> str:
        return display_name(approval.approver)

    def get_url(self, approval: Approval) -> str:
        return services.approval_url(approval)


class ApprovalRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Approval.Kind.choices, help_text="What is approved.")
    subject_id = serializers.IntegerField(
        required=False,
        help_text=(
            "The id of the deliverable, change request or phase (stage gate) in this project; "
            "leave it out for project closure."
        ),
    )
    approver = member_field(help_text="A member of the project who decides (user id), or…")
    stakeholder = ProjectRelatedField(
        queryset=Stakeholder.objects.all(),
        required=False,
        allow_null=True,
        help_text="…a stakeholder of the project with a linked Charter account.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What they are asked to check."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = self.context["project"]
        kind = attrs["kind"]
        if kind == Approval.Kind.PROJECT_CLOSURE:
            attrs["subject"] = project
            return attrs
        registered = approval_subject(kind)
        model = SUBJECT_MODELS.get(kind) or (registered and registered.model)
        if model is None:
            raise serializers.ValidationError({"kind": "Nothing of this kind can be approved."})
        subject_id = attrs.get("subject_id")
        subject = None
        if subject_id is not None:
            subject = model._default_manager.filter(project=project, pk=subject_id).first()
        if subject is None:
            raise serializers.ValidationError(
                {"subject_id": f"Give the id of a {model._meta.verbose_name} of this project."}
            )
        attrs["subject"] = subject
        return attrs


# The answers an approver can give (a named choice set, for the schema's enum name).
VERDICTS = [
    (Approval.Decision.APPROVED.value, Approval.Decision.APPROVED.label),
    (Approval.Decision.REJECTED.value, Approval.Decision.REJECTED.label),
]


class ApprovalDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=VERDICTS,
        help_text="`approved` or `rejected`.",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject."
    )


@extend_schema_view(
    list=extend_schema(summary="The project's approvals, newest first"),
    retrieve=extend_schema(summary="One approval"),
    create=extend_schema(
        summary="Ask someone to approve (managers)",
        description=(
            "The approver is a member, or a stakeholder with a linked account who is a member "
            "(a viewer may approve). They are e-mailed a link. A pending approval holds the "
            "deliverable or change request until it is decided."
        ),
        request=ApprovalRequestSerializer,
        responses={201: ApprovalSerializer},
    ),
)
@extend_schema(tags=TAGS)
class ApprovalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ProjectScopedViewSet
):
    """Sign-offs asked of one person each: deliverables, change requests, stage gates, closure."""

    queryset = Approval.objects.all()
    serializer_class = ApprovalSerializer
    filterset_fields = ("decision", "kind", "approver")
    ordering_fields = ("requested_at", "decided_at")
    # Asking is a manager's (DESIGN §3, sign-off requests); deciding is the approver's whatever
    # their role, checked by the service; withdrawing is the requester's or a manager's.
    action_roles = {"create": Role.MANAGER, "decide": Role.VIEWER}

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.approvals_of(self.project)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return ApprovalRequestSerializer
        return super().get_serializer_class()

    def _approval(self, approval: Approval, code: int = 200) -> Response:
        data = ApprovalSerializer(self.reread(approval), context=self.get_serializer_context())
        return Response(data.data, status=code)

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject: Model = data["subject"]
        approval = services.approval_request(
            project=self.project,
            by=request.user,
            subject=subject,
            approver=data.get("approver"),
            stakeholder=data.get("stakeholder"),
            note=data["note"],
        )
        return self._approval(approval, 201)

    @extend_schema(
        summary="Approve or reject (the approver only, once)",
        description=(
            "Only the person the approval is addressed to may decide (403 for anyone else); a "
            "decision is final (a second one is a 400). Rejecting needs a comment and withdraws "
            "the subject's other pending approvals."
        ),
        responses={
            200: ApprovalSerializer,
            403: OpenApiResponse(description="Not addressed to you."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=ApprovalDecisionSerializer)
    def decide(self, request, *args: Any, **kwargs: Any) -> Response:
        approval = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approval = services.approval_decide(
            approval=approval,
            by=request.user,
            decision=serializer.validated_data["decision"],
            comment=serializer.validated_data["comment"],
        )
        return self._approval(approval)

    @extend_schema(
        summary="Withdraw a pending approval (its requester or a manager)",
        responses={200: ApprovalSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def withdraw(self, request, *args: Any, **kwargs: Any) -> Response:
        approval = services.approval_withdraw(approval=self.get_object(), by=request.user)
        return self._approval(approval)


# --- across projects: the current user's lists ----------------------------------------------------


class WaitingApprovalSerializer(ApprovalSerializer):
    project_key = serializers.CharField(source="project.key", read_only=True)

    class Meta(ApprovalSerializer.Meta):
        fields = (*ApprovalSerializer.Meta.fields, "project_key")
        read_only_fields = fields


@extend_schema(tags=TAGS)
@extend_schema_view(list=extend_schema(summary="Approvals waiting for me, across my projects"))
class WaitingApprovalViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pending approvals addressed to the current user, oldest first."""

    serializer_class = WaitingApprovalSerializer
    filter_backends: list = []
    queryset = Approval.objects.none()

    def get_queryset(self) -> QuerySet[Approval]:
        user: User = self.request.user
        return selectors.approvals_waiting_for(user)


class MyActionItemSerializer(serializers.ModelSerializer):
    project_key = serializers.CharField(source="project.key", read_only=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True, default=None)

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "project",
            "project_key",
            "title",
            "due_date",
            "status",
            "meeting",
            "meeting_title",
        )
        read_only_fields = fields


@extend_schema(tags=TAGS)
@extend_schema_view(list=extend_schema(summary="My open action items, across my projects"))
class MyActionItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The current user's open actions, soonest due first (overdue ones at the top)."""

    serializer_class = MyActionItemSerializer
    filter_backends: list = []
    queryset = ActionItem.objects.none()

    def get_queryset(self) -> QuerySet[ActionItem]:
        return selectors.my_open_actions(self.request.user)
