from django.contrib import admin

from interchange.models import Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "owner", "project", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("owner", "project", "filename", "status", "preview", "errors")
    exclude = ("data",)
