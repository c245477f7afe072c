from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """Plans and registers in and out of Charter (MS Project XML first), on the top floor: it
    reads and writes the lower apps through their services and selectors; only ``config``
    imports it."""

    name = "interchange"
