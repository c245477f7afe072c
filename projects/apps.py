from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from projects import demo, receivers, signals

        demo.register_demo_seeder("projects", demo.seed, order=0)

        # An approval decided in a higher app (stakeholders) moves the subject it approves.
        signals.approval_decided.connect(
            receivers.move_subject_on_approval, dispatch_uid="projects.move_subject_on_approval"
        )
