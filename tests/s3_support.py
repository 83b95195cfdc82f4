"""Private files in an S3 bucket of moto's server, a real HTTP server on a loopback
port started by the test (no AWS account; nothing leaves the machine)."""

import boto3
import pytest
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

from portal.storage import private_storage

BUCKET = "rp-private-test"
REGION = "ap-northeast-1"


@pytest.fixture
def s3_server(monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    bucket(endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    yield endpoint
    server.stop()


@pytest.fixture
def s3_private(s3_server, settings):
    """``storages["private"]`` in the bucket, as ``PRIVATE_STORAGE_URL`` sets it up."""
    url = f"s3://{BUCKET}/portal?endpoint_url={s3_server}&region_name={REGION}"
    settings.STORAGES = {**settings.STORAGES, "private": private_storage(url, settings.MEDIA_ROOT)}
    return storages["private"]


def bucket(endpoint: str):
    """A client of the test server, to look into the bucket."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


def keys(endpoint: str) -> list[str]:
    return [o["Key"] for o in bucket(endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", [])]
