"""Agile: sprints (with their burndown and the team's velocity) and the product backlog.

Writes go through ``scheduling.services``: a closed sprint is history and refuses edits; starting
and closing a sprint and ordering the backlog are actions with small input serializers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, Sum
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    NoBodySerializer,
    ProjectRelatedField,
    ProjectScopedViewSet,
    crud_schema,
    version_field,
)
from scheduling.models import BacklogItem, Sprint
from scheduling.selectors import agile_forecast, sprint_burndown, velocity
from scheduling.services import (
    backlog_item_create,
    backlog_item_move,
    backlog_item_update,
    backlog_reorder,
    sprint_close,
    sprint_create,
    sprint_delete,
    sprint_start,
    sprint_update,
)

TAGS = ["agile"]


# --- sprints --------------------------------------------------------------------------------------


class SprintSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text="Leave it out for “Sprint n”.",
    )
    committed_points = serializers.IntegerField(
        read_only=True, help_text="Story points of the items in the sprint."
    )
    done_points = serializers.IntegerField(
        read_only=True, help_text="Story points of its items that are done."
    )
    version = version_field()

    class Meta:
        model = Sprint
        fields = (
            "id",
            "name",
            "goal",
            "start_date",
            "finish_date",
            "capacity",
            "status",
            "closed_at",
            "committed_points",
            "done_points",
            "version",
        )
        read_only_fields = ("status", "closed_at")
        # The database allows one active sprint; starting is the sprint's action, not an edit.
        validators: list = []


class SprintCloseSerializer(serializers.Serializer):
    carry_over_to = ProjectRelatedField(
        queryset=Sprint.objects.all(),
        required=False,
        allow_null=True,
        help_text="A planned sprint to take the unfinished items; back to the backlog if left out.",
    )


class BurndownDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    ideal = serializers.FloatField(help_text="Points remaining on the ideal line.")
    remaining = serializers.IntegerField(
        allow_null=True,
        help_text="Points not yet done at the end of the day; null for days to come.",
    )


class BurndownSerializer(serializers.Serializer):
    sprint = serializers.IntegerField(help_text="The sprint's id.")
    days = BurndownDaySerializer(many=True, help_text="The sprint's working days, in order.")


class VelocitySprintSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    finish_date = serializers.DateField()
    done = serializers.IntegerField(help_text="Story points done in the sprint.")


class VelocitySerializer(serializers.Serializer):
    sprints = VelocitySprintSerializer(many=True, help_text="Closed sprints, oldest first.")
    remaining_points = serializers.IntegerField(help_text="Story points not yet done.")
    velocities = serializers.ListField(
        child=serializers.IntegerField(), help_text="Points done per closed sprint, oldest first."
    )
    mean_velocity = serializers.FloatField(
        allow_null=True, help_text="Mean of the last three closed sprints; null before the first."
    )
    sprints_left = serializers.IntegerField(
        allow_null=True, help_text="Remaining points / mean velocity, rounded up."
    )


class BurndownQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="The day to burn down to (default: today in the project's time zone).",
    )


@crud_schema(
    serializer=SprintSerializer,
    list="The project's sprints",
    retrieve="One sprint",
    create="Plan a sprint (members)",
    update="Edit a sprint that is not closed (members)",
    partial_update="Edit some fields of a sprint that is not closed (members)",
    destroy="Delete a sprint that is not closed; its items go back to the backlog (members)",
    start=extend_schema(
        summary="Start a planned sprint (one active sprint at a time) (members)",
        request=None,
        responses={200: SprintSerializer},
    ),
    close=extend_schema(
        summary="Close the active sprint; unfinished items move on (members)",
        request=SprintCloseSerializer,
        responses={200: SprintSerializer},
    ),
    burndown=extend_schema(
        summary="The sprint's burndown: ideal and remaining points per working day",
        parameters=[BurndownQuerySerializer],
        responses={200: BurndownSerializer},
    ),
    velocity=extend_schema(
        summary="Velocity per closed sprint and the forecast of sprints left",
        responses={200: VelocitySerializer},
    ),
)
@extend_schema(tags=TAGS)
class SprintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Time-boxed iterations: planned → active → closed, one active at a time."""

    queryset = Sprint.objects.annotate(
        committed_points=Sum("items__story_points", default=0),
        done_points=Sum(
            "items__story_points", filter=Q(items__status=BacklogItem.Status.DONE), default=0
        ),
    )
    serializer_class = SprintSerializer
    filterset_fields = ("status",)
    search_fields = ("name", "goal")
    ordering_fields = ("start_date", "finish_date", "name", "status")
    ordering = ("start_date", "id")

    def perform_create(self, serializer: SprintSerializer) -> None:
        fields, _ = self.split_version(serializer)
        sprint = sprint_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(sprint)

    def perform_update(self, serializer: SprintSerializer) -> None:
        changes, version = self.split_version(serializer)
        sprint = sprint_update(
            sprint=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(sprint)

    def perform_destroy(self, instance: Sprint) -> None:
        sprint_delete(sprint=instance, by=self.request.user)

    def _sprint(self, sprint: Sprint) -> Response:
        return Response(
            SprintSerializer(self.reread(sprint), context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def start(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._sprint(sprint_start(sprint=self.get_object(), by=request.user))

    @action(detail=True, methods=["post"], serializer_class=SprintCloseSerializer)
    def close(self, request, *args: Any, **kwargs: Any) -> Response:
        sprint = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._sprint(
            sprint_close(sprint=sprint, by=request.user, **serializer.validated_data)
        )

    @action(detail=True, methods=["get"], serializer_class=BurndownSerializer)
    def burndown(self, request, *args: Any, **kwargs: Any) -> Response:
        sprint = self.get_object()
        query = BurndownQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = sprint_burndown(sprint, query.validated_data.get("as_of") or self.project.today())
        data = {
            "sprint": sprint.pk,
            "days": [{"day": d.day, "ideal": d.ideal, "remaining": d.remaining} for d in days],
        }
        return Response(BurndownSerializer(data).data)

    @action(detail=False, methods=["get"], serializer_class=VelocitySerializer)
    def velocity(self, request, *args: Any, **kwargs: Any) -> Response:
        forecast = agile_forecast(self.project)
        data = {
            **forecast,
            "sprints": [
                {
                    "id": row["sprint"].pk,
                    "name": row["sprint"].name,
                    "start_date": row["sprint"].start_date,
                    "finish_date": row["sprint"].finish_date,
                    "done": row["done"],
                }
                for row in velocity(self.project)
            ],
        }
        return Response(VelocitySerializer(data).data)


# --- backlog --------------------------------------------------------------------------------------


class BacklogItemSerializer(serializers.ModelSerializer):
    sprint = ProjectRelatedField(
        queryset=Sprint.objects.all(),
        required=False,
        allow_null=True,
        help_text="The sprint it is planned in (null: the product backlog).",
    )
    version = version_field()

    class Meta:
        model = BacklogItem
        fields = (
            "id",
            "title",
            "description",
            "story_points",
            "sprint",
            "status",
            "position",
            "done_on",
            "version",
        )
        read_only_fields = ("position",)
        extra_kwargs = {
            "position": {"help_text": "Its place in the backlog; change it with reorder or move."}
        }


class BacklogReorderSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of every backlog item of the project, once each, in the new order.",
    )


class BacklogMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[("up", "Up: before the item above"), ("down", "Down: after the item below")]
    )


@crud_schema(
    serializer=BacklogItemSerializer,
    list="The product backlog, in order",
    retrieve="One backlog item",
    create="Add an item at the bottom of the backlog (members)",
    update="Edit a backlog item (members)",
    partial_update="Edit some fields of a backlog item (members)",
    destroy="Remove a backlog item (members)",
    gone="Removed.",
    reorder=extend_schema(
        summary="Put the whole backlog in a new order (members)",
        request=BacklogReorderSerializer,
        responses={200: BacklogItemSerializer(many=True)},
    ),
    move=extend_schema(
        summary="Move an item one place up or down (members)",
        request=BacklogMoveSerializer,
        responses={200: BacklogItemSerializer},
    ),
)
@extend_schema(tags=TAGS)
class BacklogItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """User stories and other work, ordered by priority, sized in story points."""

    queryset = BacklogItem.objects.all()
    serializer_class = BacklogItemSerializer
    filterset_fields = {"sprint": ["exact", "isnull"], "status": ["exact"]}
    search_fields = ("title", "description")
    ordering_fields = ("position", "story_points", "status", "title")
    ordering = ("position", "id")

    def perform_create(self, serializer: BacklogItemSerializer) -> None:
        fields, _ = self.split_version(serializer)
        item = backlog_item_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(item)

    def perform_update(self, serializer: BacklogItemSerializer) -> None:
        changes, version = self.split_version(serializer)
        item = backlog_item_update(
            item=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(item)

    def perform_destroy(self, instance: BacklogItem) -> None:
        # One record and no rule beyond the door's role check (STYLE 5): no service needed.
        instance._history_user = self.request.user
        instance.delete()

    # The whole backlog comes back in one list: the answer is not paginated.
    @action(
        detail=False,
        methods=["post"],
        serializer_class=BacklogReorderSerializer,
        pagination_class=None,
    )
    def reorder(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        backlog_reorder(
            project=self.project, by=request.user, item_ids=serializer.validated_data["items"]
        )
        items = self.get_queryset().order_by("position", "id")
        return Response(
            BacklogItemSerializer(items, many=True, context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"], serializer_class=BacklogMoveSerializer)
    def move(self, request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = backlog_item_move(
            item=item, by=request.user, direction=serializer.validated_data["direction"]
        )
        return Response(
            BacklogItemSerializer(self.reread(item), context=self.get_serializer_context()).data
        )
