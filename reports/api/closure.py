"""The closure API (DESIGN §4 "Closure", §5): a project's closure as a singleton under
``/api/v1/projects/{project_pk}/closure/`` with its actions, and its checklist items.

Reading shows the state, the checklist with the computed items decided now, and the final review.
Writes go through ``reports.services.closure`` as the pages do; on a closed project the access
door refuses every write except ``reopen`` and ``review`` (the post-implementation review only
exists once the project is closed).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    ProjectRelatedField,
    ProjectScopedViewSet,
    ProjectSingletonViewSet,
    edit_responses,
    version_field,
)
from projects.models import Objective, Role
from reports.models import Closure, ClosureItem, PostImplementationReview
from reports.selectors import closure as selectors
from reports.services import closure as services
from reports.services.closure import REASON_MAX
from stakeholders.models import Stakeholder

TAGS = ["reports"]


class ClosureItemSerializer(serializers.ModelSerializer):
    """One checklist item. ``computed`` items are decided by Charter (``detail`` says what is
    open); the others are ticked by people through ``done`` and ``note``."""

    computed = serializers.BooleanField(source="is_computed", read_only=True)
    done = serializers.BooleanField()
    detail = serializers.SerializerMethodField()
    version = version_field()

    class Meta:
        model = ClosureItem
        fields = (
            "id",
            "position",
            "title",
            "help_text",
            "rule",
            "computed",
            "done",
            "detail",
            "note",
            "done_by",
            "done_at",
            "version",
        )
        read_only_fields = ("position", "title", "help_text", "rule", "done_by", "done_at")

    def get_detail(self, item: ClosureItem) -> str:
        rows = self.context.get("rows") or {}
        row = rows.get(item.pk)
        return row.sentence if row else item.note

    def to_representation(self, item: ClosureItem) -> dict[str, Any]:
        data = super().to_representation(item)
        rows = self.context.get("rows") or {}
        if item.is_computed and item.pk in rows:  # decided now, not stored
            data["done"] = rows[item.pk].done
        return data


class ApprovalStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    approver = serializers.IntegerField(source="approver_id")
    decision = serializers.CharField()
    comment = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ReviewStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostImplementationReview
        fields = ("due_on", "reminded_at", "held_on", "summary", "recorded_by", "version")


class ClosureSerializer(serializers.Serializer):
    """The closure's state. ``status`` is null until a manager starts it."""

    status = serializers.ChoiceField(choices=Closure.Status.choices, allow_null=True)
    stage = serializers.CharField(help_text="The project's stage.")
    started_at = serializers.DateTimeField(allow_null=True)
    narrative = serializers.CharField(allow_blank=True)
    pir_weeks = serializers.IntegerField(min_value=1, max_value=104)
    submitted_at = serializers.DateTimeField(allow_null=True)
    signed_off_at = serializers.DateTimeField(allow_null=True)
    approval = ApprovalStateSerializer(allow_null=True)
    items = ClosureItemSerializer(many=True)
    open_items = serializers.IntegerField()
    final_review = serializers.JSONField(
        help_text="Objectives target vs achieved, finish and cost vs the performance baseline, "
        "scope delivered, the change log in sum, the narrative (money as decimal strings)."
    )
    post_implementation_review = ReviewStateSerializer(allow_null=True)
    version = serializers.IntegerField(allow_null=True)


class ClosureUpdateSerializer(serializers.Serializer):
    narrative = serializers.CharField(required=False, allow_blank=True)
    pir_weeks = serializers.IntegerField(required=False, min_value=1, max_value=104)
    version = version_field()


class SubmitSerializer(serializers.Serializer):
    """Who signs off: a stakeholder with a linked account (``sponsor``) or a member
    (``approver``)."""

    sponsor = ProjectRelatedField(queryset=Stakeholder.objects.all(), required=False)
    approver = serializers.IntegerField(required=False, help_text="A member's user id.")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        if not data.get("sponsor") and not data.get("approver"):
            raise serializers.ValidationError({"sponsor": "Choose the sponsor who signs off."})
        return data


