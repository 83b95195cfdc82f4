"""Private files in S3 when PRIVATE_STORAGE_URL names a bucket.

Against moto's S3 server, a real HTTP server on a loopback port started by the
test (no AWS account, nothing leaves the machine): files are written, read and
deleted through ``storages["private"]``, are private (no public ACL, links
signed and short-lived) and are never overwritten.
"""

import urllib.request

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from portal.storage import private_storage


def test_files_go_to_the_bucket_privately_and_are_never_overwritten(s3_private, s3_server):
    name = s3_private.save("documents/passport.pdf", ContentFile(b"%PDF-1.7 identity"))
    assert name.startswith("documents/passport")
    with s3_private.open(name, "rb") as stored:
        assert stored.read() == b"%PDF-1.7 identity"

    assert s3_server.object_keys() == [f"portal/{name}"]
    acl = s3_server.client().get_object_acl(Bucket=s3_server.bucket, Key=f"portal/{name}")
    grants = acl["Grants"]
    assert all("AllUsers" not in str(g["Grantee"]) for g in grants), grants

    # The same name again: a new object, the first one untouched.
    second = s3_private.save("documents/passport.pdf", ContentFile(b"other"))
    assert second != name
    with s3_private.open(name, "rb") as stored:
        assert stored.read() == b"%PDF-1.7 identity"

    # A link is signed and expires; the unsigned address is refused.
    link = s3_private.url(name)
    assert "Signature=" in link or "X-Amz-Signature=" in link
    unsigned = link.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned)  # noqa: S310 (loopback test server)
    assert refused.value.code == 403

    s3_private.delete(name)
    assert not s3_private.exists(name)


def test_an_address_that_is_not_s3_is_refused_with_a_clear_message(tmp_path):
    assert private_storage("", tmp_path)["BACKEND"].endswith("FileSystemStorage")
    with pytest.raises(ImproperlyConfigured, match="s3://bucket"):
        private_storage("ftp://files.example.com/private", tmp_path)
    with pytest.raises(ImproperlyConfigured, match="unknown option"):
        private_storage("s3://bucket?acl=public-read", tmp_path)
