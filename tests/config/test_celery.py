"""Celery with a real worker on Redis: tasks queued by the app run in a worker process' thread."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from config.celery import app
from projects.tasks import purge_expired_api_tokens


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_purge_expired_api_tokens_deletes_only_expired_tokens_on_a_worker(worker_queue, manager):
    """The hourly purge run by a real worker deletes expired API tokens and keeps live ones."""
    expired, _ = AuthToken.objects.create(user=manager, expiry=datetime.timedelta(days=1))
    AuthToken.objects.filter(pk=expired.pk).update(
        expiry=timezone.now() - datetime.timedelta(minutes=1)
    )
    live, _ = AuthToken.objects.create(user=manager, expiry=datetime.timedelta(days=1))

    result = purge_expired_api_tokens.apply_async(queue=worker_queue)

    assert result.get(timeout=30) == 1
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [live.pk]
    # Running it again is harmless: nothing more to delete.
    assert purge_expired_api_tokens.apply_async(queue=worker_queue).get(timeout=30) == 0


def test_beat_schedules_the_token_purge_hourly():
    """Beat's schedule names a task the worker knows, once an hour."""
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-api-tokens"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 3600


def test_every_beat_schedule_entry_names_a_registered_task():
    """A renamed task must not leave the beat schedule pointing at nothing."""
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
