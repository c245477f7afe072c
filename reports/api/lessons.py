"""Lessons learned in the API: a project's lessons under
``/api/v1/projects/{project_pk}/lessons-learned/`` (members add them, even on a closed project;
the author or a manager edits or removes one), and the search across every project the user can
see at ``/api/v1/lessons-learned/?search=`` (DESIGN §5)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from projects.api.base import STALE, ProjectScopedViewSet, edit_responses, version_field
from projects.models import Project
from reports.models import LessonLearned
from reports.selectors.lessons import MAX_SEARCH_LENGTH, lessons_of, lessons_search
from reports.services.lessons import (
    MAX_TAG_LENGTH,
    MAX_TAGS,
    REQUIRED_TEXT,
    lesson_create,
    lesson_delete,
    lesson_update,
)

TAGS = ["reports"]


class LessonSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=True),
        required=False,
        help_text=f"Up to {MAX_TAGS} short words of at most {MAX_TAG_LENGTH} characters; stored "
        "lower-case, trimmed and without repeats.",
    )
    created_by = serializers.SerializerMethodField(help_text="The author's name.")
    version = version_field()

    class Meta:
        model = LessonLearned
        fields = (
            "id",
            "category",
            "title",
            "what_happened",
            "impact",
            "recommendation",
            "tags",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("created_at", "updated_at")
        extra_kwargs = {
            name: {"error_messages": {"blank": message, "required": message}}
            for name, message in REQUIRED_TEXT.items()
        }

    def get_created_by(self, lesson: LessonLearned) -> str | None:
        user = lesson.created_by
        if user is None:
            return None
        return user.get_full_name() or user.get_username()


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, default=None, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="The project's lessons learned, newest first"),
    retrieve=extend_schema(summary="One lesson learned"),
    create=extend_schema(summary="Record a lesson learned (members; also on a closed project)"),
    update=extend_schema(
        summary="Edit a lesson learned (its author or a manager)",
        responses=edit_responses(LessonSerializer),
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a lesson learned (its author or a manager)",
        responses=edit_responses(LessonSerializer),
    ),
    destroy=extend_schema(
        summary="Remove a lesson learned (its author or a manager)",
        parameters=[
            OpenApiParameter(
                "version",
                OpenApiTypes.INT,
                description="The version read: if the lesson changed since, 409.",
            )
        ],
        responses={204: None, 409: STALE},
    ),
)
@extend_schema(tags=TAGS)
class LessonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """What happened, its impact and what to do next time, by category and tags."""

    queryset = LessonLearned.objects.all()
    serializer_class = LessonSerializer
    filterset_fields = ("category", "created_by")
    search_fields = ("title", "what_happened", "impact", "recommendation")
    ordering_fields = ("created_at", "title", "category")

    @property
    def allow_closed(self) -> bool:
        # A closed project is read-only except for adding lessons learned (DESIGN §3).
        return self.action == "create"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return lessons_of(self.project)

    def perform_create(self, serializer: LessonSerializer) -> None:
        fields, _ = self.split_version(serializer)
        lesson = lesson_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(lesson)

    def perform_update(self, serializer: LessonSerializer) -> None:
        changes, version = self.split_version(serializer)
        lesson = lesson_update(
            lesson=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(lesson)

    def perform_destroy(self, instance: LessonLearned) -> None:
        query = VersionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        lesson_delete(
            lesson=instance, by=self.request.user, version=query.validated_data["version"]
        )


# --- across projects: the search ------------------------------------------------------------------


class LessonProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ("id", "key", "name", "type")
        read_only_fields = fields


class LessonFoundSerializer(LessonSerializer):
    project = LessonProjectSerializer(read_only=True)

    class Meta(LessonSerializer.Meta):
        fields = ("id", "project", *LessonSerializer.Meta.fields[1:-1])
        read_only_fields = fields


class LessonSearchQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_SEARCH_LENGTH, default=""
    )
    category = serializers.ChoiceField(
        choices=LessonLearned.Category.choices, required=False, allow_blank=True, default=""
    )
    project_type = serializers.ChoiceField(
        choices=Project.Type.choices, required=False, allow_blank=True, default=""
    )
    tag = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TAG_LENGTH, default=""
    )


@extend_schema(tags=TAGS)
@extend_schema_view(
    list=extend_schema(
        summary="Search lessons learned across my projects",
        description=(
            "Lessons of every project you can see. `search` takes words (on PostgreSQL full-text "
            'search with English stemming and web-search syntax: `"exact phrase"`, `-without`, '
            "`or`; ranked, titles weigh most), and the filters narrow the list. Without "
            "`search`, the newest first."
        ),
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Words to look for."),
            OpenApiParameter(
                "category",
                OpenApiTypes.STR,
                enum=LessonLearned.Category.values,
                description="The lessons' category.",
            ),
            OpenApiParameter(
                "project_type",
                OpenApiTypes.STR,
                enum=Project.Type.values,
                description="The type of the lessons' projects.",
            ),
            OpenApiParameter("tag", OpenApiTypes.STR, description="One tag, exactly."),
        ],
    )
)
class LessonSearchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Lessons learned across every project the current user can see."""

    serializer_class = LessonFoundSerializer
    filter_backends: list = []
    queryset = LessonLearned.objects.none()

    def get_queryset(self) -> QuerySet[LessonLearned]:
        if getattr(self, "swagger_fake_view", False):
            return LessonLearned.objects.none()
        query = LessonSearchQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return lessons_search(
            self.request.user,
            text=data["search"],
            category=data["category"],
            project_type=data["project_type"],
            tag=data["tag"],
        )
