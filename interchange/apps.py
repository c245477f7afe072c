from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """Plans and registers in and out of Charter (MS Project XML first), and signed webhooks,
    on the top floor: it reads and writes the lower apps through their services and selectors;
    only ``config`` imports it."""

    name = "interchange"

    def ready(self) -> None:
        from interchange.webhooks import webhooks_consume
        from projects.events import register_consumer

        register_consumer("webhooks", webhooks_consume)
