from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from scheduling.models import (
    BacklogItem,
    Baseline,
    Calendar,
    Dependency,
    GateReview,
    Holiday,
    Phase,
    Sprint,
    Task,
)


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(SimpleHistoryAdmin):
    list_display = ["project", "working_weekdays"]
    inlines = [HolidayInline]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    # Dates are computed: edit through the app so the schedule is recomputed with the change.
    list_display = ["name", "project", "duration", "start_date", "finish_date", "is_critical"]
    list_filter = ["status", "is_critical"]
    search_fields = ["name", "project__key"]
    list_select_related = ["project"]
    readonly_fields = Task.COMPUTED_FIELDS


@admin.register(Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    list_display = ["predecessor", "type", "lag", "successor", "project"]
    list_select_related = ["predecessor", "successor", "project"]


@admin.register(Baseline)
class BaselineAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "is_performance", "finish_date", "created_at"]


@admin.register(Sprint)
class SprintAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "start_date", "finish_date", "status", "capacity"]


@admin.register(BacklogItem)
class BacklogItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "story_points", "status", "sprint"]
    list_filter = ["status"]


class GateReviewInline(admin.TabularInline):
    model = GateReview
    extra = 0


@admin.register(Phase)
class PhaseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "planned_finish", "time_tolerance", "cost_tolerance"]
    inlines = [GateReviewInline]
