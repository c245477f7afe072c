from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"

    def ready(self) -> None:
        from projects.demo import register_demo_seeder
        from projects.events import register_consumer
        from projects.records import register_record_kind
        from risks import demo
        from risks.models import Issue, Risk
        from risks.receivers import forecast_consume

        register_demo_seeder("risks", demo.seed, order=4)
        register_record_kind(resource="risks", model=Risk)
        register_record_kind(resource="issues", model=Issue)
        # A schedule change that moved the finish re-runs the forecast (debounced, on the
        # worker): the event source's schedule.recomputed, not a hook in the scheduling code.
        register_consumer("forecast", forecast_consume)
