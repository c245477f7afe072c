"""Charter's configuration: settings, URLs, the Celery app and the WSGI/ASGI entry points."""

# Load the Celery app when Django starts so that @shared_task binds to it.
from config.celery import app as celery_app

__all__ = ["celery_app"]
