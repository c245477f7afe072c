"""Tasks, the dependencies between them, and the computed schedule (``/schedule/``).

Dates are computed, never typed: every write goes through ``scheduling.services``, which
recomputes the critical path in the same transaction, so the response of a write (re-read through
``get_queryset()``) already carries the new dates. A dependency that would close a loop is a 400
naming the tasks in it, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from projects.api.base import (
    ProjectRelatedField,
    ProjectScopedViewSet,
    ProjectSingletonViewSet,
    crud_schema,
    edit_responses,
    member_field,
    version_field,
)
from projects.api.renderers import FastJSONRenderer
from projects.models import WorkPackage
from scheduling.api.external import ExternalLinks, is_external_body
from scheduling.models import Dependency, Phase, Task
from scheduling.predecessors import PredecessorLink, format_links
from scheduling.services import (
    dependency_add,
    dependency_remove,
    dependency_update,
    external,
    task_create,
    task_delete,
    task_update,
)

TAGS = ["schedule"]

# Help for the computed columns, shared by tasks and /schedule/.
INDEX = "Working days from the project start (day 0); {}"
COMPUTED_HELP = {
    "early_start": INDEX.format("the earliest the task can start."),
    "early_finish": INDEX.format("early start + duration (exclusive)."),
    "late_start": INDEX.format("the latest it can start without delaying the finish."),
    "late_finish": INDEX.format("late start + duration (exclusive)."),
    "total_float": "Working days it can slip without moving the project finish (late − early).",
    "free_float": "Working days it can slip without moving any successor (or, without one, the "
    "project finish); never more than `total_float`, as in MS Project: a lead before the project "
    "start or a deadline cannot give slack the project finish does not have.",
    "is_critical": "On the critical path: total float ≤ 0.",
    "start_date": "The first working day (computed).",
    "finish_date": "The last working day, inclusive; a milestone's is its start (computed).",
}
# The computed columns as the API shows them: the stored ones, and the late dates and floats
# that ``TaskQuerySet.with_floats()`` derives on read from what is stored relative to the finish.
COMPUTED_FIELDS = Task.SHOWN_COMPUTED_FIELDS


class FloatFieldsMixin(serializers.Serializer):
    """The derived late dates and floats: annotations, not model fields."""

    late_start = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=COMPUTED_HELP["late_start"]
    )
    late_finish = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=COMPUTED_HELP["late_finish"]
    )
    total_float = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=COMPUTED_HELP["total_float"]
    )
    free_float = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=COMPUTED_HELP["free_float"]
    )


# --- what a schedule-moving write moved ----------------------------------------------------------


class MovedDatesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    finish_date = serializers.DateField()


class ScheduleChangeSerializer(serializers.Serializer):
    finish = serializers.DateField(
        allow_null=True, help_text="The project's finish after the write (the latest task finish)."
    )
    moved_count = serializers.IntegerField(help_text="How many tasks' schedule changed.")
    moved = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the tasks whose dates, late dates, floats or criticality changed.",
    )
    moved_dates = MovedDatesSerializer(
        many=True,
        required=False,
        help_text="With `?include=moved`: those tasks' new start and finish dates.",
    )


@extend_schema_field(ScheduleChangeSerializer(allow_null=True))
class ScheduleChangeField(serializers.Field):
    """``schedule``: what the write moved, so a client needs no second request; null when the
    write could not move dates (a name or note change)."""

    def __init__(self) -> None:
        super().__init__(
            read_only=True,
            source="*",
            help_text="What the write moved (null when it could not move dates): the project "
            "finish, how many tasks changed and their ids; `?include=moved` adds their dates.",
        )

    def to_representation(self, instance: Any) -> dict[str, Any] | None:
        change = getattr(instance, "schedule_change", None)
        if change is None:
            return None
        request = self.context.get("request")
        include = request.query_params.get("include", "") if request is not None else ""
        return ScheduleChangeSerializer(
            change.as_json(with_dates="moved" in include.split(","))
        ).data


def with_schedule_change(serializer_class: type[serializers.ModelSerializer]) -> type:
    """``serializer_class`` plus the read-only ``schedule`` key of a write's answer."""
    return type(
        f"{serializer_class.__name__.removesuffix('Serializer')}WriteSerializer",
        (serializer_class,),
        {
            "schedule": ScheduleChangeField(),
            "Meta": type(
                "Meta",
                (serializer_class.Meta,),
                {"fields": (*serializer_class.Meta.fields, "schedule")},
            ),
            "__module__": __name__,
        },
    )


