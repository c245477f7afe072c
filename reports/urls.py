"""Pages of the reports app: the portfolio dashboard (the landing page) and a project's KPIs."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/<int:pk>/kpis/", views.project_kpis, name="project_kpis"),
]
