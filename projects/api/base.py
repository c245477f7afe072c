"""The base of every resource nested under a project, and the small pieces their APIs share.

Apps build their viewsets on ``ProjectScopedViewSet`` so that every resource under
``/api/v1/projects/{project_pk}/`` goes through the one access door (``get_project_for``): a
non-member gets 404, a viewer's write gets 403, whatever the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS

from projects.models import Project, Role
from projects.selectors import get_project_for

PROJECT_PK = OpenApiParameter(
    "project_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The project's id."
)

STALE = OpenApiResponse(description="The record changed since `version` was read.")


def edit_responses(serializer: type[serializers.Serializer]) -> dict:
    """An edit's responses for the schema: the record, or 409 when ``version`` was stale."""
    return {200: serializer, 409: STALE}


def crud_schema(
    *,
    serializer: type[serializers.Serializer],
    list: str,  # named after the action it documents, like the others
    create: str,
    record: str | None = None,
    retrieve: str | None = None,
    update: str | None = None,
    partial_update: str | None = None,
    destroy: str | None = None,
    gone: str | None = "Deleted.",
    refused: str | None = None,
    **extra: Any,
):
    """The schema of a CRUD viewset: one summary per action, edits with ``edit_responses``.

    ``record`` names one record with its article ("a meeting") for the summaries worded the
    same way everywhere, where not given: retrieve "One meeting", update "Edit a meeting
    (members)", partial_update "Edit some fields of a meeting (members)". Without ``record``,
    ``retrieve`` and ``update`` are needed and ``partial_update`` defaults to ``update``'s
    summary. ``destroy=None`` for a viewset that deletes nothing; ``gone`` describes the 204 of
    a delete (None: the generated response) and ``refused`` when a delete is refused; ``extra``
    are further actions' ``extend_schema(...)``, passed on to ``extend_schema_view``.
    """
    if record is not None:
        retrieve = retrieve or f"One {record.split(' ', 1)[1]}"
        update = update or f"Edit {record} (members)"
        partial_update = partial_update or f"Edit some fields of {record} (members)"
    actions = {
        "list": extend_schema(summary=list),
        "retrieve": extend_schema(summary=retrieve),
        "create": extend_schema(summary=create),
        "update": extend_schema(summary=update, responses=edit_responses(serializer)),
        "partial_update": extend_schema(
            summary=update if partial_update is None else partial_update,
            responses=edit_responses(serializer),
        ),
    }
    if destroy is not None:
        actions["destroy"] = (
            extend_schema(summary=destroy, description=refused)
            if gone is None
            else extend_schema(
                summary=destroy,
                description=refused,
                responses={204: OpenApiResponse(description=gone)},
            )
        )
    return extend_schema_view(**actions, **extra)


def version_field() -> serializers.IntegerField:
    """The optimistic-concurrency ``version`` of an editable record (DESIGN §3)."""
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "Read it with the record and send it back with an edit: if someone changed the "
            "record in between, the edit is refused with 409. Leave it out to skip the check."
        ),
    )


@extend_schema(parameters=[PROJECT_PK])
class ProjectScopedViewSet(viewsets.GenericViewSet):
    """Base for resources nested under a project (``projects/(?P<project_pk>[^/.]+)/<resource>``).

    ``self.project`` is the project from the URL, fetched through the access door with the role
    the request needs: ``read_role`` for safe methods, ``write_role`` for the rest (subclasses may
    raise it, e.g. to manager for membership, or per action with ``action_roles``). Subclasses set
    ``queryset`` to the model's base queryset (with the ``select_related`` their serializer
    needs); ``get_queryset()`` narrows it to the URL's project through ``scope_queryset()``, so a
    detail id from another project is a 404. Ids of related records sent in a body are checked
    with ``ProjectRelatedField``. Each app tags its viewsets with its own name
    (``@extend_schema(tags=["scheduling"])``).
    """

    read_role: Role = Role.VIEWER
    write_role: Role = Role.MEMBER
    # Actions that need more than write_role, e.g. {"approve": Role.MANAGER}.
    action_roles: dict[str, Role] = {}
    # Closed projects are read-only (DESIGN §3); lessons learned set this to True.
    allow_closed: bool = False

    def needed_role(self) -> Role:
        # A method the resource does not offer (self.action is None) needs only the read role, so
        # a member hears 405 and a non-member still 404: the door speaks before anything else.
        if self.action is None or self.request.method in SAFE_METHODS:
            return self.read_role
        return self.action_roles.get(self.action, self.write_role)

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Resolve the project after authentication and before any handler runs, so a non-member
        # gets 404 (and a viewer's write 403) before the body is even looked at.
        self.project: Project = get_project_for(
            request.user,
            self.kwargs["project_pk"],
            need=self.needed_role(),
            allow_closed=self.allow_closed,
        )

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            # The schema generator never calls initial(), so there is no project; an empty
            # queryset still tells it the model (for path parameter and filter types).
            return queryset.none()
        return self.scope_queryset(queryset)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        """This project's rows only; override to scope through a relation (``task__project``)."""
        return queryset.filter(project=self.project)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["project"] = getattr(self, "project", None)
        return context

    def reread(self, instance: Model) -> Model:
        """The record as a list row shows it (its select/prefetch), after a service wrote it."""
        return self.get_queryset().get(pk=instance.pk)

    @staticmethod
    def split_version(serializer: serializers.Serializer) -> tuple[dict[str, Any], int | None]:
        """A valid body's fields, and the ``version`` it was based on (None: no check)."""
        data = dict(serializer.validated_data)
        return data, data.pop("version", None)

    def require_role(self, role: Role, doing: str) -> None:
        """Refuse (403) a decision whose role depends on the body, e.g. accepting a deliverable."""
        if not Role(self.project.my_role).covers(role):
            raise exceptions.PermissionDenied(
                f"You need the {role.label.lower()} role in {self.project.key} to {doing}; "
                f"you are a {Role(self.project.my_role).label.lower()}."
            )