def reread_with_change(view: ProjectScopedViewSet, instance: Any) -> Any:
    """The written record re-read as a list row shows it, keeping what its reschedule moved."""
    row = view.reread(instance)
    row.schedule_change = getattr(instance, "schedule_change", None)
    return row


# --- tasks ----------------------------------------------------------------------------------------


class PredecessorsField(serializers.CharField):
    """``predecessors`` read from the links ``TaskViewSet`` prefetched into ``incoming_links``
    (a plain list), else from ``Task.predecessors_text``. Writes go to ``predecessors_text``."""

    def get_attribute(self, instance: Any) -> Any:
        links = getattr(instance, "incoming_links", None)
        if links is None:
            return super().get_attribute(instance)
        return format_links(
            PredecessorLink(link.predecessor.ref, link.type, link.lag) for link in links
        )


class TaskSerializer(FloatFieldsMixin, serializers.ModelSerializer):
    work_package = ProjectRelatedField(
        queryset=WorkPackage.objects.all(),
        required=False,
        allow_null=True,
        help_text="The work package (WBS element) it belongs to.",
    )
    phase = ProjectRelatedField(
        queryset=Phase.objects.all(),
        required=False,
        allow_null=True,
        help_text="The phase (stage) it belongs to.",
    )
    owner = member_field(help_text="A member of the project (user id).")
    is_milestone = serializers.BooleanField(read_only=True, help_text="Duration 0.")
    planned_cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="The task's budget: its fixed cost plus the labour of its assignments.",
    )
    ref = serializers.IntegerField(
        read_only=True,
        help_text="The task's number in the project (as MS Project's ID, but never reused): "
        "what `predecessors` refers to.",
    )
    predecessors = PredecessorsField(
        source="predecessors_text",
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="The tasks it waits for, by number, as MS Project writes them: "
        "`3FS+2d, 5SS, 7, 9FF-1d` (type FS when left out; lag in working days, negative for a "
        "lead). Writing it replaces the task's incoming links at once; an unknown number or a "
        "loop is a 400 naming the tasks, and nothing is saved. Left out: links unchanged.",
    )
    version = version_field()

    class Meta:
        model = Task
        fields = (
            "id",
            "ref",
            "external_id",
            "name",
            "description",
            "work_package",
            "phase",
            "owner",
            "position",
            "duration",
            "is_milestone",
            "constraint_date",
            "deadline",
            "percent_complete",
            "actual_start",
            "actual_finish",
            "status",
            "optimistic_duration",
            "most_likely_duration",
            "pessimistic_duration",
            "priority",
            "fixed_cost",
            "planned_cost",
            "predecessors",
            *COMPUTED_FIELDS,
            "version",
        )
        read_only_fields = ("status", *COMPUTED_FIELDS)
        extra_kwargs = {
            **{name: {"help_text": text} for name, text in COMPUTED_HELP.items()},
            "position": {"help_text": "Order within its work package; last if left out."},
            "duration": {"help_text": "Working days; 0 makes it a milestone."},
            "status": {"help_text": "Follows progress: any start or % is in progress, 100% done."},
            "external_id": {
                "read_only": True,
                "help_text": "Its unique ID in the plan file it was imported from (MS Project's "
                "UID), or null.",
            },
        }


TaskWriteSerializer = with_schedule_change(TaskSerializer)


