from django.contrib import admin
from django.utils import timezone

from interchange.models import CalendarFeed, Import


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
