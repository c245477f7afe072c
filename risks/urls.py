"""Risk pages, all under /projects/<pk>/risks/ (each view checks the project's access door)."""

from django.urls import path

from risks import views

app_name = "risks"

B = "projects/<int:pk>/risks/"
R = f"{B}<int:risk_pk>/"

urlpatterns = [
    path(B, views.register, name="register"),
    path(f"{B}new/", views.risk_add, name="risk_add"),
    path(R, views.risk_detail, name="risk"),
    path(f"{R}edit/", views.risk_edit, name="risk_edit"),
    path(f"{R}delete/", views.risk_delete, name="risk_delete"),
    path(f"{R}occurred/", views.risk_occurred, name="risk_occurred"),
    path(f"{R}actions/", views.action_add, name="action_add"),
    path(f"{R}actions/<int:action_pk>/done/", views.action_done, name="action_done"),
    path(f"{B}issues/", views.issues, name="issues"),
    path(f"{B}issues/<int:issue_pk>/edit/", views.issue_edit, name="issue_edit"),
    path(f"{B}heat-map/", views.heat_map, name="heat_map"),
    path(f"{B}scale/", views.scale, name="scale"),
    path(f"{B}forecast/", views.forecast, name="forecast"),
    path(
        f"{B}forecast/runs/<int:run_pk>/progress/",
        views.forecast_progress,
        name="forecast_progress",
    ),
]
