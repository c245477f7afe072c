"""Budget pages, all under /projects/<pk>/budget/ (each view checks the project's access door)."""

from django.urls import path

from budgets.views import budget, earned_value, levelling, people, portfolio, resources, timesheet

app_name = "budgets"

B = "projects/<int:pk>/budget/"
R = f"{B}resources/<int:resource_pk>/"

urlpatterns = [
    # My week across every project (budgets/views/timesheet.py): not under one project.
    path("timesheet/", timesheet.timesheet, name="timesheet"),
    # People × weeks across every project I can see (budgets/views/portfolio.py).
    path("portfolio/utilisation/", portfolio.utilisation, name="portfolio_utilisation"),
    # The projects I manage levelled together (budgets/views/levelling.py).
    path("portfolio/levelling/", levelling.portfolio_levelling, name="portfolio_levelling"),
    path(
        "portfolio/levelling/apply/",
        levelling.portfolio_levelling_apply,
        name="portfolio_levelling_apply",
    ),
    # A person's capacity, days off and rate card, once for every project (budgets/views/people.py).
    path("people/", people.people, name="people"),
    path("people/<int:user_pk>/", people.person, name="person"),
    path("people/<int:user_pk>/days-off/", people.person_day_off_add, name="person_day_off_add"),
    path(
        "people/<int:user_pk>/days-off/<int:day_pk>/remove/",
        people.person_day_off_remove,
        name="person_day_off_remove",
    ),
    # --- The budget, actual costs and commitments (budgets/views/budget.py) ---
    path(B, budget.budget, name="budget"),
    path(f"{B}lines/<int:line_pk>/edit/", budget.line_edit, name="line_edit"),
    path(f"{B}lines/<int:line_pk>/delete/", budget.line_delete, name="line_delete"),
    path(f"{B}reconciliation/", budget.reconciliation, name="reconciliation"),
    path(f"{B}actuals/", budget.actuals, name="actuals"),
    path(f"{B}actuals/<int:entry_pk>/edit/", budget.cost_entry_edit, name="cost_entry_edit"),
    path(f"{B}actuals/<int:entry_pk>/delete/", budget.cost_entry_delete, name="cost_entry_delete"),
    path(f"{B}actuals/import/", budget.actuals_import, name="actuals_import"),
    path(f"{B}actuals/export.csv", budget.actuals_export, name="actuals_export"),
    path(f"{B}actuals/export.xlsx", budget.actuals_export_xlsx, name="actuals_export_xlsx"),
    path(f"{B}commitments/", budget.commitments, name="commitments"),
    path(
        f"{B}commitments/<int:commitment_pk>/close/",
        budget.commitment_close,
        name="commitment_close",
    ),
    # --- Earned value (budgets/views/earned_value.py) ---
    path(f"{B}earned-value/", earned_value.earned_value, name="earned_value"),
    # --- A person's hours on this project in a submitted week (budgets/views/timesheet.py) ---
    path(f"{B}timesheets/<int:part_pk>/", timesheet.timesheet_part, name="timesheet_part"),
    # --- Resources and utilisation (budgets/views/resources.py) ---
    path(f"{B}resources/", resources.resources, name="resources"),
    path(R, resources.resource_detail, name="resource"),
    path(f"{R}edit/", resources.resource_edit, name="resource_edit"),
    path(f"{R}days-off/", resources.day_off_add, name="day_off_add"),
    path(f"{R}days-off/<int:day_pk>/remove/", resources.day_off_remove, name="day_off_remove"),
    path(f"{R}assign-person/", resources.placeholder_assign, name="placeholder_assign"),
    path(f"{R}assignments/", resources.assignment_add, name="assignment_add"),
    path(
        f"{R}assignments/<int:assignment_pk>/",
        resources.assignment_update,
        name="assignment_update",
    ),
    path(
        f"{R}assignments/<int:assignment_pk>/remove/",
        resources.assignment_remove,
        name="assignment_remove",
    ),
    path(f"{B}utilisation/", resources.utilisation, name="utilisation"),
    # --- Levelling (budgets/views/levelling.py) ---
    path(f"{B}levelling/", levelling.levelling, name="levelling"),
    path(f"{B}levelling/apply/", levelling.levelling_apply, name="levelling_apply"),
    path(f"{B}levelling/undo/", levelling.levelling_undo, name="levelling_undo"),
]
