"""Reading an uploaded plan on a real Celery worker (Redis), as the full stack does."""

from pathlib import Path

import pytest

from interchange import services
from interchange.models import Import
from interchange.tasks import import_prepare
from scheduling.models import Dependency, Task

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


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_import_prepare_on_a_worker_converts_an_mpp_with_java(worker_queue, manager):
    """A real worker reads an .mpp through MPXJ (a Java subprocess of the worker process) and
    stores its preview and the MS Project XML; confirming imports it, tasks and links."""
    upload = Import.objects.create(
        owner=manager,
        filename="task-links-project2016-mpp14.mpp",
        format=Import.Format.MPP,
        data=(DATA / "task-links-project2016-mpp14.mpp").read_bytes(),
        key="MPPW",
    )
    result = import_prepare.apply_async(args=[upload.pk], queue=worker_queue).get(timeout=120)
    upload.refresh_from_db()
    assert result == "preview", upload.errors
    assert (upload.preview["tasks"], upload.preview["dependencies"]) == (16, 8)
    assert upload.preview["computed_finish"] == "2016-02-23"
    project = services.import_confirm(upload=upload, by=manager)
    assert Task.objects.filter(project=project).count() == 16
    assert Dependency.objects.filter(project=project).count() == 8
