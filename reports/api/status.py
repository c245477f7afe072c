"""Weekly status reports under ``/api/v1/projects/{project_pk}/status-reports/`` (DESIGN §5).

``POST status-reports/`` builds the current reporting week's report (201; building it again the
same week returns the same report, 200). ``PATCH status-reports/{pk}/`` edits the manager's
summary while the report is a draft (with ``version``: 409 when stale). ``POST
status-reports/{pk}/send/`` sends it to the communication plan's audience and returns the
deliveries; sending again sends nothing twice. ``GET status-reports/{pk}/deliveries/`` shows each
recipient's delivery with every attempt and its error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects import clock
from projects.api.base import STALE, NoBodySerializer, ProjectScopedViewSet, version_field
from projects.models import Role
from reports.models import DeliveryAttempt, StatusReport, StatusReportDelivery
from reports.services.delivery import status_report_send
from reports.services.status import (
    status_report_build,
    status_report_update_summary,
    week_start_for,
)

TAGS = ["reports"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ("number", "started_at", "succeeded", "error")
        read_only_fields = fields


class StatusReportDeliverySerializer(serializers.ModelSerializer):
    """One recipient of one report: where its e-mail is, and every try at sending it."""

    attempt_log = DeliveryAttemptSerializer(
        many=True, read_only=True, help_text="Every try at handing the e-mail to the mail server."
    )

    class Meta:
        model = StatusReportDelivery
        fields = (
            "id",
            "email",
            "name",
            "stakeholder",
            "status",
            "attempts",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "message_id",
            "attempt_log",
        )
        read_only_fields = fields


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class StatusReportSerializer(serializers.ModelSerializer):
    """A report as the archive lists it (its figures are in the detail's ``content``)."""

    built_by_name = serializers.SerializerMethodField(
        help_text="Who built it; empty when the weekly schedule did."
    )
    sent_by_name = serializers.SerializerMethodField(
        help_text="Who sent it; empty when the weekly schedule did (or not sent yet)."
    )
    recipients = serializers.IntegerField(
        source="recipient_count", read_only=True, help_text="Deliveries made for it."
    )
    delivered = serializers.IntegerField(
        source="delivered_count", read_only=True, help_text="Deliveries the mail server took."
    )

    class Meta:
        model = StatusReport
        fields = (
            "id",
            "week_start",
            "as_of",
            "status",
            "health",
            "summary",
            "built_at",
            "built_by",
            "built_by_name",
            "sent_at",
            "sent_by",
            "sent_by_name",
            "recipients",
            "delivered",
            "version",
        )
        read_only_fields = fields

    def get_built_by_name(self, report: StatusReport) -> str:
        return _name(report.built_by)

    def get_sent_by_name(self, report: StatusReport) -> str:
        return _name(report.sent_by)


class StatusReportDetailSerializer(StatusReportSerializer):
    """The whole report: its frozen figures and its deliveries."""

    content = serializers.JSONField(
        read_only=True,
        help_text="Everything the report shows besides the summary, frozen when it was built.",
    )
    deliveries = StatusReportDeliverySerializer(many=True, read_only=True)

    class Meta(StatusReportSerializer.Meta):
        fields = (*StatusReportSerializer.Meta.fields, "content", "deliveries")
        read_only_fields = fields


class StatusReportSummarySerializer(serializers.Serializer):
    summary = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The manager's summary of the week; editable until the report is sent.",
    )
    version = version_field()


def _deliveries() -> Prefetch:
    return Prefetch(
        "deliveries",
        queryset=StatusReportDelivery.objects.order_by("email", "pk").prefetch_related(
            "attempt_log"
        ),
    )


@extend_schema_view(
    list=extend_schema(summary="The project's status report archive, newest week first"),
    retrieve=extend_schema(summary="One status report, with its figures and deliveries"),
)
@extend_schema(tags=TAGS)
class StatusReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet):
    """Weekly status reports: built once per reporting week, sent once per recipient."""

    queryset = StatusReport.objects.select_related("built_by", "sent_by")
    serializer_class = StatusReportSerializer
    # Building, editing and sending a report are a manager's (DESIGN §3).
    write_role = Role.MANAGER
    filterset_fields = ("status", "health")
    search_fields = ("summary",)
    ordering_fields = ("week_start", "sent_at")
    ordering = ("-week_start",)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(project=self.project).annotate(
            recipient_count=Count("deliveries", distinct=True),
            delivered_count=Count(
                "deliveries",
                filter=Q(deliveries__status=StatusReportDelivery.Status.SENT),
                distinct=True,
            ),
        )
        if self.action != "list":
            queryset = queryset.prefetch_related(_deliveries())
        return queryset

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "partial_update":
            return StatusReportSummarySerializer
        if self.action in ("retrieve", "create"):
            return StatusReportDetailSerializer
        return super().get_serializer_class()  # the list's, or the action's own

    def _report(self, report: StatusReport, code: int = status.HTTP_200_OK) -> Response:
        data = StatusReportDetailSerializer(
            self.reread(report), context=self.get_serializer_context()
        )
        return Response(data.data, status=code)

    @extend_schema(
        summary="Build this week's report (managers)",
        description=(
            "Builds the report of the project's current reporting week (Monday to Sunday in its "
            "time zone) from today's figures: 201 with the new report. Building again the same "
            "week returns the same report (200); a draft gets today's figures, its summary is "
            "kept, and a sent report stays as it was sent."
        ),
        request=None,
        responses={201: StatusReportDetailSerializer, 200: StatusReportDetailSerializer},
    )
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        now = clock.now()
        existed = StatusReport.objects.filter(
            project=self.project, week_start=week_start_for(self.project, now)
        ).exists()
        report = status_report_build(project=self.project, by=request.user, now=now)
        return self._report(report, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Write the manager's summary (managers, drafts only)",
        description=(
            "Send `version` as read: if someone saved since, the edit is refused with 409. A "
            "sent report's summary cannot change (400)."
        ),
        request=StatusReportSummarySerializer,
        responses={200: StatusReportDetailSerializer, 409: STALE},
    )
    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, version = self.split_version(serializer)
        report = status_report_update_summary(
            report=report, by=request.user, summary=fields["summary"], version=version
        )
        return self._report(report)

    @extend_schema(
        summary="Send the report to the communication plan's audience (managers)",
        description=(
            "E-mails the report (HTML and plain text, PDF attached) to exactly the people the "
            "communication plan names for the weekly status report, one delivery each, and "
            "returns the deliveries. The first send marks the report sent. Sending again sends "
            "nothing twice: recipients already served are skipped, new ones on the plan are "
            "served, failed deliveries are tried again. 400 when the plan names nobody."
        ),
        responses={
            200: StatusReportDeliverySerializer(many=True),
            400: OpenApiResponse(description="The communication plan names nobody."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        serializer_class=NoBodySerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def send(self, request, *args: Any, **kwargs: Any) -> Response:
        deliveries = status_report_send(report=self.get_object(), by=request.user)
        return Response(StatusReportDeliverySerializer(deliveries, many=True).data)

    @extend_schema(
        summary="The report's deliveries, with every attempt and its error",
        responses={200: StatusReportDeliverySerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=StatusReportDeliverySerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def deliveries(self, request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        return Response(StatusReportDeliverySerializer(report.deliveries.all(), many=True).data)
