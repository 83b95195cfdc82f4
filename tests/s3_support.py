"""Private files in an S3 bucket of moto's server, a real HTTP server on a loopback
port started by the test (no AWS account; nothing leaves the machine)."""

import uuid
from dataclasses import dataclass

import boto3
import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.db import models
from moto.server import ThreadedMotoServer

from portal.storage import private_storage

REGION = "ap-northeast-1"


@dataclass(frozen=True)
class S3:
    endpoint: str
    bucket: str

    def client(self):
        """A client of the test server, to look into the bucket."""
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION)

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return [o["Key"] for o in listing.get("Contents", [])]


@pytest.fixture
def s3_server(monkeypatch):
    """moto's server with an empty bucket of the test's own (moto keeps its buckets
    for the whole process, whichever server instance made them)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    s3 = S3(f"http://{host}:{port}", f"rp-private-{uuid.uuid4().hex[:12]}")
    s3.client().create_bucket(
        Bucket=s3.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    yield s3
    server.stop()


@pytest.fixture
def s3_private(s3_server, settings, monkeypatch):
    """``storages["private"]`` in the bucket, as ``PRIVATE_STORAGE_URL`` sets it up at
    start-up: the file fields that take the private storage take this one too."""
    url = f"s3://{s3_server.bucket}/portal?endpoint_url={s3_server.endpoint}&region_name={REGION}"
    settings.STORAGES = {**settings.STORAGES, "private": private_storage(url, settings.MEDIA_ROOT)}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            chosen = getattr(field, "_storage_callable", None)
            if isinstance(field, models.FileField) and chosen is not None:
                monkeypatch.setattr(field, "storage", chosen())
    return storages["private"]
