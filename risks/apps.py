from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from projects.demo import register_demo_seeder
        from risks import demo

        register_demo_seeder("risks", demo.seed, order=4)
