"""Comments over the API: ``/api/v1/projects/{id}/<resource>/{record_pk}/comments/[{pk}/]`` for
tasks, deliverables, requirements, change requests, risks, issues, decisions and action items.

The door first (a non-member gets 404, a viewer's write 403, a closed project is read-only), then
the record, which must be the URL project's (404 otherwise). Writes go through
``projects.services``: a mention of anyone but a member is a 400 on ``body``, an edit by anyone
but the author a 403, a stale ``version`` a 409. DELETE takes the comment's words out (204); it
stays in the list with ``is_deleted`` so the thread keeps its shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers

from projects import services
from projects.api.base import ProjectScopedViewSet, crud_schema, version_field
from projects.comments import commentable_kinds, commented_record
from projects.display import person_name
from projects.models import Comment
from projects.models.comments import MAX_BODY

TAGS = ["comments"]


def resource_pattern() -> str:
    """The URL's record kinds, for the router's prefix."""
    return "|".join(commentable_kinds())


RESOURCE = OpenApiParameter(
    "resource",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=[
        "tasks",
        "deliverables",
        "requirements",
        "change-requests",
        "risks",
        "issues",
        "decisions",
        "action-items",
    ],  # fmt: skip
    description="The kind of record commented on.",
)
RECORD_PK = OpenApiParameter(
    "record_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The record's id."
)


class CommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField(help_text="The author's full name or username.")
    body = serializers.CharField(
        max_length=MAX_BODY,
        help_text="Markdown. Mention a member of the project with @username (anyone else is "
        "refused). Empty once the comment is deleted.",
    )
    body_html = serializers.CharField(
        read_only=True, help_text="The body rendered to sanitised HTML, mentions marked."
    )
    mentions = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the members the body mentions."
    )
    is_deleted = serializers.BooleanField(read_only=True)
    version = version_field()

    class Meta:
        model = Comment
        fields = (
            "id",
            "author",
            "author_name",
            "body",
            "body_html",
            "mentions",
            "created_at",
            "edited_at",
            "is_deleted",
            "deleted_at",
            "deleted_by",
            "version",
        )
        read_only_fields = ("author", "created_at", "edited_at", "deleted_at", "deleted_by")

    def get_author_name(self, comment: Comment) -> str:
        return person_name(comment.author)


@crud_schema(
    serializer=CommentSerializer,
    list="The record's comments, oldest first (deleted ones marked)",
    create="Comment on the record (members)",
    retrieve="One comment",
    update="Edit your comment",
    partial_update="Edit your comment",
    destroy="Delete a comment (its author, or a manager)",
    gone="Deleted: the body is gone, the comment stays in the list as deleted.",
)
@extend_schema(tags=TAGS, parameters=[RESOURCE, RECORD_PK])
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Comments on one record of the project."""

    queryset = Comment.objects.select_related("author").prefetch_related("mentions")
    serializer_class = CommentSerializer
    ordering = ("created_at", "id")
    ordering_fields = ("created_at",)

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # After the project's door: the record must be the project's (404 otherwise).
        self.kind, self.record = commented_record(
            self.project, self.kwargs["resource"], self.kwargs["record_pk"]
        )

    def scope_queryset(self, queryset):
        return queryset.filter(project=self.project).on(self.record)

    def perform_create(self, serializer: CommentSerializer) -> None:
        comment = services.comment_create(
            project=self.project,
            record=self.record,
            by=self.request.user,
            body=serializer.validated_data["body"],
        )
        serializer.instance = self.reread(comment)

    def perform_update(self, serializer: CommentSerializer) -> None:
        data = serializer.validated_data
        comment = services.comment_update(
            comment=serializer.instance,
            by=self.request.user,
            version=data.get("version"),
            body=data.get("body", serializer.instance.body),
        )
        serializer.instance = self.reread(comment)

    def perform_destroy(self, instance: Comment) -> None:
        services.comment_delete(comment=instance, by=self.request.user)
