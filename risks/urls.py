"""Risk pages, all under /projects/<pk>/risks/ (each view checks the project's access door)."""

from django.urls import path

from risks.views import forecast, issues, register, scale

app_name = "risks"

B = "projects/<int:pk>/risks/"
R = f"{B}<int:risk_pk>/"

urlpatterns = [
    path(B, register.register, name="register"),
    path(f"{B}new/", register.risk_add, name="risk_add"),
    path(R, register.risk_detail, name="risk"),
    path(f"{R}edit/", register.risk_edit, name="risk_edit"),
    path(f"{R}delete/", register.risk_delete, name="risk_delete"),
    path(f"{R}occurred/", register.risk_occurred, name="risk_occurred"),
    path(f"{R}actions/", register.action_add, name="action_add"),
    path(f"{R}actions/<int:action_pk>/done/", register.action_done, name="action_done"),
    path(f"{B}issues/", issues.issues, name="issues"),
    path(f"{B}issues/<int:issue_pk>/edit/", issues.issue_edit, name="issue_edit"),
    path(f"{B}heat-map/", scale.heat_map, name="heat_map"),
    path(f"{B}scale/", scale.scale, name="scale"),
    path(f"{B}forecast/", forecast.forecast, name="forecast"),
    path(
        f"{B}forecast/runs/<int:run_pk>/progress/",
        forecast.forecast_progress,
        name="forecast_progress",
    ),
]
