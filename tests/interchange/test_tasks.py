"""Reading an uploaded plan on a real Celery worker (Redis), as the full stack does."""

from pathlib import Path

import pytest

from interchange.models import Import
from interchange.tasks import import_prepare

DATA = Path(__file__).parent / "data"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_import_prepare_on_a_worker_stores_the_preview_once(worker_queue, manager):
    """A worker reads the upload and stores its preview; delivered twice, it changes nothing."""
    upload = Import.objects.create(
        owner=manager,
        filename="links.xml",
        data=(DATA / "task-links-project2016-mspdi.xml").read_bytes(),
    )
    assert import_prepare.apply_async(args=[upload.pk], queue=worker_queue).get(timeout=30) == (
        "preview"
    )
    upload.refresh_from_db()
    assert (upload.preview["tasks"], upload.preview["dependencies"]) == (16, 8)
    first = upload.updated_at
    assert import_prepare.apply_async(args=[upload.pk], queue=worker_queue).get(timeout=30) == (
        "preview"
    )
    upload.refresh_from_db()
    assert upload.updated_at == first
