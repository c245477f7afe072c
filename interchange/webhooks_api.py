"""Webhooks over the API (DESIGN §5): ``/api/v1/projects/{id}/webhooks/`` (register, list, edit,
delete), ``POST …/webhooks/{pk}/test/``, ``…/webhooks/{pk}/deliveries/`` (the delivery log,
newest first) and ``POST …/deliveries/{pk}/redeliver/``.

Managers only, reads included: an endpoint's address may carry a token of the receiver's, and
its log shows what was sent. The secret is in the answer once, when the endpoint is registered
(or given a new one); afterwards only its last characters (``secret_hint``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from interchange import webhooks
from interchange.models import Webhook, WebhookDelivery
from projects.api.base import ProjectScopedViewSet, version_field
from projects.models import Role

TAGS = ["interchange"]
EVENT_CHOICES = ["*", *webhooks.WEBHOOK_EVENTS]


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        allow_empty=False,
        help_text='The event types sent to the endpoint, or ["*"] for all of them.',
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The signing secret (16 characters or more); left out or empty, Charter makes "
        "one and answers it once.",
    )
    secret_hint = serializers.CharField(read_only=True, help_text="The secret's last characters.")
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    version = version_field()

    class Meta:
        model = Webhook
        fields = (
            "id",
            "url",
            "events",
            "secret",
            "secret_hint",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = (
            "consecutive_failures",
            "disabled_at",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {"url": {"help_text": "http:// or https:// to a public address."}}


class WebhookWithSecretSerializer(WebhookSerializer):
    """The answer to a registration (or a new secret): the secret, this once."""

    secret = serializers.CharField(read_only=True, help_text="The signing secret.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(
        source="event_uid", read_only=True, help_text="The body's `id`: a redelivery repeats it."
    )

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event_id",
            "type",
            "status",
            "attempts",
            "response_code",
            "response_excerpt",
            "error",
            "is_redelivery",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
        )
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The project's webhooks (managers)"),
    retrieve=extend_schema(summary="One webhook (managers)"),
    create=extend_schema(
        summary="Register a webhook (managers); the answer carries its secret, this once",
        responses={201: WebhookWithSecretSerializer},
    ),
    update=extend_schema(
        summary="Edit a webhook (managers)",
        responses={200: WebhookSerializer, 409: OpenApiResponse(description="Stale version.")},
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a webhook (managers); switching it on resets its failures",
        responses={200: WebhookSerializer, 409: OpenApiResponse(description="Stale version.")},
    ),
    destroy=extend_schema(
        summary="Delete a webhook with its delivery log (managers)",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
@extend_schema(tags=TAGS)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Endpoints that hear of the project's events, signed with their secret."""

    queryset = Webhook.objects.select_related("created_by")
    serializer_class = WebhookSerializer
    read_role = Role.MANAGER
    write_role = Role.MANAGER
    filterset_fields = ("is_active",)
    search_fields = ("url",)
    ordering_fields = ("created_at", "url")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, _ = self.split_version(serializer)
        webhook = webhooks.webhook_create(project=self.project, by=request.user, **fields)
        answer = WebhookWithSecretSerializer(webhook, context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.Serializer) -> None:
        changes, version = self.split_version(serializer)
        serializer.instance = webhooks.webhook_update(
            webhook=serializer.instance, by=self.request.user, version=version, **changes
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().update(request, *args, **kwargs)
        if "secret" in request.data:  # a new secret is shown once, like the first
            response.data = WebhookWithSecretSerializer(
                self.get_queryset().get(pk=response.data["id"]),
                context=self.get_serializer_context(),
            ).data
        return response

    def perform_destroy(self, instance: Webhook) -> None:
        webhooks.webhook_delete(webhook=instance, by=self.request.user)

    @extend_schema(
        summary="Send a webhook.test event to the endpoint now (managers)",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        delivery = webhooks.webhook_send_test(webhook=self.get_object(), by=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="A webhook's deliveries, newest first (managers)"),
    retrieve=extend_schema(summary="One delivery, with its body (managers)"),
)
@extend_schema(tags=TAGS)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet
):
    """The delivery log of one endpoint: what was sent, the answer and what happens next."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    read_role = Role.MANAGER
    write_role = Role.MANAGER
    filterset_fields = ("status", "type")
    ordering_fields = ("created_at",)

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(
            webhook__project=self.project, webhook_id=self.kwargs["webhook_pk"]
        ).order_by("-created_at", "-id")

    @extend_schema(
        summary="Send the delivery's event again, with the same id (managers)",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        copy = webhooks.webhook_redeliver(delivery=self.get_object(), by=request.user)
        return Response(WebhookDeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)
