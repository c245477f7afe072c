"""Schedule pages, all under /projects/<pk>/ (the project's access door is checked in each view)."""

from django.urls import path

from scheduling.views import agile, baselines, calendar, schedule

app_name = "scheduling"

# --- The plan: Gantt, tasks, dependencies, calendar, baselines (scheduling/views/schedule.py) ---
PLAN = "projects/<int:pk>/schedule/"
plan_patterns: list = [
    path(PLAN, schedule.task_list, name="tasks"),
    path(f"{PLAN}gantt/", schedule.task_gantt, name="gantt"),
    path(f"{PLAN}tasks/new/", schedule.task_new, name="task_new"),
    path(f"{PLAN}tasks/<int:task_pk>/", schedule.task_detail, name="task_detail"),
    path(f"{PLAN}tasks/<int:task_pk>/edit/", schedule.task_edit, name="task_edit"),
    path(f"{PLAN}tasks/<int:task_pk>/row/", schedule.task_row, name="task_row"),
    path(f"{PLAN}tasks/<int:task_pk>/delete/", schedule.task_delete, name="task_delete"),
    path(
        f"{PLAN}tasks/<int:task_pk>/predecessors/",
        schedule.dependency_add,
        name="dependency_add",
    ),
    path(
        f"{PLAN}tasks/<int:task_pk>/external/",
        schedule.external_add,
        name="external_add",
    ),
    path(
        f"{PLAN}external/<int:link_pk>/remove/",
        schedule.external_remove,
        name="external_remove",
    ),
    path(
        f"{PLAN}dependencies/<int:dependency_pk>/",
        schedule.dependency_edit,
        name="dependency_edit",
    ),
    path(
        f"{PLAN}dependencies/<int:dependency_pk>/remove/",
        schedule.dependency_remove,
        name="dependency_remove",
    ),
    path(f"{PLAN}calendar/", calendar.calendar_detail, name="calendar"),
    path(f"{PLAN}calendar/holidays/", calendar.holiday_add, name="holiday_add"),
    path(
        f"{PLAN}calendar/holidays/<int:holiday_pk>/remove/",
        calendar.holiday_remove,
        name="holiday_remove",
    ),
    path(f"{PLAN}calendar/holidays/import/", calendar.holidays_import, name="holidays_import"),
    path(f"{PLAN}baselines/", baselines.baseline_list, name="baselines"),
    path(f"{PLAN}baselines/compare/", baselines.baseline_compare, name="baseline_compare"),
    path(
        f"{PLAN}baselines/<int:baseline_pk>/performance/",
        baselines.baseline_performance,
        name="baseline_performance",
    ),
]

# --- Agile and stages: backlog, sprints, board, burndown, velocity, phases and gates
# (scheduling/views/agile.py) ---
agile_patterns: list = [
    path("projects/<int:pk>/backlog/", agile.backlog, name="backlog"),
    path(
        "projects/<int:pk>/backlog/<int:item_pk>/edit/",
        agile.backlog_item_edit,
        name="backlog_item_edit",
    ),
    path(
        "projects/<int:pk>/backlog/<int:item_pk>/move/",
        agile.backlog_item_move,
        name="backlog_item_move",
    ),
    path(
        "projects/<int:pk>/backlog/<int:item_pk>/assign/",
        agile.backlog_item_assign,
        name="backlog_item_assign",
    ),
    path("projects/<int:pk>/backlog/<int:item_pk>/status/", agile.board_move, name="board_move"),
    path("projects/<int:pk>/board/", agile.current_board, name="board"),
    path("projects/<int:pk>/sprints/", agile.sprint_list, name="sprints"),
    path("projects/<int:pk>/sprints/new/", agile.sprint_create, name="sprint_create"),
    path("projects/<int:pk>/sprints/<int:sprint_pk>/edit/", agile.sprint_edit, name="sprint_edit"),
    path(
        "projects/<int:pk>/sprints/<int:sprint_pk>/start/", agile.sprint_start, name="sprint_start"
    ),
    path(
        "projects/<int:pk>/sprints/<int:sprint_pk>/close/", agile.sprint_close, name="sprint_close"
    ),
    path(
        "projects/<int:pk>/sprints/<int:sprint_pk>/board/", agile.sprint_board, name="sprint_board"
    ),
    path(
        "projects/<int:pk>/sprints/<int:sprint_pk>/burndown/",
        agile.sprint_burndown,
        name="sprint_burndown",
    ),
    path("projects/<int:pk>/velocity/", agile.velocity, name="velocity"),
    path("projects/<int:pk>/phases/", agile.phase_list, name="phases"),
    path("projects/<int:pk>/phases/new/", agile.phase_create, name="phase_create"),
    path("projects/<int:pk>/phases/<int:phase_pk>/", agile.phase_detail, name="phase_detail"),
    path("projects/<int:pk>/phases/<int:phase_pk>/edit/", agile.phase_edit, name="phase_edit"),
    path(
        "projects/<int:pk>/phases/<int:phase_pk>/gate-reviews/",
        agile.gate_review_create,
        name="gate_review_create",
    ),
]

urlpatterns = [*plan_patterns, *agile_patterns]

__all__ = ["path", "urlpatterns"]
