"""The REST API under /api/v1/: every app's viewsets, gathered in one router.

Project-owned resources are registered under a regex prefix that names the project,
``projects/(?P<project_pk>[^/.]+)/<resource>``, and are built on
``projects.api.base.ProjectScopedViewSet``, so that each one goes through the access door.
``tests/api/test_access.py`` walks this router: a project-scoped route it cannot probe fails it.
"""

from django.urls import path
from rest_framework.routers import DynamicRoute, Route, SimpleRouter

from budgets.api import budget as budget_api
from budgets.api import costs as costs_api
from budgets.api import levelling as levelling_api
from budgets.api import people as people_api
from budgets.api import portfolio as portfolio_api
from budgets.api import resources as resources_api
from budgets.api import timesheets as timesheets_api
from interchange import api as interchange_api
from interchange import registers_api, webhooks_api
from projects.api import attachments as attachments_api
from projects.api import auth as auth_api
from projects.api import changes as changes_api
from projects.api import comments as comments_api
from projects.api import deliverables as deliverables_api
from projects.api import history as history_api
from projects.api import notifications as notifications_api
from projects.api import projects as projects_api
from projects.api import scope as scope_api
from projects.api import watching as watching_api
from reports import api as reports_api
from reports.api import closure as closure_api
from reports.api import lessons as lessons_api
from reports.api import programmes as programmes_api
from reports.api import status as status_reports_api
from risks import api as risks_api
from scheduling.api import agile as agile_api
from scheduling.api import baselines as baselines_api
from scheduling.api import calendar as calendar_api
from scheduling.api import external as external_api
from scheduling.api import phases as phases_api
from scheduling.api import tasks as tasks_api
from stakeholders.api import approvals as approvals_api
from stakeholders.api import meetings as meetings_api
from stakeholders.api import raci as raci_api
from stakeholders.api import register as register_api

PROJECT = r"projects/(?P<project_pk>[^/.]+)"


class Router(SimpleRouter):
    """DRF's router, plus singletons: a viewset with ``singleton = True`` (a project's one charter)
    gets a single URL, ``<prefix>/``, for ``retrieve``, ``update`` and ``partial_update``, and
    its ``@action``s hang off it at ``<prefix>/<url_path>/`` (the calendar's import-holidays)."""

    singleton_route = Route(
        url=r"^{prefix}{trailing_slash}$",
        mapping={"get": "retrieve", "put": "update", "patch": "partial_update"},
        name="{basename}",
        detail=True,
        initkwargs={},
    )
    singleton_action_route = DynamicRoute(
        url=r"^{prefix}/{url_path}{trailing_slash}$",
        name="{basename}-{url_name}",
        detail=True,
        initkwargs={},
    )

    def get_routes(self, viewset) -> list:
        if getattr(viewset, "singleton", False):
            actions = [
                self._get_dynamic_route(self.singleton_action_route, action)
                for action in viewset.get_extra_actions()
            ]
            return [self.singleton_route, *actions]
        return super().get_routes(viewset)


app_name = "api"

router = Router()

# Auth
router.register("auth/tokens", auth_api.AuthTokenViewSet, basename="auth-token")

