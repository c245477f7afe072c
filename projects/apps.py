from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import receivers, signals

        # An approval decided in a higher app (stakeholders) moves the subject it approves.
        signals.approval_decided.connect(
            receivers.move_subject_on_approval, dispatch_uid="projects.move_subject_on_approval"
        )
