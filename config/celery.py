"""The Celery application.

Settings come from Django settings under the ``CELERY_`` namespace (see config/settings.py), so the
embedded default runs tasks in-process and the full stack talks to Redis, with no code change.
Apps declare tasks with ``@shared_task`` and never import this module.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("charter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
