from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import Membership, Project


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


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role"]
    search_fields = ["project__key", "user__username", "user__email"]
    list_select_related = ["project", "user"]
