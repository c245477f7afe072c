from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import (
    Assignment,
    BudgetAdjustment,
    BudgetBaseline,
    BudgetLine,
    Commitment,
    CostEntry,
    DayOff,
    Person,
    PersonDayOff,
    Resource,
    TimeEntry,
)


@admin.register(BudgetLine)
class BudgetLineAdmin(SimpleHistoryAdmin):
    list_display = ["project", "category", "name", "planned_amount", "work_package", "phase"]
    list_filter = ["category"]
    list_select_related = ["project", "work_package", "phase"]


@admin.register(BudgetBaseline)
class BudgetBaselineAdmin(admin.ModelAdmin):
    # Frozen with its baseline: read only.
    list_display = [
        "baseline",
        "project",
        "approved_budget",
        "task_cost",
        "lines_total",
        "frozen_at",
    ]
    list_select_related = ["baseline", "project"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BudgetAdjustment)
class BudgetAdjustmentAdmin(SimpleHistoryAdmin):
    list_display = ["project", "change_request", "amount", "approved_by", "approved_at"]
    list_select_related = ["project", "change_request", "approved_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CostEntry)
class CostEntryAdmin(SimpleHistoryAdmin):
    list_display = ["project", "date", "kind", "amount", "category", "vendor", "invoice_reference"]
    list_filter = ["kind", "category"]
    search_fields = ["vendor", "invoice_reference", "note"]
    list_select_related = ["project"]
    raw_id_fields = ["task"]


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    list_display = ["project", "date", "amount", "category", "vendor", "reference", "status"]
    list_filter = ["status", "category"]
    list_select_related = ["project"]


class DayOffInline(admin.TabularInline):
    model = DayOff
    extra = 0


@admin.register(Resource)
class ResourceAdmin(SimpleHistoryAdmin):
    # Rates re-cost assignments: edit through the app so labour costs follow.
    list_display = [
        "project",
        "name",
        "kind",
        "role",
        "rate",
        "rate_unit",
        "capacity_hours",
        "is_placeholder",
        "headcount",
    ]
    list_filter = ["kind"]
    list_select_related = ["project"]
    inlines = [DayOffInline]


class PersonDayOffInline(admin.TabularInline):
    model = PersonDayOff
    extra = 0


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    # Capacity and days off are copied onto the person's resources by the services: edit them on
    # the person's page (/people/<id>/) so the projects follow; the admin is for looking.
    list_display = ["user", "team", "capacity_hours", "rate", "rate_unit"]
    list_filter = ["team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [PersonDayOffInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["project", "task", "resource", "units", "planned_hours", "planned_cost"]
    list_select_related = ["project", "task", "resource"]
    raw_id_fields = ["task", "resource"]


@admin.register(TimeEntry)
class TimeEntryAdmin(SimpleHistoryAdmin):
    list_display = ["project", "date", "resource", "task", "hours", "cost"]
    list_select_related = ["project", "resource", "task"]
    raw_id_fields = ["task", "resource"]
