from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from projects.demo import register_demo_seeder
        from projects.records import register_record_kind
        from risks import demo, receivers  # noqa: F401 (receivers connects the signal receivers)
        from risks.models import Issue, Risk

        register_demo_seeder("risks", demo.seed, order=4)
        register_record_kind(resource="risks", model=Risk)
        register_record_kind(resource="issues", model=Issue)