# projects
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("programmes", programmes_api.ProgrammeViewSet, basename="programme")
router.register("people", people_api.PersonViewSet, basename="person")
router.register(
    f"{PROJECT}/(?P<resource>{attachments_api.resource_pattern()})/(?P<record_pk>[^/.]+)/watch",
    watching_api.WatchViewSet,
    basename="project-record-watch",
)
# Registers as CSV/Excel files (interchange): before the registers themselves, so that
# "risks/export/" is not read as the risk with id "export".
router.register(
    f"{PROJECT}/(?P<register>{registers_api.REGISTER_PATTERN})",
    registers_api.RegisterFileViewSet,
    basename="project-register",
)
router.register(
    "project-templates", projects_api.ProjectTemplateViewSet, basename="project-template"
)
router.register(f"{PROJECT}/members", projects_api.MembershipViewSet, basename="project-member")
router.register(
    f"{PROJECT}/invitations", projects_api.InvitationViewSet, basename="project-invitation"
)
router.register(f"{PROJECT}/charter", scope_api.CharterViewSet, basename="project-charter")
router.register(f"{PROJECT}/objectives", scope_api.ObjectiveViewSet, basename="project-objective")
router.register(
    f"{PROJECT}/work-packages", scope_api.WorkPackageViewSet, basename="project-work-package"
)
router.register(
    f"{PROJECT}/deliverables", deliverables_api.DeliverableViewSet, basename="project-deliverable"
)
router.register(
    f"{PROJECT}/requirements", deliverables_api.RequirementViewSet, basename="project-requirement"
)
router.register(
    f"{PROJECT}/traceability",
    deliverables_api.TraceabilityViewSet,
    basename="project-traceability",
)
router.register(
    f"{PROJECT}/change-requests",
    changes_api.ChangeRequestViewSet,
    basename="project-change-request",
)
router.register(f"{PROJECT}/history", history_api.HistoryViewSet, basename="project-history")
# Attachments of a record of any app (projects.records), and of the project's closure review.
router.register(
    f"{PROJECT}/(?P<resource>{attachments_api.resource_pattern()})/(?P<record_pk>[^/.]+)/attachments",
    attachments_api.RecordAttachmentViewSet,
    basename="project-attachment",
)
router.register(
    f"{PROJECT}/closure/attachments",
    attachments_api.ClosureAttachmentViewSet,
    basename="project-closure-attachment",
)
# Comments on a record of any app: projects/{id}/<resource>/{record_pk}/comments/.
router.register(
    f"{PROJECT}/(?P<resource>{comments_api.resource_pattern()})/(?P<record_pk>[0-9]+)/comments",
    comments_api.CommentViewSet,
    basename="project-comment",
)

# scheduling
router.register(f"{PROJECT}/tasks", tasks_api.TaskViewSet, basename="project-task")
router.register(
    f"{PROJECT}/dependencies", tasks_api.DependencyViewSet, basename="project-dependency"
)
router.register(
    f"{PROJECT}/external-dependencies",
    external_api.ExternalDependencyViewSet,
    basename="project-external-dependency",
)
router.register(f"{PROJECT}/schedule", tasks_api.ScheduleViewSet, basename="project-schedule")
router.register(f"{PROJECT}/calendar", calendar_api.CalendarViewSet, basename="project-calendar")
router.register(f"{PROJECT}/baselines", baselines_api.BaselineViewSet, basename="project-baseline")
router.register(f"{PROJECT}/sprints", agile_api.SprintViewSet, basename="project-sprint")
router.register(
    f"{PROJECT}/backlog-items", agile_api.BacklogItemViewSet, basename="project-backlog-item"
)
router.register(f"{PROJECT}/phases", phases_api.PhaseViewSet, basename="project-phase")

# stakeholders
router.register(
    f"{PROJECT}/stakeholders", register_api.StakeholderViewSet, basename="project-stakeholder"
)
# rows before entries: "raci/rows/" must not be read as the entry with id "rows".
router.register(f"{PROJECT}/raci/rows", raci_api.RaciRowViewSet, basename="project-raci-row")
router.register(f"{PROJECT}/raci", raci_api.RaciEntryViewSet, basename="project-raci")
router.register(
    f"{PROJECT}/communication-plan",
    register_api.CommunicationPlanViewSet,
    basename="project-communication-plan",
)
router.register(f"{PROJECT}/meetings", meetings_api.MeetingViewSet, basename="project-meeting")
router.register(f"{PROJECT}/decisions", meetings_api.DecisionViewSet, basename="project-decision")
router.register(
    f"{PROJECT}/action-items", meetings_api.ActionItemViewSet, basename="project-action-item"
)
router.register(f"{PROJECT}/approvals", approvals_api.ApprovalViewSet, basename="project-approval")
router.register(
    "approvals/waiting", approvals_api.WaitingApprovalViewSet, basename="approval-waiting"
)
router.register("action-items/mine", approvals_api.MyActionItemViewSet, basename="action-item-mine")

