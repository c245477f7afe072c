"""Projects, their members, and the templates a project can start from or be saved as."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import ProjectScopedViewSet
from projects.models import Invitation, Membership, Project, ProjectTemplate, Role
from projects.selectors import (
    colleagues_of,
    get_project_for,
    members_of,
    projects_for,
    templates_for,
)
from projects.services import (
    invitation_create,
    invitation_revoke,
    membership_add,
    membership_change_role,
    membership_remove,
    project_create,
    project_create_from_template,
    project_update,
    template_from_project,
)

User = get_user_model()

TARGET_BEFORE_START = "The target finish cannot be before the start date."


class ProjectSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "Read it with the project and send it back with an edit: if someone changed the "
            "project in between, the edit is refused with 409. Leave it out to skip the check."
        ),
    )
    my_role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, help_text="Your role in this project."
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=ProjectTemplate.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text=(
            "On create only: a project template's id (GET /api/v1/project-templates/); the new "
            "project starts with its objectives, WBS, deliverables and requirement categories, "
            "and takes its type and methodology unless given."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # another user's private template does not exist for you
            self.fields["template"].queryset = templates_for(request.user)

    class Meta:
        model = Project
        fields = (
            "id",
            "key",
            "name",
            "description",
            "type",
            "methodology",
            "stage",
            "sponsor",
            "start_date",
            "target_finish",
            "currency",
            "time_zone",
            "report_weekday",
            "report_hour",
            "priority",
            "version",
            "my_role",
            "template",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    def to_internal_value(self, data: Any) -> Any:
        # Keys are stored in capitals (the pages accept "erp" too); normalise before the format
        # and uniqueness validators look at it.
        if isinstance(data, Mapping) and isinstance(data.get("key"), str):
            data = data.copy()
            data["key"] = data["key"].strip().upper()
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if attrs.pop("template", None) is not None:
                raise serializers.ValidationError(
                    {"template": "A template applies only when a project is created."}
                )
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        finish = attrs.get("target_finish", getattr(self.instance, "target_finish", None))
        if start and finish and finish < start:
            raise serializers.ValidationError({"target_finish": TARGET_BEFORE_START})
        return attrs


_STALE = OpenApiResponse(description="The project changed since `version` was read.")


# --- Templates -----------------------------------------------------------------------------------


class ProjectTemplateSerializer(serializers.ModelSerializer):
    objective_count = serializers.SerializerMethodField()
    work_package_count = serializers.SerializerMethodField()
    deliverable_count = serializers.SerializerMethodField()

    class Meta:
        model = ProjectTemplate
        fields = (
            "id",
            "name",
            "type",
            "methodology",
            "description",
            "is_published",
            "objective_count",
            "work_package_count",
            "deliverable_count",
            "created_at",
        )
        read_only_fields = fields
        extra_kwargs = {
            "is_published": {
                "help_text": "Offered to every user (published by an administrator); otherwise "
                "only you, who saved it, see it."
            }
        }

    def get_objective_count(self, template: ProjectTemplate) -> int:
        return template.count("objectives")

    def get_work_package_count(self, template: ProjectTemplate) -> int:
        """Work packages at every depth of the template's WBS."""
        return template.count("work_packages")

    def get_deliverable_count(self, template: ProjectTemplate) -> int:
        return template.count("deliverables")


class SaveAsTemplateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Unique among templates.")
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Leave it out to say which project it was saved from.",
    )


