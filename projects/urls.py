"""Pages of the projects app: the portfolio, a project's pages and scope, the account's tokens."""

from django.urls import path

from projects.views import (
    account,
    attachments,
    changes,
    comments,
    deliverables,
    history,
    invitations,
    notifications,
    project,
    scope,
    watch,
    wbs,
)

app_name = "projects"

urlpatterns = [
    # The landing page (/) is the portfolio dashboard in reports; this is the plain list.
    path("projects/", project.portfolio, name="portfolio"),
    path("projects/new/", project.project_new, name="create"),
    path("projects/<int:pk>/", project.project_overview, name="overview"),
    path("projects/<int:pk>/edit/", project.project_edit, name="edit"),
    path("projects/<int:pk>/members/", project.project_members, name="members"),
    path("projects/<int:pk>/invitations/", invitations.invitation_new, name="invite"),
    path(
        "projects/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        invitations.invitation_cancel,
        name="invitation_revoke",
    ),
    # The e-mailed link: no project id in it, the token says which invitation.
    path("invitations/<str:token>/", invitations.invitation_open, name="invitation"),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/role/",
        project.member_role,
        name="member_role",
    ),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/remove/",
        project.member_remove,
        name="member_remove",
    ),
    path("projects/<int:pk>/history/", history.project_history, name="history"),
    path(
        "projects/<int:pk>/history/<str:model>/<int:object_pk>/",
        history.record_history,
        name="record_history",
    ),
    # Comments on a record of any app (projects/views/comments.py): the thread, an edit, a deletion.
    path(
        "projects/<int:pk>/comments/<slug:resource>/<int:record_pk>/",
        comments.comment_thread,
        name="comments",
    ),
    path(
        "projects/<int:pk>/comments/<slug:resource>/<int:record_pk>/<int:comment_pk>/edit/",
        comments.comment_edit,
        name="comment_edit",
    ),
    path(
        "projects/<int:pk>/comments/<slug:resource>/<int:record_pk>/<int:comment_pk>/delete/",
        comments.comment_delete,
        name="comment_delete",
    ),
    # Attachments on a record of any app (projects/views/attachments.py): upload, download, delete.
    path(
        "projects/<int:pk>/attachments/<int:attachment_pk>/download/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path(
        "projects/<int:pk>/attachments/<int:attachment_pk>/delete/",
        attachments.attachment_remove,
        name="attachment_delete",
    ),
    path(
        "projects/<int:pk>/attachments/<slug:resource>/<int:record_pk>/",
        attachments.attachment_upload,
        name="attachment_upload",
    ),
    path("projects/<int:pk>/save-as-template/", scope.template_save, name="template_save"),
    # --- Scope (projects/views/scope.py, deliverables.py, wbs.py, changes.py) ---
    path("projects/<int:pk>/charter/", scope.charter, name="charter"),
    path("projects/<int:pk>/charter/edit/", scope.charter_edit, name="charter_edit"),
    path("projects/<int:pk>/objectives/", scope.objectives, name="objectives"),
    path(
        "projects/<int:pk>/objectives/<int:objective_pk>/edit/",
        scope.objective_edit,
        name="objective_edit",
    ),
    path(
        "projects/<int:pk>/objectives/<int:objective_pk>/delete/",
        scope.objective_delete,
        name="objective_delete",
    ),
    path("projects/<int:pk>/deliverables/", deliverables.deliverables, name="deliverables"),
    path(
        "projects/<int:pk>/deliverables/new/", deliverables.deliverable_new, name="deliverable_new"
    ),
    path(
        "projects/<int:pk>/deliverables/<int:deliverable_pk>/",
        deliverables.deliverable_detail,
        name="deliverable",
    ),
    path(
        "projects/<int:pk>/deliverables/<int:deliverable_pk>/edit/",
        deliverables.deliverable_edit,
        name="deliverable_edit",
    ),
    path(
        "projects/<int:pk>/deliverables/<int:deliverable_pk>/status/",
        deliverables.deliverable_transition,
        name="deliverable_transition",
    ),
    path(
        "projects/<int:pk>/deliverables/<int:deliverable_pk>/criteria/<int:criterion_pk>/",
        deliverables.criterion_toggle,
        name="criterion_toggle",
    ),
    path("projects/<int:pk>/requirements/", scope.requirements, name="requirements"),
    path("projects/<int:pk>/requirements/new/", scope.requirement_new, name="requirement_new"),
    path(
        "projects/<int:pk>/requirements/<int:requirement_pk>/edit/",
        scope.requirement_edit,
        name="requirement_edit",
    ),
    path(
        "projects/<int:pk>/requirements/traceability/",
        scope.requirement_traceability,
        name="traceability",
    ),
    path("projects/<int:pk>/wbs/", wbs.wbs, name="wbs"),
    path("projects/<int:pk>/wbs/add/", wbs.wbs_add, name="wbs_add"),
    path("projects/<int:pk>/wbs/<int:package_pk>/rename/", wbs.wbs_rename, name="wbs_rename"),
    path("projects/<int:pk>/wbs/<int:package_pk>/move/", wbs.wbs_shift, name="wbs_shift"),
    path("projects/<int:pk>/wbs/<int:package_pk>/delete/", wbs.wbs_delete, name="wbs_delete"),
    path("projects/<int:pk>/changes/", changes.changes, name="changes"),
    path("projects/<int:pk>/changes/new/", changes.change_new, name="change_new"),
    path("projects/<int:pk>/changes/<int:change_pk>/", changes.change_detail, name="change"),
    path(
        "projects/<int:pk>/changes/<int:change_pk>/edit/", changes.change_edit, name="change_edit"
    ),
    path(
        "projects/<int:pk>/changes/<int:change_pk>/status/",
        changes.change_transition,
        name="change_transition",
    ),
    # --- Account (projects/views/account.py) ---
    path("account/", account.account_profile, name="account_profile"),
    path("account/tokens/", account.account_tokens, name="account_tokens"),
    path("account/security/", account.account_security, name="account_security"),
    path(
        "account/tokens/<str:token_key>/revoke/",
        account.account_token_revoke,
        name="account_token_revoke",
    ),
    # --- Watching a record (projects/views/watch.py) ---
    path(
        "projects/<int:pk>/watch/<slug:resource>/<int:record_pk>/",
        watch.record_watch,
        name="record_watch",
    ),
    # --- Notifications (projects/views/notifications.py) ---
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/bell/", notifications.notification_bell, name="notification_bell"),
    path(
        "notifications/<int:notification_pk>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/<int:notification_pk>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "account/notifications/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.notifications_unsubscribe,
        name="notifications_unsubscribe",
    ),
]
