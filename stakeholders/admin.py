from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from stakeholders.models import (
    ActionItem,
    Approval,
    CommunicationPlanItem,
    Decision,
    Meeting,
    RaciEntry,
    Stakeholder,
)


@admin.register(Stakeholder)
class StakeholderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "organisation", "power", "interest", "engagement_current"]
    list_filter = ["kind", "engagement_current"]
    search_fields = ["name", "organisation", "email", "project__key"]
    list_select_related = ["project"]
    raw_id_fields = ["user"]


@admin.register(RaciEntry)
class RaciEntryAdmin(SimpleHistoryAdmin):
    # The one-A rule spans rows: edit the matrix in the app, where the whole row is validated.
    list_display = ["project", "deliverable", "work_package", "stakeholder", "user", "role"]
    list_filter = ["role"]
    list_select_related = ["project", "deliverable", "work_package", "stakeholder", "user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CommunicationPlanItem)
class CommunicationPlanItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "kind", "frequency", "channel", "next_due"]
    list_filter = ["kind", "frequency", "channel"]
    list_select_related = ["project"]
    filter_horizontal = ["audience"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = ["title", "decided_by", "date"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "status"]
    readonly_fields = ["status"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "kind", "starts_at", "sequence"]
    list_filter = ["kind"]
    search_fields = ["title", "project__key"]
    list_select_related = ["project"]
    filter_horizontal = ["stakeholders", "attendees"]
    inlines = [DecisionInline, ActionItemInline]


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "decided_by", "date"]
    search_fields = ["title", "project__key"]
    list_select_related = ["project"]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "owner", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["project", "owner"]


@admin.register(Approval)
class ApprovalAdmin(SimpleHistoryAdmin):
    # Read-only: a decision is the approver's alone, taken in the app (approval_decide).
    list_display = ["project", "kind", "approver", "decision", "requested_at", "decided_at"]
    list_filter = ["kind", "decision"]
    list_select_related = ["project", "approver"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
