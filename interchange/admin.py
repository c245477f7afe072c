from django.contrib import admin
from django.utils import timezone

from interchange.models import CalendarFeed, Import, Webhook, WebhookDelivery


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "owner", "project", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("owner", "project", "filename", "status", "preview", "errors")
    exclude = ("data",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who has a feed and when it was last fetched, and an action to revoke feeds (a leaked
    address, someone who left). The secret itself is never stored."""

    list_display = ("user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("user", "created_at", "last_used_at", "revoked_at")
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # A feed is made by its owner, who is shown its address once.
        return False

    @admin.action(description="Revoke the selected calendar feeds")
    def revoke(self, request, queryset) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Endpoints across projects (an operator checking who sends where); the secret is not
    shown, and managers change webhooks on their project's page."""

    list_display = ("url", "project", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    search_fields = ("url", "project__key")
    readonly_fields = ("project", "created_by", "consecutive_failures", "disabled_at", "version")
    exclude = ("secret",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "webhook", "type", "status", "attempts", "response_code")
    list_filter = ("status", "type")
    list_select_related = ("webhook",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
