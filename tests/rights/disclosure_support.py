"""Support for the disclosure tests: a customer with data, a request in progress, a
package built in the customer's language."""

from __future__ import annotations

import io
import zipfile

from rights import workflow
from rights.choices import Kind, Status
from rights.disclosure.package import write_package
from rights.services import request_submit

from .retention_support import customer_with_records


def customer_with_data(**kwargs):
    return customer_with_records(**kwargs)


def disclosure_in_progress(subject, officer, *, kind="disclosure", delivery_method="electronic"):
    """A disclosure filed by ``subject`` and put in progress by ``officer`` (no fee)."""
    request = request_submit(
        subject=subject, requester=subject, kind=kind, delivery_method=delivery_method
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    return request


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def package_in(customer, language: str) -> zipfile.ZipFile:
    """The disclosure package of a request ``customer`` files, who reads ``language``."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = request_submit(subject=customer, requester=customer, kind=Kind.DISCLOSURE)
    buffer = io.BytesIO()
    write_package(request, buffer)
    buffer.seek(0)
    return zipfile.ZipFile(buffer)
