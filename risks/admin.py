from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from risks.models import ForecastRun, Issue, Risk, RiskAction, RiskScale, RiskTaskImpact


class RiskTaskImpactInline(admin.TabularInline):
    model = RiskTaskImpact
    raw_id_fields = ["task"]
    extra = 0


class RiskActionInline(admin.TabularInline):
    model = RiskAction
    raw_id_fields = ["owner", "task"]
    extra = 0


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "project", "kind", "score", "level", "status", "owner"]
    list_filter = ["status", "level", "kind", "category"]
    search_fields = ["title", "cause", "event", "effect", "project__key"]
    raw_id_fields = ["project", "owner"]
    readonly_fields = ["number", "score", "level", "emv"]
    inlines = [RiskTaskImpactInline, RiskActionInline]


@admin.register(Issue)
class IssueAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "project", "priority", "status", "owner", "due_date"]
    list_filter = ["status", "priority"]
    search_fields = ["title", "description", "project__key"]
    raw_id_fields = ["project", "owner", "risk"]


@admin.register(RiskScale)
class RiskScaleAdmin(SimpleHistoryAdmin):
    list_display = ["project"]
    raw_id_fields = ["project"]


@admin.register(ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "status", "iterations", "seed", "progress", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["project", "requested_by"]
    readonly_fields = ["results", "error", "progress", "started_at", "finished_at"]
