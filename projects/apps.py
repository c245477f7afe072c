from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import demo, receivers, signals
        from projects.models import ChangeRequest, Deliverable, Requirement
        from projects.records import register_record_kind

        demo.register_demo_seeder("projects", demo.seed, order=0)
        register_record_kind(resource="deliverables", model=Deliverable)
        register_record_kind(resource="requirements", model=Requirement)
        register_record_kind(resource="change-requests", model=ChangeRequest)

        # An approval decided in a higher app (stakeholders) moves the subject it approves.
        signals.approval_decided.connect(
            receivers.move_subject_on_approval, dispatch_uid="projects.move_subject_on_approval"
        )
