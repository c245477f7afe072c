from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from projects import thresholds
        from projects.demo import register_demo_seeder
        from projects.records import register_record_kind
        from reports import demo, receivers  # noqa: F401 (receivers connects the signal receivers)
        from reports.models import Closure, HealthThresholds

        # The earned-value page (budgets, a floor below) colours SPI and CPI with these.
        thresholds.register_source(HealthThresholds.rules_for)
        register_demo_seeder("reports", demo.seed, order=5)
        # The closure review carries evidence (acceptance, invoices); one per project.
        register_record_kind(resource="closure", model=Closure, singleton=True)
