"""Scope under a project, part one: the charter, objectives and the WBS.

Every write goes through ``projects.services`` (STYLE 5 and 9): serializers check the shape of a
body and that ids in it belong to the URL's project; the services hold the rules. Their
``ValidationError`` becomes a 400 with a message per field and ``StaleEdit`` a 409, through
``projects.api.errors.exception_handler``. Responses re-read the record through
``get_queryset()``, so a write answers with exactly what a list row shows. Deliverables and
requirements are in ``deliverables.py``, change requests in ``changes.py``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    DeletableRecordViewSet,
    ProjectRelatedField,
    ProjectSingletonViewSet,
    Writes,
    crud_schema,
    edit_responses,
    member_field,
    version_field,
)
from projects.models import Charter, Objective, WorkPackage
from projects.selectors import wbs_of
from projects.services import (
    OBJECTIVE_FIELDS,
    charter_update,
    objective_create,
    objective_update,
    work_package_add,
    work_package_delete,
    work_package_move,
    work_package_shift,
    work_package_update,
)

TAGS = ["scope"]


# --- charter --------------------------------------------------------------------------------------


class CharterSerializer(serializers.ModelSerializer):
    version = version_field()
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until the charter is first written."
    )

    class Meta:
        model = Charter
        fields = (*Charter.TEXT_FIELDS, "version", "updated_at")


@extend_schema_view(
    retrieve=extend_schema(summary="The project charter"),
    update=extend_schema(
        summary="Write the project charter (members)", responses=edit_responses(CharterSerializer)
    ),
    partial_update=extend_schema(
        summary="Write some sections of the project charter (members)",
        responses=edit_responses(CharterSerializer),
    ),
)
@extend_schema(tags=TAGS)
class CharterViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ProjectSingletonViewSet):
    """The project's one charter: why the project exists and what it covers."""

    queryset = Charter.objects.all()
    serializer_class = CharterSerializer

    def get_object(self) -> Charter:
        # Reading never writes: a project whose charter was never written shows an empty one.
        return self.get_queryset().first() or Charter(project=self.project)

    def perform_update(self, serializer: CharterSerializer) -> None:
        changes, version = self.split_version(serializer)
        serializer.instance = charter_update(
            project=self.project, by=self.request.user, version=version, **changes
        )


# --- objectives -----------------------------------------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    version = version_field()

    class Meta:
        model = Objective
        fields = ("id", *OBJECTIVE_FIELDS, "version")


@crud_schema(
    serializer=ObjectiveSerializer,
    list="The project's objectives",
    create="Add an objective (members)",
    record="an objective",
    destroy="Remove an objective (members)",
    gone=None,
)
@extend_schema(tags=TAGS)
class ObjectiveViewSet(DeletableRecordViewSet):
    """SMART objectives: what is measured, from which baseline to which target, by when."""

    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_fields = ("status",)
    search_fields = ("description", "measure")
    ordering_fields = ("position", "due_date", "status", "description")
    ordering = ("position", "id")
    writes = Writes("objective", create=objective_create, update=objective_update)

    def perform_destroy(self, instance: Objective) -> None:
        # One record and no rule beyond the door's role check (STYLE 5): no service needed.
        instance._history_user = self.request.user
        instance.delete()


# --- WBS ------------------------------------------------------------------------------------------


class WorkPackageSerializer(serializers.ModelSerializer):
    parent = ProjectRelatedField(
        queryset=WorkPackage.objects.all(),
        required=False,
        allow_null=True,
        help_text="The work package it sits under (null: top level); changing it moves it.",
    )
    position = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="1-based place among its siblings; leave it out to add or move it last.",
    )
    owner = member_field(help_text="A member of the project (user id).")
    depth = serializers.IntegerField(read_only=True, help_text="0 at the top level.")
    version = version_field()

    class Meta:
        model = WorkPackage
        fields = (
            "id",
            "code",
            "parent",
            "position",
            "name",
            "description",
            "owner",
            "depth",
            "version",
        )
        read_only_fields = ("code",)
        extra_kwargs = {"code": {"help_text": "Its number in the tree, e.g. 1.2.3 (read-only)."}}


class WorkPackageMoveSerializer(serializers.Serializer):
    parent = ProjectRelatedField(
        queryset=WorkPackage.objects.all(),
        allow_null=True,
        help_text="The new parent (null: top level).",
    )
    position = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="1-based place among its new siblings; last if left out.",
    )


class WorkPackageShiftSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[
            ("up", "Up: before the sibling above"),
            ("down", "Down: after the sibling below"),
            ("indent", "Indent: last child of the sibling above"),
            ("outdent", "Outdent: right after its parent"),
        ]
    )


_MOVED = {200: WorkPackageSerializer}


@extend_schema_view(
    list=extend_schema(summary="The WBS in reading order (1, 1.1, 1.2, 2, …)"),
    retrieve=extend_schema(summary="One work package"),
    create=extend_schema(summary="Add a work package (members)"),
    update=extend_schema(
        summary="Edit or move a work package (members)",
        responses=edit_responses(WorkPackageSerializer),
    ),
    partial_update=extend_schema(
        summary="Edit or move a work package (members)",
        description="Changing `parent` or `position` moves it with its subtree; codes renumber.",
        responses=edit_responses(WorkPackageSerializer),
    ),
    destroy=extend_schema(
        summary="Delete a work package without children (members)",
        responses={204: OpenApiResponse(description="Deleted; the codes after it renumber.")},
    ),
    move=extend_schema(
        summary="Move a work package and its subtree (members)",
        request=WorkPackageMoveSerializer,
        responses=_MOVED,
    ),
    shift=extend_schema(
        summary="Move a work package one step: up, down, indent or outdent (members)",
        request=WorkPackageShiftSerializer,
        responses=_MOVED,
    ),
)
@extend_schema(tags=TAGS)
class WorkPackageViewSet(DeletableRecordViewSet):
    """The work breakdown structure, in reading order.

    Codes follow the tree and are renumbered by every add, move and delete; a move answers with
    the moved package, already carrying its new code.
    """

    queryset = WorkPackage.objects.all()
    serializer_class = WorkPackageSerializer
    filterset_fields = {"parent": ["exact", "isnull"], "owner": ["exact"]}
    search_fields = ("name", "description", "code")
    # sort_key is the tree's reading order (codes sort wrongly as text: "10" before "2").
    ordering_fields = ("sort_key", "name")
    ordering = ("sort_key",)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return wbs_of(self.project)

    def _moved(self, package: WorkPackage) -> Response:
        return Response(
            WorkPackageSerializer(self.reread(package), context=self.get_serializer_context()).data
        )

    def perform_create(self, serializer: WorkPackageSerializer) -> None:
        fields, _ = self.split_version(serializer)
        package = work_package_add(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(package)

    def perform_update(self, serializer: WorkPackageSerializer) -> None:
        changes, version = self.split_version(serializer)
        moving = {name: changes.pop(name) for name in ("parent", "position") if name in changes}
        package = serializer.instance
        with transaction.atomic():
            if changes or version is not None:
                # Checks the version even for a pure move, and counts the move as an edit.
                package = work_package_update(
                    work_package=package, by=self.request.user, version=version, **changes
                )
            parent = moving.get("parent", package.parent)
            parent_id = parent.pk if parent else None
            position = moving.get("position")
            if parent_id != package.parent_id or position not in (None, package.position):
                package = work_package_move(
                    work_package=package,
                    by=self.request.user,
                    parent=parent,
                    position=position or self._last_position(parent_id, package),
                )
        serializer.instance = self.reread(package)

    def _last_position(self, parent_id: int | None, package: WorkPackage) -> int:
        siblings = WorkPackage.objects.filter(project=self.project, parent_id=parent_id)
        return siblings.exclude(pk=package.pk).count() + 1

    def perform_destroy(self, instance: WorkPackage) -> None:
        work_package_delete(work_package=instance, by=self.request.user)

    # Actions name their input serializer in @action, so OPTIONS (action "metadata") shows it too.
    @action(detail=True, methods=["post"], serializer_class=WorkPackageMoveSerializer)
    def move(self, request, *args: Any, **kwargs: Any) -> Response:
        package = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = serializer.validated_data["parent"]
        position = serializer.validated_data.get("position")
        moved = work_package_move(
            work_package=package,
            by=request.user,
            parent=parent,
            position=position or self._last_position(parent.pk if parent else None, package),
        )
        return self._moved(moved)

    @action(detail=True, methods=["post"], serializer_class=WorkPackageShiftSerializer)
    def shift(self, request, *args: Any, **kwargs: Any) -> Response:
        package = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = work_package_shift(
            work_package=package,
            by=request.user,
            direction=serializer.validated_data["direction"],
        )
        return self._moved(moved)
