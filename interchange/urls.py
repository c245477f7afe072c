"""Pages of the interchange app, and the calendar feeds (no sign-in: the token is the key)."""

from django.urls import path

from interchange import printing_views, registers_views, views, webhooks_views

app_name = "interchange"

urlpatterns = [
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("feeds/<str:token>/calendar.ics", views.calendar_feed, name="calendar_feed"),
    path(
        "feeds/<str:token>/projects/<int:pk>/calendar.ics",
        views.project_calendar_feed,
        name="project_calendar_feed",
    ),
    path("account/calendar-feed/", views.calendar_feed_page, name="calendar_feed_page"),
    path("account/calendar-feed/new/", views.calendar_feed_create, name="calendar_feed_create"),
    path("account/calendar-feed/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path(
        "projects/<int:pk>/registers/<str:register>/export/",
        registers_views.register_export,
        name="register_export",
    ),
    path(
        "projects/<int:pk>/registers/<str:register>/import/",
        registers_views.register_import,
        name="register_import",
    ),
    # Printables beside the pages they print (interchange/printing_views.py).
    path("projects/<int:pk>/schedule/gantt.pdf", printing_views.gantt_pdf, name="gantt_pdf"),
    path("projects/<int:pk>/schedule/gantt.png", printing_views.gantt_png, name="gantt_png"),
    path(
        "projects/<int:pk>/risks/register.pdf",
        printing_views.risk_register_pdf,
        name="risk_register_pdf",
    ),
    path("projects/<int:pk>/raci/matrix.pdf", printing_views.raci_pdf, name="raci_pdf"),
    # Webhooks, for the project's managers (interchange/webhooks_views.py).
    path("projects/<int:pk>/webhooks/", webhooks_views.webhook_list, name="webhooks"),
    path(
        "projects/<int:pk>/webhooks/<int:webhook_pk>/",
        webhooks_views.webhook_detail,
        name="webhook",
    ),
    path(
        "projects/<int:pk>/webhooks/<int:webhook_pk>/delete/",
        webhooks_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "projects/<int:pk>/webhooks/<int:webhook_pk>/test/",
        webhooks_views.webhook_test,
        name="webhook_test",
    ),
    path(
        "projects/<int:pk>/webhooks/<int:webhook_pk>/deliveries/<int:delivery_pk>/redeliver/",
        webhooks_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