# budgets
router.register(
    f"{PROJECT}/budget-lines", budget_api.BudgetLineViewSet, basename="project-budget-line"
)
router.register(f"{PROJECT}/budget", budget_api.BudgetViewSet, basename="project-budget")
router.register(f"{PROJECT}/evm", budget_api.EarnedValueViewSet, basename="project-evm")
router.register(
    f"{PROJECT}/cost-entries", costs_api.CostEntryViewSet, basename="project-cost-entry"
)
router.register(
    f"{PROJECT}/commitments", costs_api.CommitmentViewSet, basename="project-commitment"
)
router.register(f"{PROJECT}/resources", resources_api.ResourceViewSet, basename="project-resource")
router.register(
    f"{PROJECT}/assignments", resources_api.AssignmentViewSet, basename="project-assignment"
)
router.register(
    f"{PROJECT}/time-entries", resources_api.TimeEntryViewSet, basename="project-time-entry"
)
router.register(
    f"{PROJECT}/utilisation", resources_api.UtilisationViewSet, basename="project-utilisation"
)
router.register(
    f"{PROJECT}/over-allocations",
    resources_api.OverAllocationViewSet,
    basename="project-over-allocations",
)
router.register(
    f"{PROJECT}/levelling", levelling_api.LevellingViewSet, basename="project-levelling"
)

# risks
router.register(f"{PROJECT}/risks", risks_api.RiskViewSet, basename="project-risk")
router.register(f"{PROJECT}/issues", risks_api.IssueViewSet, basename="project-issue")
router.register(
    f"{PROJECT}/risk-matrix", risks_api.RiskMatrixViewSet, basename="project-risk-matrix"
)
router.register(f"{PROJECT}/risk-scale", risks_api.RiskScaleViewSet, basename="project-risk-scale")
# runs before the forecast itself, which has no detail route of its own.
router.register(
    f"{PROJECT}/forecast/runs", risks_api.ForecastRunViewSet, basename="project-forecast-run"
)
router.register(f"{PROJECT}/forecast", risks_api.ForecastViewSet, basename="project-forecast")

# reports
router.register(f"{PROJECT}/kpis", reports_api.KpiViewSet, basename="project-kpis")
router.register(f"{PROJECT}/health", reports_api.HealthViewSet, basename="project-health")
# items before the closure: "closure/items/" must not be read as one of its actions.
router.register(
    f"{PROJECT}/closure/items", closure_api.ClosureItemViewSet, basename="project-closure-item"
)
router.register(f"{PROJECT}/closure", closure_api.ClosureViewSet, basename="project-closure")
router.register(
    f"{PROJECT}/status-reports",
    status_reports_api.StatusReportViewSet,
    basename="project-status-report",
)
router.register(
    f"{PROJECT}/lessons-learned", lessons_api.LessonViewSet, basename="project-lesson-learned"
)
router.register("lessons-learned", lessons_api.LessonSearchViewSet, basename="lesson-learned")

# interchange
router.register("imports", interchange_api.ImportViewSet, basename="import")
router.register(
    f"{PROJECT}/export/mspdi", interchange_api.MspdiExportViewSet, basename="project-export-mspdi"
)
router.register(
    f"{PROJECT}/export/gantt", interchange_api.GanttExportViewSet, basename="project-export-gantt"
)
router.register(
    f"{PROJECT}/export/risk-register",
    interchange_api.RiskRegisterExportViewSet,
    basename="project-export-risk-register",
)
router.register(
    f"{PROJECT}/export/raci", interchange_api.RaciExportViewSet, basename="project-export-raci"
)
router.register(f"{PROJECT}/webhooks", webhooks_api.WebhookViewSet, basename="project-webhook")
router.register(
    f"{PROJECT}/webhooks/(?P<webhook_pk>[^/.]+)/deliveries",
    webhooks_api.WebhookDeliveryViewSet,
    basename="project-webhook-delivery",
)

urlpatterns = [
    path("me/", auth_api.MeView.as_view(), name="me"),
    path("calendar-feed/", interchange_api.CalendarFeedView.as_view(), name="calendar-feed"),
    path("timesheets/", timesheets_api.TimesheetView.as_view(), name="timesheets"),
    path(
        "timesheets/submit/", timesheets_api.TimesheetSubmitView.as_view(), name="timesheet-submit"
    ),
    path(
        "portfolio/utilisation/",
        portfolio_api.PortfolioUtilisationView.as_view(),
        name="portfolio-utilisation",
    ),
    path(
        "portfolio/levelling/",
        levelling_api.PortfolioLevellingView.as_view(),
        name="portfolio-levelling",
    ),
    *router.urls,
]
