"""The customer's download of a disclosure package: ``/downloads/<token>/``.

Logged in as the owner, with a fresh code check; another customer's token is
a 404. GET shows what the file is and a download button; POST counts the
download (atomically) and streams the decrypted zip; a POST with ``renew`` gives a
used-up package its one fresh link (``services.download_renew``).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.kernel.decorators import step_up_required

from . import crypto, services
from .selectors import package_for_download

logger = logging.getLogger(__name__)


def _stream(fileobj, opened):
    try:
        yield from crypto.decrypt_chunks(fileobj, opened=opened)
    except crypto.PackageDecryptionError:
        # The response has started: all that is left is to cut it, so the
        # browser reports a failed download rather than a damaged zip.
        logger.error("Disclosure package could not be decrypted while streaming")
        raise
    finally:
        fileobj.close()


def _unavailable(request, package, reason, status=410, *, back_url, new_request_url):
    return render(
        request,
        "rights/download_unavailable.html",
        {
            "package": package,
            "req": package.request,
            "reason": reason,
            "back_url": back_url,
            "new_request_url": new_request_url,
        },
        status=status,
    )


@never_cache
@step_up_required
@require_http_methods(["GET", "HEAD", "POST"])
def package_download(request, token):
    package = package_for_download(user=request.user, token=token)
    if package is None:
        # An old link from an e-mail, replaced by a renewal: say so rather than a 404.
        replaced = package_for_download(user=request.user, token=token, replaced=True)
        if replaced is None:
            raise Http404
        return _unavailable(
            request,
            replaced,
            "replaced",
            back_url=reverse("rights:request_detail", args=[replaced.request_id]),
            new_request_url=reverse("rights:request_create", args=["disclosure"]),
        )
    return serve_package(request, package, actor=request.user)


def serve_package(
    request, package, *, actor, back_url: str = "", new_request_url: str = "", about: str = ""
):
    """GET: what the file is and a download button; POST: count one download and
    stream the decrypted zip. For a caller that has checked who may download.

    ``actor`` is the customer, or None for a requester without an account
    (confirmed by a code on their follow page, whose address is ``back_url``);
    ``new_request_url`` is where to ask again once the link no longer works;
    ``about`` the name of the person the data is about when the downloader acts for
    them (a legal representative or an agent, APPI art. 37), so the page does not call
    it the downloader's own.
    """
    links = {
        "back_url": back_url or reverse("rights:request_detail", args=[package.request_id]),
        "new_request_url": new_request_url or reverse("rights:request_create", args=["disclosure"]),
    }
    if request.method == "POST" and "renew" in request.POST:
        if services.download_renew(package=package, user=actor, http_request=request):
            messages.success(request, _("Here is your new link. It works as the first one did."))
        else:
            messages.error(request, _("A new link can no longer be given for this file."))
        return redirect(services.download_path(package) if actor is not None else request.path)
    reason = package.unavailable_reason()
    if reason:
        if request.method == "POST":
            services.download_refused(
                package=package, user=actor, reason=reason, http_request=request
            )
        return _unavailable(request, package, reason, **links)
    if request.method != "POST":  # GET, and HEAD: the page, never the download
        return render(
            request,
            "rights/download.html",
            {"package": package, "req": package.request, "about": about, **links},
        )
    try:
        fileobj = package.file.open("rb")
    except OSError:
        logger.error("Stored disclosure package %s is missing", package.pk)
        return _unavailable(request, package, "unreadable", status=503, **links)
    try:
        opened = crypto.read_header(fileobj)
    except (crypto.PackageDecryptionError, OSError) as error:
        fileobj.close()
        logger.error("Stored disclosure package %s cannot be opened: %s", package.pk, error)
        return _unavailable(request, package, "unreadable", status=503, **links)
    reason = services.download_claim(package=package, user=actor, http_request=request)
    if reason:
        fileobj.close()
        return _unavailable(request, package, reason, **links)
    response = StreamingHttpResponse(_stream(fileobj, opened), content_type="application/zip")
    response["Content-Length"] = str(package.size)
    response["Content-Disposition"] = content_disposition_header(
        True, services.download_filename(package)
    )
    return response