@dataclass(frozen=True)
class Writes:
    """The services a viewset writes its records through (STYLE 5), so the API and the pages
    write alike: ``create(project=, by=, **fields)``, ``update(<record>=, by=, version=,
    **changes)`` and ``delete(<record>=, by=)``, where ``<record>`` is the keyword the services
    take the record by. Leave out what the viewset does not offer."""

    record: str
    create: Callable[..., Model] | None = None
    update: Callable[..., Model] | None = None
    delete: Callable[..., Any] | None = None
    # False where the create service takes no ``project=``: the record's task or resource,
    # checked to be the URL project's by the serializer, names it.
    in_project: bool = True
    # Fields an edit sets through a service of their own after ``update``, in one transaction:
    # {"status": action_item_set_status} calls it as (<record>=, by=, status=value).
    then: Mapping[str, Callable[..., Any]] = field(default_factory=dict)


class WritesThroughServices:
    """``perform_create``, ``perform_update`` and ``perform_destroy`` of a
    ``ProjectScopedViewSet`` by its ``writes``; the answer is the record as a list row shows it.

    List it first among the viewset's bases, before DRF's mixins, whose ``perform_*`` it
    replaces.
    """

    writes: Writes

    def perform_create(self, serializer: serializers.Serializer) -> None:
        fields, _ = self.split_version(serializer)
        where = {"project": self.project} if self.writes.in_project else {}
        record = self.writes.create(**where, by=self.request.user, **fields)
        serializer.instance = self.reread(record)

    def perform_update(self, serializer: serializers.Serializer) -> None:
        changes, version = self.split_version(serializer)
        then = self.writes.then
        later = {name: value for name in then if (value := changes.pop(name, None)) is not None}
        record = serializer.instance
        with transaction.atomic() if then else nullcontext():
            # A body of nothing but ``then`` fields (and no version) edits nothing else.
            if changes or version is not None or not then:
                record = self.writes.update(
                    **{self.writes.record: record},
                    by=self.request.user,
                    version=version,
                    **changes,
                )
            for name, value in later.items():
                then[name](**{self.writes.record: record}, by=self.request.user, **{name: value})
        serializer.instance = self.reread(record)

    def perform_destroy(self, instance: Model) -> None:
        self.writes.delete(**{self.writes.record: instance}, by=self.request.user)


class RecordViewSet(
    WritesThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ProjectScopedViewSet,
):
    """A project's records to list, read, add and edit, written through ``writes`` (or the
    viewset's own ``perform_*`` where one write takes more than one service)."""


class DeletableRecordViewSet(
    WritesThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """A ``RecordViewSet`` whose records may also be deleted."""


class ProjectSingletonViewSet(ProjectScopedViewSet):
    """A resource the project has exactly one of (its charter, its traceability matrix).

    ``singleton = True`` tells the API router to route ``projects/{project_pk}/<resource>/`` to
    ``retrieve`` (and ``update``/``partial_update`` where offered), without an id in the URL;
    ``get_object()`` returns the project's one record.
    """

    singleton = True


class NoBodySerializer(serializers.Serializer):
    """No body: for actions such as ``submit`` that need nothing but the URL."""


class ProjectRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a record of the URL's project: an id from another project "does not exist".

    ``ProjectRelatedField(queryset=WorkPackage.objects.all())``; ``project_field`` names the path
    from the model to its project when it is not ``project``.
    """

    def __init__(self, *, project_field: str = "project", **kwargs: Any) -> None:
        self.project_field = project_field
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        project = self.context.get("project")
        if project is None:
            return queryset.none()
        return queryset.filter(**{self.project_field: project})


def member_field(**kwargs: Any) -> ProjectRelatedField:
    """A user id that must be a member of the URL's project (owners of packages, deliverables).

    Users outside the project "are not members" rather than named, so an id reveals nobody.
    """
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return ProjectRelatedField(
        queryset=get_user_model()._default_manager.all(),
        project_field="memberships__project",
        error_messages={"does_not_exist": "User {pk_value} is not a member of this project."},
        **kwargs,
    )