class CancelWorkSerializer(serializers.Serializer):
    """Cancel the work left (``cancel`` true, the default, with a ``reason``) or take the
    cancellation back (``cancel`` false)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")
    cancel = serializers.BooleanField(required=False, default=True)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class BenefitSerializer(serializers.Serializer):
    objective = ProjectRelatedField(queryset=Objective.objects.all())
    realised_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    summary = serializers.CharField()
    benefits = BenefitSerializer(many=True, required=False, default=list)
    version = version_field()


@extend_schema_view(
    retrieve=extend_schema(summary="The project's closure, checklist and final review"),
    partial_update=extend_schema(
        summary="Edit the narrative or the weeks until the review (managers)",
        request=ClosureUpdateSerializer,
        responses=edit_responses(ClosureSerializer),
    ),
)
@extend_schema(tags=TAGS)
class ClosureViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The project's closure: start it, edit it, submit it for the sponsor's sign-off, withdraw
    the submission, reopen a closed project, record the post-implementation review."""

    queryset = Closure.objects.select_related("project", "approval")
    serializer_class = ClosureSerializer
    write_role = Role.MANAGER
    http_method_names = ["get", "patch", "post", "head", "options"]

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        # The two writes a closed project accepts; the door refuses every other.
        self.allow_closed = self.action in ("reopen", "review")
        super().initial(request, *args, **kwargs)

    def state(self) -> dict[str, Any]:
        project = self.project
        closure = selectors.closure_of(project)
        rows = selectors.checklist(closure) if closure else []
        review = selectors.review_of(project)
        final = selectors.final_review(
            project,
            as_of=project.today(),
            narrative=closure.narrative if closure else "",
        )
        return {
            "status": closure.status if closure else None,
            "stage": project.stage,
            "started_at": closure.started_at if closure else None,
            "narrative": closure.narrative if closure else "",
            "pir_weeks": closure.pir_weeks if closure else 8,
            "submitted_at": closure.submitted_at if closure else None,
            "signed_off_at": closure.signed_off_at if closure else None,
            "approval": closure.approval if closure else None,
            "items": [row.item for row in rows],
            "rows": {row.item.pk: row for row in rows},
            "open_items": len(selectors.open_items(rows)),
            "final_review": final,
            "post_implementation_review": review,
            "version": closure.version if closure else None,
        }

    def respond(self, code: int = status.HTTP_200_OK) -> Response:
        if self.request.method != "GET":  # a write may have moved the project's stage
            self.project.refresh_from_db()
        state = self.state()
        serializer = ClosureSerializer(state, context={**self.get_serializer_context(), **state})
        return Response(serializer.data, status=code)

    def closure(self) -> Closure:
        closure = selectors.closure_of(self.project)
        if closure is None:
            raise exceptions.NotFound(
                f"Closure of {self.project.key} has not started; POST to closure/start/."
            )
        return closure

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.respond()

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        closure = self.closure()
        serializer = ClosureUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes, version = self.split_version(serializer)
        services.closure_update(closure=closure, by=request.user, version=version, **changes)
        return self.respond()

    @extend_schema(
        summary="Start closing the project (managers; starting again changes nothing)",
        request=None,
        responses={201: ClosureSerializer, 200: ClosureSerializer},
    )
    @action(detail=True, methods=["post"])
    def start(self, request, *args: Any, **kwargs: Any) -> Response:
        existed = Closure.objects.filter(project=self.project).exists()
        services.closure_start(project=self.project, by=request.user)
        return self.respond(status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel the work left so the closure can go on, saying why (managers)",
        request=CancelWorkSerializer,
        responses=ClosureSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="cancel-work",
        serializer_class=CancelWorkSerializer,
    )
    def cancel_work(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.closure_work_cancel(
            closure=self.closure(),
            by=request.user,
            reason=serializer.validated_data["reason"],
            cancel=serializer.validated_data["cancel"],
        )
        return self.respond()

    @extend_schema(
        summary="Submit the closure report for the sponsor's sign-off (managers)",
        request=SubmitSerializer,
        responses=ClosureSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=SubmitSerializer)
    def submit(self, request, *args: Any, **kwargs: Any) -> Response:
        closure = self.closure()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        approver = None
        if data.get("approver"):
            membership = self.project.memberships.filter(user_id=data["approver"]).first()
            if membership is None:
                raise serializers.ValidationError(
                    {"approver": [f"User {data['approver']} is not a member of this project."]}
                )
            approver = membership.user
        services.closure_submit(
            closure=closure,
            by=request.user,
            sponsor=data.get("sponsor"),
            approver=approver,
            note=data["note"],
        )
        return self.respond()

    @extend_schema(
        summary="Withdraw the submission before the sponsor decides (managers)",
        request=None,
        responses=ClosureSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args: Any, **kwargs: Any) -> Response:
        services.closure_withdraw(closure=self.closure(), by=request.user)
        return self.respond()

    @extend_schema(
        summary="Reopen a closed project (managers; recorded in the history with the reason)",
        request=ReopenSerializer,
        responses=ClosureSerializer,
    )
    @action(detail=True, methods=["post"], serializer_class=ReopenSerializer)
    def reopen(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.closure_reopen(
            project=self.project, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self.respond()

    @extend_schema(
        summary="Record the post-implementation review of a closed project (managers)",
        request=ReviewSerializer,
        responses=edit_responses(ClosureSerializer),
    )
    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def review(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.review_record(
            project=self.project,
            by=request.user,
            held_on=data["held_on"],
            summary=data["summary"],
            benefits={
                b["objective"].pk: (b.get("realised_value"), b["note"]) for b in data["benefits"]
            },
            version=data.get("version"),
        )
        return self.respond()


@extend_schema_view(
    list=extend_schema(summary="The closure checklist"),
    retrieve=extend_schema(summary="One checklist item"),
    partial_update=extend_schema(
        summary="Tick or untick an item people decide, with a note (members)",
        responses=edit_responses(ClosureItemSerializer),
    ),
)
@extend_schema(tags=TAGS)
class ClosureItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ProjectScopedViewSet,
):
    queryset = ClosureItem.objects.select_related("closure", "done_by").order_by("position", "id")
    serializer_class = ClosureItemSerializer
    http_method_names = ["get", "patch", "head", "options"]
    pagination_class = None

    def scope_queryset(self, queryset):
        return queryset.filter(closure__project=self.project)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        closure = selectors.closure_of(self.project) if hasattr(self, "project") else None
        if closure is not None:
            context["rows"] = {row.item.pk: row for row in selectors.checklist(closure)}
        return context

    def perform_update(self, serializer: ClosureItemSerializer) -> None:
        data, version = self.split_version(serializer)
        if "done" not in data:
            raise serializers.ValidationError({"done": "Say whether the item is done."})
        serializer.instance = services.closure_item_tick(
            item=serializer.instance,
            by=self.request.user,
            done=data["done"],
            note=data.get("note"),
            version=version,
        )
