"""Resource levelling: a preview anyone in the project can read, and apply and undo, which are
the manager's (they move the plan, after taking a baseline to return to). Across projects:
``/api/v1/portfolio/levelling/`` levels the projects I manage together."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import services
from budgets.api.fields import ConflictSerializer, NamedRefSerializer, conflict_data
from budgets.services import portfolio_levelling
from budgets.services.levelling import MoveRow
from budgets.services.portfolio_levelling import PortfolioLevelling, ProjectLevelling
from projects.api.base import ProjectRelatedField, ProjectSingletonViewSet
from projects.models import Role
from scheduling.models import Baseline, Task

TAGS = ["budgets"]


class LevellingQuerySerializer(serializers.Serializer):
    allow_past_float = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also delay tasks past their float (the project finish may move).",
    )


class LevellingUndoSerializer(serializers.Serializer):
    baseline = ProjectRelatedField(
        queryset=Baseline.objects.all(), help_text="The baseline the levelling took."
    )


class MoveSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    task_name = serializers.CharField()
    from_start = serializers.DateField()
    to_start = serializers.DateField()
    delay = serializers.IntegerField(help_text="Working days.")
    levelled = serializers.BooleanField(
        help_text="Delayed on purpose (it gets a start-no-earlier-than date); otherwise it "
        "follows a delayed predecessor."
    )
    past_float = serializers.BooleanField(help_text="It now delays the project finish.")
    constraint_date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class LevellingPlanSerializer(serializers.Serializer):
    allow_past_float = serializers.BooleanField()
    conflicts_before = serializers.IntegerField(help_text="Over-allocated person-days now.")
    finish_before = serializers.DateField(allow_null=True)
    finish_after = serializers.DateField(allow_null=True)
    finish_delay = serializers.IntegerField(help_text="Working days the finish moves.")
    moves = MoveSerializer(many=True)
    remaining = ConflictSerializer(many=True, help_text="Conflicts no legal move removes.")
    baseline = NamedRefSerializer(
        allow_null=True, required=False, help_text="Apply: the baseline taken first."
    )


def _move_data(move: MoveRow) -> dict[str, Any]:
    return {
        "task": move.task_id,
        "task_name": move.task_name,
        "from_start": move.from_start,
        "to_start": move.to_start,
        "delay": move.delay,
        "levelled": move.levelled,
        "past_float": move.past_float,
        "constraint_date": move.constraint_date,
        "reason": move.reason,
    }


def _plan_data(result: services.LevellingPlan) -> dict[str, Any]:
    baseline = result.baseline
    return {
        "allow_past_float": result.allow_past_float,
        "conflicts_before": result.conflicts_before,
        "finish_before": result.finish_before,
        "finish_after": result.finish_after,
        "finish_delay": result.finish_delay,
        "moves": [_move_data(move) for move in result.moves],
        "remaining": [conflict_data(row) for row in result.remaining],
        "baseline": {"id": baseline.pk, "name": baseline.name} if baseline else None,
    }


class LevellingUndoResultSerializer(serializers.Serializer):
    restored = serializers.IntegerField(help_text="Tasks given back their previous dates.")


@extend_schema_view(
    preview=extend_schema(
        summary="What levelling would move, and the new finish; saves nothing",
        parameters=[LevellingQuerySerializer],
        responses={200: LevellingPlanSerializer},
    ),
    apply=extend_schema(
        summary="Level the resources: baseline first, then delay tasks (managers)",
        description="Takes the baseline “Before levelling <date>”, then gives each task the "
        "plan delays a start-no-earlier-than date and reschedules, in one transaction. 400 "
        "when nothing can be levelled.",
        request=LevellingQuerySerializer,
        responses={200: LevellingPlanSerializer},
    ),
    undo=extend_schema(
        summary="Undo a levelling: the tasks get back their earlier dates (managers)",
        request=LevellingUndoSerializer,
        responses={200: LevellingUndoResultSerializer},
    ),
)
@extend_schema(tags=TAGS)
class LevellingViewSet(ProjectSingletonViewSet):
    """Resource levelling: delay tasks within their float (by priority, then float, then id)
    until nobody is over-allocated, or past float when allowed."""

    queryset = Task.objects.all()
    serializer_class = LevellingPlanSerializer
    filter_backends: list = []
    action_roles = {"apply": Role.MANAGER, "undo": Role.MANAGER}

    @action(detail=True, methods=["get"], serializer_class=LevellingPlanSerializer)
    def preview(self, request, *args: Any, **kwargs: Any) -> Response:
        query = LevellingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = services.levelling_preview(project=self.project, **query.validated_data)
        return Response(LevellingPlanSerializer(_plan_data(result)).data)

    @action(detail=True, methods=["post"], serializer_class=LevellingQuerySerializer)
    def apply(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.levelling_apply(
            project=self.project, by=request.user, **serializer.validated_data
        )
        return Response(LevellingPlanSerializer(_plan_data(result)).data)

    @action(detail=True, methods=["post"], serializer_class=LevellingUndoSerializer)
    def undo(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        restored = services.levelling_undo(
            project=self.project, by=request.user, baseline=serializer.validated_data["baseline"]
        )
        return Response({"restored": restored})


# --- across the projects I manage -----------------------------------------------------------------


class PortfolioLevellingQuerySerializer(LevellingQuerySerializer):
    projects = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=True,
        help_text="Ids of projects you manage to level together (repeat ?projects=); all of "
        "them when left out. One you are not a member of is 404, one you do not manage 403.",
    )


class PortfolioLevellingApplySerializer(PortfolioLevellingQuerySerializer):
    fingerprint = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The preview's fingerprint: when given and the plan changed since, nothing "
        "is applied (400).",
    )


class PortfolioProjectPlanSerializer(serializers.Serializer):
    project = inline_serializer(
        name="LevelledProject",
        fields={
            "id": serializers.IntegerField(),
            "key": serializers.CharField(),
            "name": serializers.CharField(),
            "priority": serializers.IntegerField(),
        },
    )
    finish_before = serializers.DateField(allow_null=True)
    finish_after = serializers.DateField(allow_null=True)
    finish_delay = serializers.IntegerField(help_text="Working days the finish moves.")
    moves = MoveSerializer(many=True)
    baseline = NamedRefSerializer(
        allow_null=True, required=False, help_text="Apply: the baseline taken first."
    )


class PortfolioConflictSerializer(serializers.Serializer):
    person = serializers.CharField()
    date = serializers.DateField()
    booked = serializers.DecimalField(max_digits=10, decimal_places=2)
    capacity = serializers.DecimalField(max_digits=10, decimal_places=2)
    day_off = serializers.BooleanField()
    projects = serializers.ListField(
        child=inline_serializer(
            name="LevellingConflictProject",
            fields={
                "id": serializers.IntegerField(),
                "key": serializers.CharField(),
                "name": serializers.CharField(),
                "hours": serializers.DecimalField(max_digits=10, decimal_places=2),
                "tasks": NamedRefSerializer(many=True),
            },
        ),
        help_text="Only projects you can see.",
    )
    elsewhere = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="Hours booked on projects you cannot see (never named).",
    )


class PortfolioLevellingPlanSerializer(serializers.Serializer):
    allow_past_float = serializers.BooleanField()
    conflicts_before = serializers.IntegerField(help_text="Over-allocated person-days now.")
    fingerprint = serializers.CharField(help_text="Send it back with apply.")
    complete = serializers.BooleanField()
    projects = PortfolioProjectPlanSerializer(many=True)
    remaining = PortfolioConflictSerializer(many=True, help_text="Conflicts no legal move removes.")


def _project_plan_data(entry: ProjectLevelling) -> dict[str, Any]:
    project, baseline = entry.project, entry.baseline
    return {
        "project": {
            "id": project.pk,
            "key": project.key,
            "name": project.name,
            "priority": project.priority,
        },
        "finish_before": entry.finish_before,
        "finish_after": entry.finish_after,
        "finish_delay": entry.finish_delay,
        "moves": [_move_data(move) for move in entry.moves],
        "baseline": {"id": baseline.pk, "name": baseline.name} if baseline else None,
    }


def _portfolio_data(result: PortfolioLevelling, entries: list[ProjectLevelling]) -> dict:
    return {
        "allow_past_float": result.allow_past_float,
        "conflicts_before": result.conflicts_before,
        "fingerprint": result.fingerprint,
        "complete": result.complete,
        "projects": [_project_plan_data(entry) for entry in entries],
        "remaining": [
            {
                **row,
                "projects": [
                    {
                        **p,
                        "tasks": [{"id": pk, "name": name} for pk, name in p["tasks"]],
                    }
                    for p in row["projects"]
                ],
            }
            for row in result.remaining
        ],
    }


class PortfolioLevellingView(APIView):
    """Levelling across the projects I manage: GET previews, POST applies (each project touched
    in its own transaction, after its own baseline; undo per project with
    ``POST /api/v1/projects/{id}/levelling/undo/``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="What levelling my projects together would move; saves nothing",
        parameters=[PortfolioLevellingQuerySerializer],
        responses={200: PortfolioLevellingPlanSerializer},
    )
    def get(self, request: Request) -> Response:
        query = PortfolioLevellingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = portfolio_levelling.portfolio_levelling_preview(
            user=request.user,
            project_ids=data.get("projects") or None,
            allow_past_float=data["allow_past_float"],
        )
        return Response(
            PortfolioLevellingPlanSerializer(_portfolio_data(result, result.projects)).data
        )

    @extend_schema(
        tags=TAGS,
        summary="Level my projects together: each project touched gets its baseline first",
        description="Applies the plan project by project, each in its own transaction under "
        "its own lock; 400 when nothing can be levelled or the plan changed since the preview "
        "(`fingerprint`). The answer lists the projects applied, with their baselines.",
        request=PortfolioLevellingApplySerializer,
        responses={200: PortfolioLevellingPlanSerializer},
    )
    def post(self, request: Request) -> Response:
        body = PortfolioLevellingApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = portfolio_levelling.portfolio_levelling_apply(
            user=request.user,
            project_ids=data.get("projects") or None,
            allow_past_float=data["allow_past_float"],
            fingerprint=data.get("fingerprint"),
        )
        return Response(
            PortfolioLevellingPlanSerializer(_portfolio_data(result, result.applied)).data
        )
