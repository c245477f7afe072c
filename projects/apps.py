from django.apps import AppConfig
from django.db.models.signals import post_delete


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import demo, receivers, signals
        from projects.models import Attachment, ChangeRequest, Deliverable, Requirement
        from projects.records import register_record_kind
        from projects.services.attachments import delete_stored_file

        demo.register_demo_seeder("projects", demo.seed, order=0)
        # The event source's first consumer (projects.events.dispatch).
        from projects.events import register_consumer
        from projects.services.notifications import notify

        register_consumer("notifications", notify)
        # A person's time zone follows them into each new session (projects/timezones.py).
        from django.contrib.auth.signals import user_logged_in

        from projects.timezones import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="charter-time-zone")
        register_record_kind(resource="deliverables", model=Deliverable)
        register_record_kind(resource="requirements", model=Requirement)
        register_record_kind(resource="change-requests", model=ChangeRequest)

        # An approval decided in a higher app (stakeholders) moves the subject it approves.
        signals.approval_decided.connect(
            receivers.move_subject_on_approval, dispatch_uid="projects.move_subject_on_approval"
        )
        # An attachment's stored file goes once its deletion commits (alone, with its record or
        # with its project).
        post_delete.connect(
            delete_stored_file, sender=Attachment, dispatch_uid="projects.delete_stored_file"
        )
