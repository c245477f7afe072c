from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from projects import thresholds
        from reports import receivers  # noqa: F401 (connects the signal receivers)
        from reports.models import HealthThresholds

        # The earned-value page (budgets, a floor below) colours SPI and CPI with these.
        thresholds.register_source(HealthThresholds.rules_for)
