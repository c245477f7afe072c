from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import HealthThresholds, KpiSnapshot


@admin.register(HealthThresholds)
class HealthThresholdsAdmin(SimpleHistoryAdmin):
    list_display = ["project", "spi_green", "spi_amber", "cpi_green", "cpi_amber"]


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are computed, never typed: read-only here."""

    list_display = ["project", "as_of", "health", "spi", "cpi", "percent_complete"]
    list_filter = ["health"]
    list_select_related = ["project"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
