from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from projects.demo import register_demo_seeder
        from risks import demo, receivers  # noqa: F401 (receivers connects the signal receivers)

        register_demo_seeder("risks", demo.seed, order=4)
