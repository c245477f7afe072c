"""My notifications in the API: ``GET /api/v1/notifications/`` (``?unread=true``),
``POST …/{pk}/read/``, ``POST …/read-all/``, and ``GET``/``PUT …/preferences/`` (DESIGN §5).

Only the person's own notifications, and only of projects they are still a member of: another
person's notification id is 404 like any record that is not theirs.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from projects.models import Notification, NotificationPreference
from projects.services import notifications as service


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="event.type", read_only=True)
    text = serializers.SerializerMethodField()
    project = serializers.IntegerField(source="event.project_id", read_only=True)
    project_key = serializers.CharField(source="event.project.key", read_only=True)
    object_type = serializers.SerializerMethodField()
    object_id = serializers.IntegerField(source="event.object_id", read_only=True)
    object_label = serializers.CharField(source="event.object_label", read_only=True)
    actor = serializers.IntegerField(source="event.actor_id", read_only=True)
    data = serializers.JSONField(source="event.data", read_only=True)
    url = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "reason",
            "text",
            "project",
            "project_key",
            "object_type",
            "object_id",
            "object_label",
            "actor",
            "data",
            "url",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_text(self, notification: Notification) -> str:
        return service.describe(notification.event)

    def get_object_type(self, notification: Notification) -> str | None:
        content_type = notification.event.content_type_id
        if content_type is None:
            return None
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(content_type)
        return f"{model.app_label}.{model.model}"

    def get_url(self, notification: Notification) -> str:
        return self.context["request"].build_absolute_uri(service.link_of(notification.event))

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


PREFERENCES = inline_serializer(
    name="NotificationPreferences",
    fields={
        reason: serializers.ChoiceField(choices=NotificationPreference.Channel.choices)
        for reason in Notification.Reason.values
    },
)


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """My notifications, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        rows = service.notifications_for(self.request.user)
        unread = self.request.query_params.get("unread")
        if unread is not None:
            if unread.lower() in ("1", "true", "yes"):
                rows = rows.filter(read_at__isnull=True)
            elif unread.lower() in ("0", "false", "no"):
                rows = rows.filter(read_at__isnull=False)
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (true) or read")
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Mark one notification read", request=None)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        service.notification_mark_read(notification=notification, by=request.user)
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: inline_serializer("ReadAll", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": service.notifications_mark_all_read(by=request.user)})

    @extend_schema(
        summary="How I hear of each kind of notification",
        request=PREFERENCES,
        responses={200: PREFERENCES},
    )
    @action(detail=False, methods=["get", "put", "patch"])
    def preferences(self, request: Request) -> Response:
        if request.method == "GET":
            return Response(service.preferences_of(request.user))
        if not isinstance(request.data, dict):
            return Response(
                {"detail": "Send an object of kind → channel."}, status=status.HTTP_400_BAD_REQUEST
            )
        choices = {key: value for key, value in request.data.items()}
        return Response(service.preferences_update(user=request.user, choices=choices))