@crud_schema(
    serializer=TaskWriteSerializer,
    list="The project's tasks, in plan order",
    retrieve="One task",
    create="Add a task; the answer carries its computed dates (members)",
    update="Edit a task; the answer carries its new dates (members)",
    partial_update="Edit some fields of a task; the answer carries its new dates (members)",
    destroy="Delete a task and its links; the rest is rescheduled (members)",
)
@extend_schema(tags=TAGS)
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Scheduled work. Durations are working days on the project calendar; dates and floats
    are computed by the critical-path method and are read-only.

    The list is in plan order (WBS order, then position) unless ``ordering`` says otherwise.
    """

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_fields = ("ref", "work_package", "phase", "status", "is_critical", "owner")
    search_fields = ("name",)
    ordering_fields = (
        "ref",
        "position",
        "name",
        "duration",
        "start_date",
        "finish_date",
        "total_float",
        "percent_complete",
        "status",
    )
    # No default ``ordering``: scope_queryset() gives the plan order, which no field name can say.

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        # One more query for every task's incoming links with their predecessors' numbers, into
        # a plain list (to_attr): prefetching into the related manager instead clones and filters
        # a queryset per task, a third of a 100-row page's time.
        links = Dependency.objects.select_related("predecessor").only(
            "successor_id", "type", "lag", "predecessor__ref"
        )
        return (
            queryset.filter(project=self.project)
            .with_floats()
            .in_plan_order()
            .prefetch_related(
                Prefetch("predecessor_links", queryset=links, to_attr="incoming_links")
            )
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"create", "update", "partial_update"}:
            return TaskWriteSerializer
        return TaskSerializer

    def perform_create(self, serializer: TaskSerializer) -> None:
        fields, _ = self.split_version(serializer)
        predecessors = fields.pop("predecessors_text", None)
        task = task_create(
            project=self.project, by=self.request.user, predecessors=predecessors, **fields
        )
        serializer.instance = reread_with_change(self, task)

    def perform_update(self, serializer: TaskSerializer) -> None:
        changes, version = self.split_version(serializer)
        predecessors = changes.pop("predecessors_text", None)
        task = task_update(
            task=serializer.instance,
            by=self.request.user,
            version=version,
            predecessors=predecessors,
            **changes,
        )
        serializer.instance = reread_with_change(self, task)

    def perform_destroy(self, instance: Task) -> None:
        task_delete(task=instance, by=self.request.user)


# --- dependencies ---------------------------------------------------------------------------------


class DependencySerializer(serializers.ModelSerializer):
    predecessor = ProjectRelatedField(
        queryset=Task.objects.all(), help_text="The task that drives (a task of this project)."
    )
    successor = ProjectRelatedField(
        queryset=Task.objects.all(), help_text="The task that follows (a task of this project)."
    )
    version = version_field()

    class Meta:
        model = Dependency
        fields = ("id", "predecessor", "successor", "type", "lag", "version")
        # The service refuses a duplicate link, naming both tasks.
        validators: list = []
        extra_kwargs = {
            "type": {
                "help_text": "FS finish-to-start, SS start-to-start, FF finish-to-finish, "
                "SF start-to-finish."
            },
            "lag": {"help_text": "Working days; negative for a lead."},
        }


DependencyWriteSerializer = with_schedule_change(DependencySerializer)


@extend_schema_view(
    list=extend_schema(summary="The project's dependencies"),
    retrieve=extend_schema(summary="One dependency"),
    create=extend_schema(
        summary="Link two tasks; a link that closes a loop is refused (members)",
        description="A loop is a 400 on `successor` naming the tasks in it; nothing is saved. "
        "A `predecessor` of another project you can see makes an external link: the answer is "
        "then that of `…/external-dependencies/` (`external: true`).",
    ),
    partial_update=extend_schema(
        summary="Change a dependency's type or lag (members)",
        description="To link other tasks, delete the dependency and add another.",
        responses=edit_responses(DependencyWriteSerializer),
    ),
    destroy=extend_schema(
        summary="Remove a dependency; the rest is rescheduled (members)",
        responses={204: OpenApiResponse(description="Removed.")},
    ),
)
@extend_schema(tags=TAGS)
class DependencyViewSet(
    ExternalLinks,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Links between tasks: predecessor → successor, type FS/SS/FF/SF, lag in working days."""

    queryset = Dependency.objects.all()
    serializer_class = DependencySerializer
    filterset_fields = ("predecessor", "successor", "type")
    ordering_fields = ("id", "predecessor", "successor", "type", "lag")
    ordering = ("id",)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"create", "partial_update"}:
            return DependencyWriteSerializer
        return DependencySerializer

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        if is_external_body(self.project.pk, request.data):
            return self.create_external(request.data)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: DependencySerializer) -> None:
        fields, _ = self.split_version(serializer)
        dependency = dependency_add(project=self.project, by=self.request.user, **fields)
        serializer.instance = reread_with_change(self, dependency)

    # Only PATCH: a link's tasks are not edited in place, so there is no whole-record PUT.
    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes, version = self.split_version(serializer)
        link = serializer.instance
        for end in ("predecessor", "successor"):
            # Sending the same task back (a client echoing the record) is no change.
            if end in changes and changes[end].pk == getattr(link, f"{end}_id"):
                del changes[end]
        link = dependency_update(dependency=link, by=request.user, version=version, **changes)
        return Response(self.get_serializer(reread_with_change(self, link)).data)

    def perform_destroy(self, instance: Dependency) -> None:
        dependency_remove(dependency=instance, by=self.request.user)


