from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import (
    AcceptanceCriterion,
    ChangeRequest,
    Charter,
    Deliverable,
    ExchangeRate,
    Membership,
    Objective,
    Programme,
    ProgrammeMembership,
    Project,
    ProjectTemplate,
    Requirement,
    WorkPackage,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["key", "name", "type", "methodology", "stage", "start_date", "target_finish"]
    list_filter = ["type", "methodology", "stage"]
    search_fields = ["key", "name", "sponsor"]
    inlines = [MembershipInline]


class ProgrammeMembershipInline(admin.TabularInline):
    model = ProgrammeMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["key", "name", "currency"]
    search_fields = ["key", "name"]
    inlines = [ProgrammeMembershipInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    """Where an administrator enters the rates programme roll-ups convert with: one unit of
    "from" in "to", from a day on (the next rate of the pair takes over from its own day)."""

    list_display = ["source", "target", "rate", "effective_from", "created_by"]
    list_filter = ["source", "target"]
    date_hierarchy = "effective_from"
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role"]
    search_fields = ["project__key", "user__username", "user__email"]
    list_select_related = ["project", "user"]


class AcceptanceCriterionInline(admin.TabularInline):
    model = AcceptanceCriterion
    extra = 0


@admin.register(Deliverable)
class DeliverableAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "status", "due_date", "owner"]
    list_filter = ["status"]
    search_fields = ["name", "project__key"]
    list_select_related = ["project", "owner"]
    inlines = [AcceptanceCriterionInline]


@admin.register(WorkPackage)
class WorkPackageAdmin(SimpleHistoryAdmin):
    # Codes are derived from the tree: move packages in the app so the WBS is renumbered.
    list_display = ["code", "name", "project", "owner"]
    search_fields = ["name", "project__key"]
    list_select_related = ["project", "owner"]
    readonly_fields = ["code", "sort_key", "parent", "position"]


@admin.register(Requirement)
class RequirementAdmin(SimpleHistoryAdmin):
    list_display = ["ref", "project", "priority", "status", "category"]
    list_filter = ["priority", "status"]
    search_fields = ["ref", "text", "project__key"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ["ref", "title", "project", "status", "schedule_impact", "cost_impact"]
    list_filter = ["status"]
    search_fields = ["title", "project__key"]
    readonly_fields = ["status", "decided_by", "decided_at", "decision_reason"]


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["description", "project", "status", "due_date"]
    list_filter = ["status"]


@admin.register(Charter)
class CharterAdmin(SimpleHistoryAdmin):
    list_display = ["project"]


@admin.register(ProjectTemplate)
class ProjectTemplateAdmin(admin.ModelAdmin):
    """Templates are data: edit their content here (validated on save). A template saved from a
    project is private to its creator until published here for everyone."""

    list_display = ["name", "type", "methodology", "is_published", "created_by", "created_at"]
    list_filter = ["is_published", "type", "methodology"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["publish", "unpublish"]

    def save_model(self, request, obj, form, change) -> None:
        if obj.created_by_id is None and not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish the selected templates for everyone")
    def publish(self, request, queryset) -> None:
        queryset.update(is_published=True)

    @admin.action(description="Make the selected templates private to their creators")
    def unpublish(self, request, queryset) -> None:
        queryset.update(is_published=False)
