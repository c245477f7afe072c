from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from projects.approval_subjects import register_approval_subject
        from projects.demo import register_demo_seeder
        from projects.records import register_record_kind
        from scheduling import demo, receivers  # noqa: F401 (connects the signal receivers)
        from scheduling.models import Phase, Task

        register_demo_seeder("scheduling", demo.seed, order=1)
        register_record_kind(resource="tasks", model=Task)
        # A stage gate is approved in stakeholders, which stands beside scheduling and may not
        # import it: the phase is registered on the ground floor instead.
        register_approval_subject(
            kind="stage_gate",
            model=Phase,
            prefix="phase",
            title="Stage gate",
            candidates=lambda project: Phase.objects.filter(project=project).order_by("id"),
        )
