"""Pages of the reports app: the portfolio dashboard (the landing page) and a project's KPIs."""

from django.urls import path

from reports import views
from reports.views import closure, lessons, programmes
from reports.views import status as status_views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/<int:pk>/kpis/", views.project_kpis, name="project_kpis"),
    # Programmes (reports/views/programmes.py)
    path("programmes/", programmes.programme_list, name="programmes"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme"),
    path("programmes/<int:pk>/settings/", programmes.programme_settings, name="programme_settings"),
    path("programmes/<int:pk>/delete/", programmes.programme_delete, name="programme_delete"),
    path(
        "programmes/<int:pk>/members/",
        programmes.programme_member_add,
        name="programme_member_add",
    ),
    path(
        "programmes/<int:pk>/members/<int:member_pk>/remove/",
        programmes.programme_member_remove,
        name="programme_member_remove",
    ),
    path(
        "programmes/<int:pk>/projects/",
        programmes.programme_project_add,
        name="programme_project_add",
    ),
    path(
        "programmes/<int:pk>/projects/<int:project_pk>/remove/",
        programmes.programme_project_remove,
        name="programme_project_remove",
    ),
    # Closure (reports/views/closure.py)
    path("projects/<int:pk>/closure/", closure.closure, name="closure"),
    path("projects/<int:pk>/closure/start/", closure.closure_start, name="closure_start"),
    path(
        "projects/<int:pk>/closure/items/<int:item_pk>/",
        closure.closure_item,
        name="closure_item",
    ),
    path("projects/<int:pk>/closure/edit/", closure.closure_edit, name="closure_edit"),
    path("projects/<int:pk>/closure/submit/", closure.closure_submit, name="closure_submit"),
    path("projects/<int:pk>/closure/withdraw/", closure.closure_withdraw, name="closure_withdraw"),
    path(
        "projects/<int:pk>/closure/cancel-work/",
        closure.closure_work_cancel,
        name="closure_work_cancel",
    ),
    path("projects/<int:pk>/closure/reopen/", closure.closure_reopen, name="closure_reopen"),
    path("projects/<int:pk>/closure/review/", closure.closure_review, name="closure_review"),
    path("projects/<int:pk>/closure/report/", closure.closure_report, name="closure_report"),
    path(
        "projects/<int:pk>/closure/report.pdf",
        closure.closure_report_pdf,
        name="closure_report_pdf",
    ),
    # Weekly status reports (reports/views/status.py)
    path(
        "projects/<int:pk>/status-reports/",
        status_views.status_reports,
        name="status_reports",
    ),
    path(
        "projects/<int:pk>/status-reports/build/",
        status_views.status_report_build,
        name="status_report_build",
    ),
    path(
        "projects/<int:pk>/status-reports/<int:report_pk>/",
        status_views.status_report,
        name="status_report",
    ),
    path(
        "projects/<int:pk>/status-reports/<int:report_pk>/summary/",
        status_views.status_report_summary,
        name="status_report_summary",
    ),
    path(
        "projects/<int:pk>/status-reports/<int:report_pk>/send/",
        status_views.status_report_send,
        name="status_report_send",
    ),
    path(
        "projects/<int:pk>/status-reports/<int:report_pk>/pdf/",
        status_views.status_report_pdf,
        name="status_report_pdf",
    ),
    path(
        "projects/<int:pk>/status-reports/<int:report_pk>/text/",
        status_views.status_report_text,
        name="status_report_text",
    ),
    # Lessons learned (reports/views/lessons.py)
    path("lessons/", lessons.lesson_search, name="lessons_search"),
    path("projects/<int:pk>/lessons/", lessons.lesson_list, name="lessons"),
    path(
        "projects/<int:pk>/lessons/offered/",
        lessons.lessons_offered_panel,
        name="lessons_offered",
    ),
    path(
        "projects/<int:pk>/lessons/<int:lesson_pk>/edit/", lessons.lesson_edit, name="lesson_edit"
    ),
    path(
        "projects/<int:pk>/lessons/<int:lesson_pk>/delete/",
        lessons.lesson_delete,
        name="lesson_delete",
    ),
]