# --- the computed schedule ------------------------------------------------------------------------

SCHEDULE_TASK_FIELDS = (
    "id",
    "name",
    "start_date",
    "finish_date",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float",
    "free_float",
    "is_critical",
)


class ScheduleTaskSerializer(FloatFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = SCHEDULE_TASK_FIELDS
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": text} for name, text in COMPUTED_HELP.items()}


class ScheduleSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True, help_text="The first task's start.")
    finish = serializers.DateField(
        allow_null=True,
        help_text="The project's finish as every page shows it: the latest task finish "
        "(inclusive; a milestone's own day).",
    )
    critical_path = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the critical tasks, in time order."
    )
    waiting = serializers.CharField(
        allow_null=True,
        help_text="While a project this one waits for has moved and the worker has not yet "
        "recomputed this one: “Waiting for KEY to recompute…” (KEY only if you may see it); "
        "null otherwise.",
    )
    tasks = ScheduleTaskSerializer(many=True, help_text="Every task, in plan order.")


@extend_schema(tags=TAGS)
class ScheduleViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The critical-path schedule as computed at the last edit: read-only."""

    queryset = Task.objects.all()
    serializer_class = ScheduleSerializer
    filter_backends: list = []
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        summary="The computed schedule: dates, floats and the critical path",
        description="Per task the early/late start and finish (working-day indexes from the "
        "project start), total and free float, the critical flag and the shown dates; for the "
        "project its finish and the critical path as task ids.",
    )
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        # Tuples straight to orjson: at 10,000 tasks a serializer, or even a dict per row from
        # the ORM and the standard encoder, cost several times the query (bench/edits.py).
        rows = (
            Task.objects.filter(project=self.project)
            .with_floats()
            .in_plan_order()
            .values_list(*SCHEDULE_TASK_FIELDS)
        )
        tasks = [dict(zip(SCHEDULE_TASK_FIELDS, row, strict=True)) for row in rows]
        critical = sorted(
            (task for task in tasks if task["is_critical"]),
            key=lambda task: (task["early_start"] or 0, task["early_finish"] or 0, task["id"]),
        )
        return Response(
            {
                "start": min((t["start_date"] for t in tasks if t["start_date"]), default=None),
                "finish": max((t["finish_date"] for t in tasks if t["finish_date"]), default=None),
                "critical_path": [task["id"] for task in critical],
                "waiting": external.waiting_for(request.user, self.project),
                "tasks": tasks,
            }
        )
