"""Attachments in an S3-compatible bucket (django-storages), against a real S3 server on loopback:
moto's server, spoken to over HTTP by boto3 exactly as AWS S3 or MinIO would be. No mocks.
"""

import os
import subprocess
import sys
import uuid

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from projects import services
from projects.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
CREDENTIALS = {"aws_access_key_id": "charter", "aws_secret_access_key": "charter-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 server on a free loopback port for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A fresh private bucket, and Charter's default storage pointed at it (the settings
    STORAGE_URL=s3://<bucket>/charter with AWS_S3_ENDPOINT_URL would make)."""
    name = f"charter-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "location": "charter",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    return client, name


def keys(client, name: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]


def test_s3_upload_download_and_delete_with_the_record(
    bucket, api_for, project, manager, member, outsider, django_capture_on_commit_callbacks
):
    """Through the API: the file lands in the bucket under a random key, a member downloads it
    byte for byte through Charter, a non-member gets 404, and deleting the deliverable deletes
    the object from the bucket."""
    client, name = bucket
    deliverable = services.deliverable_create(
        project=project, by=manager, name="Pilot", criteria=["Signed off"]
    )
    url = f"/api/v1/projects/{project.pk}/deliverables/{deliverable.pk}/attachments/"
    upload = SimpleUploadedFile("acceptance.pdf", PDF, content_type="application/pdf")
    created = api_for(member).post(url, {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content
    (key,) = keys(client, name)
    assert key.startswith(f"charter/attachments/{project.pk}/") and "acceptance" not in key
    assert client.get_object(Bucket=name, Key=key)["Body"].read() == PDF
    # The bucket is private: nothing about the object is public.
    grants = client.get_object_acl(Bucket=name, Key=key)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI", "").endswith("AllUsers")]

    download_url = f"{url}{created.json()['id']}/download/"
    download = api_for(member).get(download_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert api_for(outsider).get(download_url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        deliverable.delete()
    assert not Attachment.objects.exists()
    assert keys(client, name) == []


def test_s3_refused_upload_leaves_the_bucket_empty(bucket, settings, api_for, project, member):
    """An oversized or spoofed file is refused before anything reaches the bucket."""
    client, name = bucket
    settings.ATTACHMENT_MAX_BYTES = 50
    task_url = f"/api/v1/projects/{project.pk}/risks/"
    risk = api_for(member).post(task_url, {"title": "Vendor slips"}, format="json").json()
    url = f"{task_url}{risk['id']}/attachments/"
    big = SimpleUploadedFile("big.pdf", PDF + b"x" * 50, content_type="application/pdf")
    assert api_for(member).post(url, {"file": big}, format="multipart").status_code == 413
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 40, "application/pdf")
    assert api_for(member).post(url, {"file": exe}, format="multipart").status_code == 400
    assert keys(client, name) == []


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "django.core.files.storage.FileSystemStorage|None|None"),
        (
            {"STORAGE_URL": "s3://evidence/charter", "AWS_S3_ENDPOINT_URL": "http://minio:9000"},
            "storages.backends.s3.S3Storage|evidence|charter",
        ),
        ({"AWS_STORAGE_BUCKET_NAME": "evidence"}, "storages.backends.s3.S3Storage|evidence|"),
    ],
    ids=["embedded", "storage-url", "aws-bucket"],
)
def test_settings_choose_the_storage_from_the_environment(environment, expected):
    """No variables: files under MEDIA_ROOT; STORAGE_URL or AWS_STORAGE_BUCKET_NAME: S3."""
    script = (
        "from config import settings as s; d = s.STORAGES['default']; o = d.get('OPTIONS', {}); "
        "print(d['BACKEND'], o.get('bucket_name'), o.get('location'), sep='|')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_S3", "AWS_STORAGE"))}
    env.pop("STORAGE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.stdout.strip() == expected
