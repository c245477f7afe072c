"""People and things the project books: resources and their days off, assignments, logged
time, the utilisation heat map and over-allocations (levelling is in ``levelling.py``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from budgets import selectors, services
from budgets.api.fields import (
    ConflictSerializer,
    MoneyField,
    NamedRefSerializer,
    conflict_data,
    money,
)
from budgets.models import Assignment, DayOff, Resource, TimeEntry
from budgets.services.base import locked_current
from projects.api.base import (
    DeletableRecordViewSet,
    ProjectRelatedField,
    ProjectScopedViewSet,
    ProjectSingletonViewSet,
    Writes,
    WritesThroughServices,
    crud_schema,
    edit_responses,
    member_field,
    version_field,
)
from projects.services.common import check_manager
from scheduling.models import Task

TAGS = ["budgets"]


def _echoed(changes: dict[str, Any], instance: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Drop related ids a client sends back unchanged (echoing the record is no change)."""
    for name in names:
        if name in changes and changes[name] is not None:
            if changes[name].pk == getattr(instance, f"{name}_id"):
                del changes[name]
    return changes


# --- resources ------------------------------------------------------------------------------------


class DayOffSerializer(serializers.ModelSerializer):
    from_person = serializers.BooleanField(
        read_only=True,
        help_text="Set on the person for every project (/api/v1/people/{user}/days-off/).",
    )

    class Meta:
        model = DayOff
        fields = ("id", "date", "note", "from_person")


class DayOffRemoveSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day off to remove.")


class PlaceholderAssignSerializer(serializers.Serializer):
    user = member_field(
        required=True, allow_null=False, help_text="The member who takes its tasks (user id)."
    )
    tasks = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Task ids to hand over (default: all of the placeholder's).",
    )


class ResourceSerializer(serializers.ModelSerializer):
    user = member_field(help_text="The member this person is (user id), if any.")
    rate = MoneyField(required=False, help_text='Per hour or per day (rate_unit), e.g. "85.00".')
    unit_cost = MoneyField(required=False, help_text="Non-labour: the cost of one unit.")
    capacity_hours = MoneyField(
        required=False, help_text='Hours a working day, more than 0 and at most 24, e.g. "7.50".'
    )
    days_off = DayOffSerializer(many=True, read_only=True, help_text="Its days off, by date.")
    headcount = serializers.IntegerField(
        required=False, help_text="Placeholders: how many people; capacity counts once per head."
    )
    version = version_field()

    class Meta:
        model = Resource
        fields = (
            "id",
            *services.RESOURCE_FIELDS,
            "days_off",
            "version",
        )
        # The service refuses a duplicate name or user, naming it.
        validators: list = []


