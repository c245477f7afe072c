"""Links from tasks of other projects: ``/api/v1/projects/{id}/external-dependencies/``.

A task of this project (``successor``) waits for a task of another project the person can see
(``predecessor``). ``POST …/dependencies/`` with a predecessor of another project creates one
too (DESIGN §5) and answers with this representation (``external: true``). The predecessor is
named (``predecessor_label``, ``predecessor_project``, its dates) only to a reader who may see
its project; anyone else reads "External dependency (no access)" and nulls, never its id.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.response import Response

from projects.api.base import ProjectRelatedField, ProjectScopedViewSet, version_field
from projects.selectors import projects_for
from scheduling.models import ExternalDependency, Task
from scheduling.services import external
from scheduling.services.external import (
    external_dependency_add,
    external_dependency_remove,
    external_dependency_update,
)

TAGS = ["schedule"]
NO_ACCESS = "External dependency (no access)"


@extend_schema_field(OpenApiTypes.INT)
class ExternalPredecessorField(serializers.Field):
    """The predecessor's id: written as any task of a project the person can see; read only by
    someone who may see its project (null otherwise)."""

    def to_internal_value(self, data: Any) -> Task:
        try:
            return external.visible_task(self.context["request"].user, data)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict["predecessor"]) from None

    def to_representation(self, value: Task) -> int | None:
        visible = self.context.get("visible_projects", set())
        return value.pk if value.project_id in visible else None


class ExternalDependencySerializer(serializers.ModelSerializer):
    predecessor = ExternalPredecessorField(
        help_text="A task of another project you can see (null when you may not see it)."
    )
    successor = ProjectRelatedField(
        queryset=Task.objects.all(), help_text="The task of this project that waits."
    )
    external = serializers.SerializerMethodField(help_text="Always true: across projects.")
    predecessor_label = serializers.SerializerMethodField(
        help_text="`KEY-number “name”`, or “External dependency (no access)”."
    )
    predecessor_project = serializers.SerializerMethodField(
        help_text="The other project's key (null when you may not see it)."
    )
    predecessor_start = serializers.SerializerMethodField(help_text="Its start (or null).")
    predecessor_finish = serializers.SerializerMethodField(help_text="Its finish (or null).")
    version = version_field()

    class Meta:
        model = ExternalDependency
        fields = (
            "id",
            "predecessor",
            "successor",
            "type",
            "lag",
            "external",
            "predecessor_label",
            "predecessor_project",
            "predecessor_start",
            "predecessor_finish",
            "version",
        )
        validators: list = []
        extra_kwargs = {"lag": {"help_text": "Working days of this project; negative: a lead."}}

    def _visible(self, link: ExternalDependency) -> bool:
        return link.predecessor.project_id in self.context.get("visible_projects", set())

    def get_external(self, link: ExternalDependency) -> bool:
        return True

    def get_predecessor_label(self, link: ExternalDependency) -> str:
        if not self._visible(link):
            return NO_ACCESS
        return external.task_label(link.predecessor, link.predecessor.project.key)

    def get_predecessor_project(self, link: ExternalDependency) -> str | None:
        return link.predecessor.project.key if self._visible(link) else None

    def get_predecessor_start(self, link: ExternalDependency) -> Any:
        return link.predecessor.start_date if self._visible(link) else None

    def get_predecessor_finish(self, link: ExternalDependency) -> Any:
        return link.predecessor.finish_date if self._visible(link) else None


class ExternalDependencyWriteSerializer(ExternalDependencySerializer):
    schedule = serializers.SerializerMethodField(
        help_text="What the write moved in this project (finish, moved_count, moved)."
    )

    class Meta(ExternalDependencySerializer.Meta):
        fields = (*ExternalDependencySerializer.Meta.fields, "schedule")

    def get_schedule(self, link: ExternalDependency) -> dict[str, Any] | None:
        change = getattr(link, "schedule_change", None)
        return None if change is None else change.as_json()


class ExternalLinks:
    """What the dependencies endpoint and this one share: the projects a reader may see, and
    creating a link through the service."""

    def visible_projects(self) -> set[int]:
        if not hasattr(self, "_visible_projects"):
            self._visible_projects = set(
                projects_for(self.request.user).values_list("pk", flat=True)
            )
        return self._visible_projects

    def create_external(self, data: dict[str, Any]) -> Response:
        context = {**self.get_serializer_context(), "visible_projects": self.visible_projects()}
        serializer = ExternalDependencyWriteSerializer(data=data, context=context)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        link = external_dependency_add(project=self.project, by=self.request.user, **fields)
        row = _links().get(pk=link.pk)
        row.schedule_change = link.schedule_change
        return Response(ExternalDependencyWriteSerializer(row, context=context).data, status=201)


def _links():
    return ExternalDependency.objects.select_related("predecessor__project", "successor")


@extend_schema_view(
    list=extend_schema(summary="Tasks of this project waiting for tasks of other projects"),
    retrieve=extend_schema(summary="One link from another project"),
    create=extend_schema(
        summary="Make a task wait for a task of another project you can see (members)",
        description="A link that would make a loop of projects is a 400 naming the loop; "
        "the other project is recomputed as it is, this one at once.",
        responses={201: ExternalDependencyWriteSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a link's type or lag (members)",
        responses={200: ExternalDependencyWriteSerializer},
    ),
    destroy=extend_schema(
        summary="Remove the link; this project is rescheduled (members)",
        responses={204: OpenApiResponse(description="Removed.")},
    ),
)
@extend_schema(tags=TAGS)
class ExternalDependencyViewSet(
    ExternalLinks,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    queryset = ExternalDependency.objects.select_related("predecessor__project", "successor")
    serializer_class = ExternalDependencySerializer
    filterset_fields = ("successor", "type")
    ordering_fields = ("id", "successor", "type", "lag")
    ordering = ("id",)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "project", None) is not None:
            context["visible_projects"] = self.visible_projects()
        return context

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.create_external(request.data)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        serializer = ExternalDependencySerializer(
            link, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        for end in ("predecessor", "successor"):
            if end in changes and changes[end].pk == getattr(link, f"{end}_id"):
                del changes[end]
        updated = external_dependency_update(link=link, by=request.user, version=version, **changes)
        row = self.reread(updated)
        row.schedule_change = updated.schedule_change
        return Response(
            ExternalDependencyWriteSerializer(row, context=self.get_serializer_context()).data
        )

    def perform_destroy(self, instance: ExternalDependency) -> None:
        external_dependency_remove(link=instance, by=self.request.user)


def is_external_body(project_id: int, data: Any) -> bool:
    """Whether a dependency body names a predecessor outside the project (an external link)."""
    try:
        pk = int(data.get("predecessor"))
    except (AttributeError, TypeError, ValueError):
        return False
    return not Task.objects.filter(pk=pk, project_id=project_id).exists()