@extend_schema_view(
    list=extend_schema(summary="Project templates to start a project from"),
    retrieve=extend_schema(summary="One project template"),
)
@extend_schema(tags=["projects"])
class ProjectTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The published templates and your own: a template saved from a project is private to the
    user who saved it until an administrator publishes it; anyone else's is 404."""

    serializer_class = ProjectTemplateSerializer
    filterset_fields = ("type", "methodology")
    search_fields = ("name", "description")
    ordering_fields = ("name", "type", "methodology", "created_at")
    ordering = ("type", "name")

    def get_queryset(self) -> QuerySet:
        return templates_for(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="My projects"),
    retrieve=extend_schema(summary="A project I am a member of"),
    create=extend_schema(summary="Create a project (you become its manager)"),
    update=extend_schema(
        summary="Edit a project (managers)", responses={200: ProjectSerializer, 409: _STALE}
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a project (managers)",
        responses={200: ProjectSerializer, 409: _STALE},
    ),
)
@extend_schema(tags=["projects"])
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Projects: a project you are not a member of does not exist for you (404)."""

    serializer_class = ProjectSerializer
    filterset_fields = ("type", "methodology", "stage")
    search_fields = ("name", "key", "description", "sponsor")
    ordering_fields = ("key", "name", "start_date", "target_finish", "stage", "type")
    ordering = ("key",)
    manager_actions = ("update", "partial_update", "save_as_template")

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if "pk" in self.kwargs:
            # Every method on a project's URL, even one we do not offer, meets the door first.
            need = Role.MANAGER if self.action in self.manager_actions else Role.VIEWER
            # Closed projects: the door lets managers in so that they can reopen (see update).
            self.project: Project = get_project_for(
                request.user, self.kwargs["pk"], need=need, allow_closed=True
            )

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return projects_for(self.request.user)

    def get_object(self) -> Project:
        self.check_object_permissions(self.request, self.project)
        return self.project

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        template = fields.pop("template", None)
        if template is None:
            project = project_create(by=request.user, **fields)
        else:
            project = project_create_from_template(by=request.user, template=template, **fields)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        project = self.get_object()
        serializer = self.get_serializer(project, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if project.is_closed:
            self._ensure_reopening(project, changes)
        project = project_update(project=project, by=request.user, version=version, **changes)
        return Response(self.get_serializer(project).data)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary="Save this project as a template (managers)",
        request=SaveAsTemplateSerializer,
        responses={201: ProjectTemplateSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="save-as-template",
        serializer_class=SaveAsTemplateSerializer,
    )
    def save_as_template(self, request, *args: Any, **kwargs: Any) -> Response:
        """Its objectives, WBS, deliverables and requirement categories become a new template."""
        if self.project.is_closed:  # as on the page: a closed project is read-only
            raise exceptions.PermissionDenied(f"{self.project.key} is closed and read-only.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = template_from_project(
            project=self.get_object(), by=request.user, **serializer.validated_data
        )
        return Response(
            ProjectTemplateSerializer(template, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _ensure_reopening(project: Project, changes: dict[str, Any]) -> None:
        """A closed project is read-only; its manager may only move it out of ``closed``."""
        changed = {field for field, value in changes.items() if getattr(project, field) != value}
        if changed != {"stage"}:
            raise exceptions.PermissionDenied(
                f"{project.key} is closed and read-only; to edit it, first reopen it by "
                "changing only its stage."
            )


# --- Members -------------------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "username", "email", "full_name", "role", "created_at")
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    """Who to add, by exactly one of ``user`` (id), ``username`` or ``email``, and their role.

    Only people who already share a project with the caller can be found this way, and the
    answer is the same whether an unknown name exists or not: anyone else is invited by e-mail
    (``…/invitations/``), so this endpoint is no directory of the installation's users."""

    user = serializers.PrimaryKeyRelatedField(
        queryset=User._default_manager.none(),
        required=False,
        error_messages={
            "does_not_exist": "None of the people you work with has the user id “{pk_value}”. "
            "To add someone new, invite them by e-mail."
        },
    )
    username = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        help_text="Omitted: the person's default role (the role their single sign-on groups map "
        "to, OIDC_GROUP_ROLES), else member.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["user"].queryset = colleagues_of(request.user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("user", "username", "email") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Name the person to add with exactly one of user (an id), username or email."
            )
        if "username" in given:
            attrs["user"] = self._one_user("username", attrs.pop("username"))
        elif "email" in given:
            attrs["user"] = self._one_user("email", attrs.pop("email"))
        return attrs

    def _one_user(self, field: str, value: str):
        users = list(self.fields["user"].queryset.filter(**{f"{field}__iexact": value.strip()})[:2])
        if len(users) == 1:
            return users[0]
        label = "username" if field == "username" else "e-mail address"
        if not users:
            message = (
                f"None of the people you work with has the {label} “{value}”. To add someone "
                "new, invite them by e-mail."
            )
        else:
            message = f"More than one user has the {label} “{value}”; give their user id instead."
        raise serializers.ValidationError({field: message})


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema_view(
    list=extend_schema(summary="The project's members"),
    retrieve=extend_schema(summary="One member of the project"),
    create=extend_schema(
        summary="Add a member (managers)",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a member's role (managers)",
        request=MembershipRoleSerializer,
        responses={200: MembershipSerializer},
    ),
    destroy=extend_schema(
        summary="Remove a member (managers)",
        responses={204: OpenApiResponse(description="Removed.")},
    ),
)
@extend_schema(tags=["projects"])
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet):
    """Who is in the project, and with which role. The project always keeps a manager."""

    queryset = Membership.objects.select_related("user")
    serializer_class = MembershipSerializer
    write_role = Role.MANAGER
    filterset_fields = ("role",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    ordering_fields = ("role", "username", "email", "created_at")
    # No default ``ordering``: the selector's order (managers first, then by name) stands.

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return members_of(self.project).annotate(
            username=F("user__username"), email=F("user__email")
        )

    def get_serializer_class(self):
        if self.action == "create":
            return MembershipCreateSerializer
        if self.action == "partial_update":
            return MembershipRoleSerializer
        return MembershipSerializer

    def _output(self, membership: Membership) -> dict[str, Any]:
        return MembershipSerializer(membership, context=self.get_serializer_context()).data

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_add(
            project=self.project,
            by=request.user,
            user=serializer.validated_data["user"],
            role=serializer.validated_data.get("role"),
        )
        return Response(self._output(membership), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_change_role(
            membership=membership, by=request.user, role=serializer.validated_data["role"]
        )
        return Response(self._output(membership))

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        membership_remove(membership=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations ---------------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="pending, accepted, revoked or expired.")
    invited_by = serializers.CharField(source="invited_by.username", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = (
            "id",
            "email",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "revoked_at",
        )
        read_only_fields = fields

    def get_status(self, invitation: Invitation) -> str:
        return invitation.status()


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


@extend_schema_view(
    list=extend_schema(summary="The project's invitations, newest first"),
    retrieve=extend_schema(summary="One invitation"),
    create=extend_schema(
        summary="Invite someone by e-mail (managers): they get a one-time link, valid 7 days",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke an invitation (managers): its link stops working",
        responses={204: OpenApiResponse(description="Revoked.")},
    ),
)
@extend_schema(tags=["projects"])
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet):
    """Invitations to the project by e-mail address. Inviting an address again replaces its open
    invitation; the link itself is only ever in the e-mail."""

    queryset = Invitation.objects.select_related("invited_by")
    serializer_class = InvitationSerializer
    write_role = Role.MANAGER
    filterset_fields = ("role",)
    search_fields = ("email",)
    ordering_fields = ("created_at", "email", "expires_at")

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(project=self.project)

    def get_serializer_class(self):
        if self.action == "create":
            return InvitationCreateSerializer
        return InvitationSerializer

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitation_create(
            project=self.project, by=request.user, **serializer.validated_data
        )
        return Response(
            InvitationSerializer(invitation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        invitation_revoke(invitation=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