@crud_schema(
    serializer=ResourceSerializer,
    list="The project's resources, with their days off",
    retrieve="One resource",
    create="Add a person or a non-labour resource (members)",
    update="Edit a resource; a new rate or capacity re-costs its tasks (members)",
    partial_update="Edit some fields of a resource; a new rate re-costs its tasks (members)",
    destroy="Remove a resource and its assignments (members)",
    gone="Removed.",
    refused="A resource with logged time is actual cost on record: 400.",
    add_day_off=extend_schema(
        summary="Add a day off (members)",
        request=DayOffSerializer,
        responses={201: ResourceSerializer},
    ),
    remove_day_off=extend_schema(
        summary="Remove a day off (members)",
        request=DayOffRemoveSerializer,
        responses={200: ResourceSerializer},
    ),
)
@extend_schema(tags=TAGS)
class ResourceViewSet(DeletableRecordViewSet):
    """People (a rate per hour or day, a capacity in hours per working day, days off) and
    non-labour resources (a unit cost)."""

    queryset = Resource.objects.prefetch_related(
        Prefetch("days_off", queryset=DayOff.objects.order_by("date"))
    )
    serializer_class = ResourceSerializer
    filterset_fields = ("kind", "user")
    search_fields = ("name", "role")
    ordering_fields = ("name", "role", "rate", "id")
    ordering = ("name",)
    writes = Writes(
        "resource",
        create=services.resource_create,
        update=services.resource_update,
        delete=services.resource_delete,
    )

    def _answer(self, resource: Resource, code: int = status.HTTP_200_OK) -> Response:
        data = ResourceSerializer(self.reread(resource), context=self.get_serializer_context())
        return Response(data.data, status=code)

    @action(detail=True, methods=["post"], url_path="days-off", serializer_class=DayOffSerializer)
    def add_day_off(self, request, *args: Any, **kwargs: Any) -> Response:
        resource = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.day_off_add(resource=resource, by=request.user, **serializer.validated_data)
        return self._answer(resource, status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["post"],
        url_path="days-off/remove",
        serializer_class=DayOffRemoveSerializer,
    )
    def remove_day_off(self, request, *args: Any, **kwargs: Any) -> Response:
        resource = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = serializer.validated_data["date"]
        day_off = resource.days_off.filter(date=day).first()
        if day_off is None:
            raise serializers.ValidationError(
                {"date": f"{day:%d %b %Y} is not a day off for {resource}."}
            )
        services.day_off_remove(day_off=day_off, by=request.user)
        return self._answer(resource)

    @extend_schema(
        summary="Assign a named person to a placeholder: its tasks move to them (managers)",
        request=PlaceholderAssignSerializer,
        responses={200: ResourceSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="assign-person",
        serializer_class=PlaceholderAssignSerializer,
    )
    def assign_person(self, request, *args: Any, **kwargs: Any) -> Response:
        check_manager(self.project, request.user, "name the person of a placeholder")
        placeholder = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        named = services.placeholder_assign(
            placeholder=placeholder, user=data["user"], by=request.user, task_ids=data.get("tasks")
        )
        return self._answer(named)


# --- assignments ----------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    task = ProjectRelatedField(queryset=Task.objects.all(), help_text="A task of this project.")
    resource = ProjectRelatedField(
        queryset=Resource.objects.all(), help_text="A resource of this project."
    )
    units = serializers.IntegerField(
        required=False,
        help_text="% of the person's capacity, 1 to 1000; 50 = half-time (default 100).",
    )
    quantity = MoneyField(required=False, help_text='Non-labour: units used, e.g. "3.00".')
    planned_hours = money(help_text="Duration × capacity × units / 100.")
    planned_cost = money(help_text="The hours at the rate, or quantity × unit cost.")
    version = version_field()

    class Meta:
        model = Assignment
        fields = (
            "id",
            "task",
            "resource",
            "units",
            "quantity",
            "planned_hours",
            "planned_cost",
            "version",
        )
        # The service refuses a resource booked twice on a task, naming both.
        validators: list = []


@extend_schema_view(
    list=extend_schema(summary="Who is booked on which task"),
    retrieve=extend_schema(summary="One assignment"),
    create=extend_schema(summary="Book a resource on a task; the task is re-costed (members)"),
    partial_update=extend_schema(
        summary="Change the units or quantity; the task is re-costed (members)",
        description="To book another resource or task, delete the assignment and add another.",
        responses=edit_responses(AssignmentSerializer),
    ),
    destroy=extend_schema(
        summary="Remove an assignment; the task is re-costed (members)",
        responses={204: OpenApiResponse(description="Removed.")},
    ),
)
@extend_schema(tags=TAGS)
class AssignmentViewSet(
    WritesThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """A share (units %) of a person, or a quantity of a non-labour resource, booked on a task;
    planned hours and cost follow from the task's duration, and the task's planned cost is its
    fixed cost plus the cost of its assignments."""

    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_fields = ("task", "resource")
    ordering_fields = ("id", "task", "resource", "units", "planned_cost")
    ordering = ("id",)
    writes = Writes(
        "assignment",
        create=services.assignment_add,
        delete=services.assignment_remove,
        in_project=False,
    )

    # Only PATCH: an assignment's task and resource are not edited in place.
    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes, version = self.split_version(serializer)
        changes = _echoed(changes, serializer.instance, ("task", "resource"))
        assignment = services.assignment_update(
            assignment=serializer.instance, by=request.user, version=version, **changes
        )
        return Response(self.get_serializer(self.reread(assignment)).data)


# --- time -----------------------------------------------------------------------------------------


class TimeEntrySerializer(serializers.ModelSerializer):
    resource = ProjectRelatedField(
        queryset=Resource.objects.all(), help_text="A person of this project."
    )
    task = ProjectRelatedField(queryset=Task.objects.all(), help_text="A task of this project.")
    hours = MoneyField(help_text='Hours worked that day, more than 0 and at most 24, e.g. "7.5".')
    cost = money(help_text="The hours at the person's rate on the day they were logged.")
    version = version_field()

    class Meta:
        model = TimeEntry
        fields = (
            "id",
            "resource",
            "task",
            "date",
            "hours",
            "cost",
            "note",
            "created_by",
            "approved",
            "version",
        )
        # ``approved``: counts in actual cost (budgets.services.timesheets has the rule).
        read_only_fields = ("created_by", "approved")
        # Logging the same person, task and day again replaces the hours (the service).
        validators: list = []


@extend_schema_view(
    list=extend_schema(summary="Hours logged, newest first"),
    retrieve=extend_schema(summary="One time entry"),
    create=extend_schema(
        summary="Log hours of a person on a task and day (members)",
        description="Logging the same person, task and day again replaces the hours.",
    ),
    partial_update=extend_schema(
        summary="Change the hours or the note (members)",
        description="To move hours to another person, task or day, delete the entry and log "
        "another.",
        responses=edit_responses(TimeEntrySerializer),
    ),
    destroy=extend_schema(
        summary="Delete a time entry (members)",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
@extend_schema(tags=TAGS)
class TimeEntryViewSet(
    WritesThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Hours a person actually worked, which give labour actual cost at the day's rate."""

    queryset = TimeEntry.objects.all()
    serializer_class = TimeEntrySerializer
    filterset_fields = {"date": ["exact", "gte", "lte"], "resource": ["exact"], "task": ["exact"]}
    search_fields = ("note",)
    ordering_fields = ("date", "resource", "task", "hours", "id")
    ordering = ("-date", "-id")
    writes = Writes(
        "entry",
        create=services.time_entry_log,
        delete=services.time_entry_delete,
        in_project=False,
    )

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes, version = self.split_version(serializer)
        entry = serializer.instance
        changes = _echoed(changes, entry, ("resource", "task"))
        if changes.get("date", entry.date) == entry.date:
            changes.pop("date", None)
        moved = sorted(set(changes) - {"hours", "note"})
        if moved:
            raise serializers.ValidationError(
                {name: "Delete the entry and log another to change this." for name in moved}
            )
        if entry.task_id is None:
            raise serializers.ValidationError(
                {"task": "The task of this entry was deleted; delete the entry and log another."}
            )
        with transaction.atomic():
            current = locked_current(entry, version)
            entry = services.time_entry_log(
                resource=current.resource,
                task=current.task,
                by=request.user,
                date=current.date,
                hours=changes.get("hours", current.hours),
                note=changes.get("note", current.note),
            )
        return Response(self.get_serializer(self.reread(entry)).data)


# --- utilisation and over-allocation --------------------------------------------------------------


class UtilisationQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="A day of the first week; this week when left out."
    )
    weeks = serializers.IntegerField(required=False, default=12, min_value=1, max_value=52)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("start")
        if start is not None and start > datetime.date.max - datetime.timedelta(
            weeks=attrs["weeks"]
        ):
            raise serializers.ValidationError(
                {"start": "The weeks shown must end by 31 Dec 9999: give an earlier start."}
            )
        return attrs


class CellSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the week.")
    booked = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Hours booked.")
    capacity = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Hours available (days off excluded)."
    )
    ratio = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Booked / capacity."
    )
    over_days = ConflictSerializer(many=True, help_text="The over-allocated days, with tasks.")


class UtilisationRowSerializer(serializers.Serializer):
    resource = NamedRefSerializer()
    cells = CellSerializer(many=True)


class UtilisationSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField(), help_text="Mondays.")
    rows = UtilisationRowSerializer(many=True, help_text="One per person, by name.")


@extend_schema(tags=TAGS)
class UtilisationViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The resource × week heat map of booked hours against capacity."""

    queryset = Resource.objects.all()
    serializer_class = UtilisationSerializer
    filter_backends: list = []

    @extend_schema(
        summary="Booked hours / capacity per person and week",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="A day of the first week."),
            OpenApiParameter("weeks", OpenApiTypes.INT, description="How many weeks (1-52)."),
        ],
    )
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        query = UtilisationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or self.project.today()
        grid = selectors.utilisation_grid(
            self.project, start=start, weeks=query.validated_data["weeks"]
        )
        data = {
            "weeks": grid["weeks"],
            "rows": [
                {
                    "resource": {"id": row["resource"].pk, "name": row["resource"].name},
                    "cells": [
                        {
                            "week": week,
                            "booked": cell["booked"],
                            "capacity": cell["capacity"],
                            "ratio": cell["ratio"],
                            "over_days": [conflict_data(day) for day in cell["over_days"]],
                        }
                        for week, cell in zip(grid["weeks"], row["cells"], strict=True)
                    ],
                }
                for row in grid["rows"]
            ],
        }
        return Response(UtilisationSerializer(data).data)


class OverAllocationsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    conflicts = ConflictSerializer(many=True, help_text="By person, then day.")


@extend_schema(tags=TAGS)
class OverAllocationViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """Every person and working day where the hours booked exceed the capacity."""

    queryset = Resource.objects.all()
    serializer_class = OverAllocationsSerializer
    filter_backends: list = []

    @extend_schema(summary="Over-allocations, naming the days and the tasks")
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        conflicts = [conflict_data(row) for row in selectors.conflicts_of(self.project)]
        data = {"count": len(conflicts), "conflicts": conflicts}
        return Response(OverAllocationsSerializer(data).data)
