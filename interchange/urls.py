"""Pages of the interchange app."""

from django.urls import path

from interchange import views

app_name = "interchange"

urlpatterns = [
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
]
