"""Meetings (with their iCalendar invitation), the decision log and action items."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from projects.api.base import (
    ProjectRelatedField,
    RecordViewSet,
    Writes,
    crud_schema,
    member_field,
    version_field,
)
from stakeholders import selectors, services
from stakeholders.api.downloads import ICalendarRenderer
from stakeholders.exports import meeting_ics
from stakeholders.models import ActionItem, Decision, Meeting, Stakeholder

TAGS = ["stakeholders"]


def _members(**kwargs: Any) -> ProjectRelatedField:
    return ProjectRelatedField(
        queryset=get_user_model()._default_manager.all(),
        project_field="memberships__project",
        many=True,
        required=False,
        error_messages={"does_not_exist": "User {pk_value} is not a member of this project."},
        **kwargs,
    )


# --- meetings -------------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer):
    organiser = member_field(help_text="A member of the project (user id); you when left out.")
    stakeholders = ProjectRelatedField(
        queryset=Stakeholder.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the project's stakeholders attending (the whole list).",
    )
    attendees = _members(help_text="Ids of the members attending (the whole list).")
    decision_count = serializers.IntegerField(read_only=True)
    open_action_count = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = Meeting
        fields = (
            "id",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "organiser",
            "stakeholders",
            "attendees",
            "agenda",
            "minutes",
            "sequence",
            "decision_count",
            "open_action_count",
            "version",
        )
        read_only_fields = ("sequence",)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": "A meeting must end after it starts."})
        return attrs


@crud_schema(
    serializer=MeetingSerializer,
    list="The project's meetings, newest first",
    create="Schedule a meeting (members)",
    record="a meeting",
)
@extend_schema(tags=TAGS)
class MeetingViewSet(RecordViewSet):
    """Stand-ups, reviews, steering committees: when, who, agenda and minutes."""

    queryset = Meeting.objects.all()
    serializer_class = MeetingSerializer
    filterset_fields = ("kind", "organiser")
    search_fields = ("title", "agenda", "minutes")
    ordering_fields = ("starts_at", "title", "kind")
    writes = Writes("meeting", create=services.meeting_create, update=services.meeting_update)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.meetings_of(self.project).select_related("project")

    @extend_schema(
        summary="The meeting as an iCalendar invitation (.ics)",
        description=(
            "METHOD:REQUEST with the project's time zone, the organiser and every attendee with "
            "an e-mail address. The UID stays for the meeting's life and SEQUENCE counts its "
            "revisions, so importing it again updates the calendar entry."
        ),
        responses={(200, "text/calendar"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, ICalendarRenderer])
    def ics(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = self.get_object()
        response = HttpResponse(meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
        filename = f"{self.project.key}-meeting-{meeting.pk}.ics"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- decision log ---------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    meeting = ProjectRelatedField(
        queryset=Meeting.objects.all(),
        required=False,
        allow_null=True,
        help_text="The meeting where it was decided (a meeting of the project).",
    )
    version = version_field()

    class Meta:
        model = Decision
        fields = (
            "id",
            "title",
            "decided_by",
            "date",
            "rationale",
            "meeting",
            "recorded_by",
            "version",
        )
        read_only_fields = ("recorded_by",)


@crud_schema(
    serializer=DecisionSerializer,
    list="The decision log, newest first",
    create="Record a decision (members)",
    record="a decision",
)
@extend_schema(tags=TAGS)
class DecisionViewSet(RecordViewSet):
    """What was decided, by whom, when and why."""

    queryset = Decision.objects.all()
    serializer_class = DecisionSerializer
    filterset_fields = ("meeting",)
    search_fields = ("title", "decided_by", "rationale")
    ordering_fields = ("date", "title")
    writes = Writes("decision", create=services.decision_record, update=services.decision_update)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.decisions_of(self.project)


# --- action items ---------------------------------------------------------------------------------


class ActionItemSerializer(serializers.ModelSerializer):
    owner = member_field(required=True, allow_null=False, help_text="A member (user id).")
    meeting = ProjectRelatedField(
        queryset=Meeting.objects.all(),
        required=False,
        allow_null=True,
        help_text="The meeting it came from (a meeting of the project).",
    )
    is_overdue = serializers.SerializerMethodField(
        help_text="Open after its due date (in the project's time zone)."
    )
    version = version_field()

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "title",
            "owner",
            "due_date",
            "status",
            "done_at",
            "is_overdue",
            "meeting",
            "notes",
            "version",
        )
        read_only_fields = ("done_at",)

    def get_is_overdue(self, action: ActionItem) -> bool:
        project = self.context.get("project") or action.project
        today = project.today()
        return action.is_overdue(today)


@crud_schema(
    serializer=ActionItemSerializer,
    list="Action items: open first, soonest due first",
    retrieve="One action item",
    create="Add an action item (members)",
    update="Edit an action item or mark it done (members)",
    partial_update="Edit some fields of an action item, e.g. `status` (members)",
)
@extend_schema(tags=TAGS)
class ActionItemViewSet(RecordViewSet):
    """Actions agreed in meetings (or anywhere): an owner, a due date, open or done."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    filterset_fields = ("status", "owner", "meeting")
    search_fields = ("title", "notes")
    ordering_fields = ("due_date", "status", "title")
    writes = Writes(
        "action",
        update=services.action_item_update,
        then={"status": services.action_item_set_status},
    )

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.action_items_of(self.project)

    def perform_create(self, serializer: ActionItemSerializer) -> None:
        fields, _ = self.split_version(serializer)
        status = fields.pop("status", ActionItem.Status.OPEN)
        with transaction.atomic():
            item = services.action_item_create(project=self.project, by=self.request.user, **fields)
            if status != item.status:
                item = services.action_item_set_status(
                    action=item, by=self.request.user, status=status
                )
        serializer.instance = self.reread(item)
