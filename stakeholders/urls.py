"""Stakeholder pages, under /projects/<pk>/ (the access door is checked in each view), and the
user's "my work"."""

from django.urls import path

from stakeholders.views import approvals, meetings, raci, register

app_name = "stakeholders"

P = "projects/<int:pk>/"

urlpatterns = [
    # The register, power/interest and engagement (stakeholders/views/register.py)
    path(f"{P}stakeholders/", register.register, name="register"),
    path(f"{P}stakeholders/new/", register.stakeholder_new, name="stakeholder_new"),
    path(f"{P}stakeholders/grid/", register.grid, name="grid"),
    path(f"{P}stakeholders/engagement/", register.engagement, name="engagement"),
    path(
        f"{P}stakeholders/<int:stakeholder_pk>/edit/",
        register.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path(
        f"{P}stakeholders/<int:stakeholder_pk>/delete/",
        register.stakeholder_delete,
        name="stakeholder_delete",
    ),
    path(f"{P}communication/", register.communication, name="communication"),
    path(
        f"{P}communication/<int:item_pk>/edit/",
        register.communication_edit,
        name="communication_edit",
    ),
    path(
        f"{P}communication/<int:item_pk>/delete/",
        register.communication_delete,
        name="communication_delete",
    ),
    # RACI (stakeholders/views/raci.py)
    path(f"{P}raci/", raci.raci, name="raci"),
    path(f"{P}raci/export.csv", raci.raci_export, name="raci_export"),
    path(f"{P}raci/<slug:row>/", raci.raci_row, name="raci_row"),
    # Meetings, decisions, actions (stakeholders/views/meetings.py)
    path(f"{P}meetings/", meetings.meeting_list, name="meetings"),
    path(f"{P}meetings/new/", meetings.meeting_new, name="meeting_new"),
    path(f"{P}meetings/<int:meeting_pk>/", meetings.meeting_detail, name="meeting"),
    path(f"{P}meetings/<int:meeting_pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path(
        f"{P}meetings/<int:meeting_pk>/invitation.ics",
        meetings.meeting_invitation,
        name="meeting_ics",
    ),
    path(f"{P}decisions/", meetings.decision_list, name="decisions"),
    path(f"{P}decisions/<int:decision_pk>/edit/", meetings.decision_edit, name="decision_edit"),
    path(f"{P}actions/", meetings.action_list, name="actions"),
    path(f"{P}actions/<int:action_pk>/edit/", meetings.action_edit, name="action_edit"),
    path(f"{P}actions/<int:action_pk>/status/", meetings.action_status, name="action_status"),
    # Approvals and my work (stakeholders/views/approvals.py)
    path(f"{P}approvals/", approvals.approval_list, name="approvals"),
    path(f"{P}approvals/<int:approval_pk>/", approvals.approval_detail, name="approval"),
    path(
        f"{P}approvals/<int:approval_pk>/withdraw/",
        approvals.approval_withdraw,
        name="approval_withdraw",
    ),
    path("my-work/", approvals.my_work, name="my_work"),
]
