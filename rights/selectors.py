"""Reads for rights requests: what a member of staff may see, and what each person
sees of one request."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, Value

from portal.kernel.models import Service
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, staff_role

from .choices import EventKind
from .models import RequestEvent, RequestMessage, RightsRequest
from .notice_text import event_outcome, fee_line
from .notifications import EMAIL_ONLY, PRINCIPAL_COPIES
from .paging import THREAD_ORPHANS, THREAD_PER_PAGE, page_of
from .requesters.models import Capacity, VerificationStatus


def sees_all_services(user) -> bool:
    """Privacy officers and auditors see every service; handlers only their own."""
    return staff_role(user) in (PRIVACY_OFFICER, AUDITOR)


def staff_services(user) -> QuerySet:
    """The services a member of staff answers for (responsible or handler)."""
    return Service.objects.filter(Q(responsible=user) | Q(handlers=user)).distinct()


def requests_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Requests a member of staff may see (:meth:`RightsRequestQuerySet.visible_to`)."""
    return (RightsRequest.objects.all() if queryset is None else queryset).visible_to(user)


#: What a thread entry is, in ``timeline_entries``; events sort before messages of
#: the same instant (a transition, then the message that explains it).
EVENT, MESSAGE = "event", "message"


#: Staff's working steps, kept off the thread the person reads: who the request is
#: assigned to.
STAFF_ONLY_EVENTS = frozenset({EventKind.ASSIGNMENT})
#: Events the person reads without staff's reason: a change of law, which its notice
#: tells them with the new date, not staff's note of why ("Lives in Germany").
EVENTS_WITHOUT_STAFF_REASON = frozenset({EventKind.REGIME})


def timeline_entries(request: RightsRequest) -> QuerySet:
    """``(created_at, EVENT or MESSAGE, pk)`` of every event the person reads and every
    message of ``request``, oldest first: the two tables as one list, so a page of it is
    one LIMITed query."""
    events = (
        RequestEvent.objects.filter(request=request)
        .exclude(kind__in=STAFF_ONLY_EVENTS)
        .order_by()
        .annotate(entry=Value(EVENT))
        .values_list("created_at", "entry", "pk")
    )
    messages = (
        RequestMessage.objects.filter(request=request)
        .order_by()
        .annotate(entry=Value(MESSAGE))
        .values_list("created_at", "entry", "pk")
    )
    return events.union(messages, all=True).order_by("created_at", "entry", "pk")


def timeline_page(request: RightsRequest, number=None) -> Page:
    """One page of the events and messages of ``request``, oldest first within it;
    each event carries its ``outcome`` in words (a correction's before and after).

    Pages are numbered from the start of the conversation, and without ``number``
    the thread opens on the last page, the one holding the newest entry: that is
    what a customer comes back for (the office's answer), it sits right above the
    reply form, and reads in order like any conversation. Numbering from the start
    keeps a page's content in place as new messages arrive, so a link to page 2
    still shows what it showed. Four queries, whatever the thread's length: the
    count, the page's keys, its events and its messages.
    """
    page = page_of(
        Paginator(timeline_entries(request), THREAD_PER_PAGE, orphans=THREAD_ORPHANS),
        number,
        last_by_default=True,
    )
    keys = list(page.object_list)
    wanted = {EVENT: [], MESSAGE: []}
    for _created_at, entry, pk in keys:
        wanted[entry].append(pk)
    found = {}
    if wanted[EVENT]:
        for event in RequestEvent.objects.filter(pk__in=wanted[EVENT]).select_related("actor"):
            if event.kind in EVENTS_WITHOUT_STAFF_REASON:
                event.reason = ""
            event.outcome = event_outcome(event)
            event.fee_line = fee_line(event)
            found[EVENT, event.pk] = event
    if wanted[MESSAGE]:
        for message in RequestMessage.objects.filter(pk__in=wanted[MESSAGE]).select_related(
            "author"
        ):
            found[MESSAGE, message.pk] = message
    page.object_list = [found[entry, pk] for _created_at, entry, pk in keys]
    return page


# -- who sees what of one request ------------------------------------------------------------
#
# The one rule the request page, the follow page, the downloads of documents and
# attachments and the admin all ask. Whoever filed a request sees all of it;
# the person an agent or a legal representative acted for sees how it stands and
# the copies of the outcome they are sent (APPI art. 37, CCPA §7063), never the
# proof of identity or authority, the free text or the thread of whoever acted for
# them. Staff who may see the request (``requests_visible_to``) see all of it.

#: Whoever filed the request: the customer for themselves, the agent or representative.
REQUESTER = "requester"
#: The person an agent or legal representative filed the request for.
REPRESENTED = "represented"
#: A member of staff the staff access policy lets see the request.
STAFF = "staff"
#: A member of the corporate customer whose account the request is about: reads the
#: answers (notices), never the documents, the thread, the free text or the download.
MEMBER = "organisation_member"


def acts_for_subject(request: RightsRequest) -> bool:
    """Whether someone other than the person filed ``request``: an appointed agent or a
    legal representative (the public form, staff-entered), or another account."""
    identity = getattr(request, "identity", None)
    if identity is not None and identity.by_agent:
        return True
    return None not in (request.requester_id, request.subject_id) and (
        request.requester_id != request.subject_id
    )


def verified(request: RightsRequest) -> bool:
    """Whether who filed ``request`` is known to be who they said: always for a request
    filed from an account, once staff verified identity for one filed without."""
    identity = getattr(request, "identity", None)
    return identity is None or identity.verification == VerificationStatus.VERIFIED


def customer_role(request: RightsRequest, user) -> str | None:
    """What ``user`` (a customer with an account) is to ``request``: ``REQUESTER``,
    ``REPRESENTED``, ``MEMBER`` (of the corporate customer the request is about), or
    None when the request is neither theirs nor about them."""
    if user is None or not user.is_authenticated:
        return None
    if request.subject_id == user.pk and acts_for_subject(request):
        # An agent's request matched to the person is about them, not by them; also
        # when staff entered it with the person's account as the requester.
        return REPRESENTED
    if request.subject_id == user.pk and request.requester_id != user.pk and not verified(request):
        # Filed without this account by someone who says they are the person: until
        # staff verify that, the filer may be someone else, whose documents, words and
        # thread are not the account's to see (nor after identity is refused).
        return REPRESENTED
    if user.pk in (request.requester_id, request.subject_id):
        return REQUESTER
    if request.organisation is not None and request.organisation.is_member(user):
        return MEMBER
    return None


def follow_role(is_requester: bool) -> str:
    """The role of an address confirmed on the follow page (see
    ``requesters.follow.request_for_follow_token``)."""
    return REQUESTER if is_requester else REPRESENTED


def sees_whole_request(role: str | None) -> bool:
    """Whether ``role`` sees all of a request: documents, text, thread, fee and answer."""
    return role in (REQUESTER, STAFF)


def visible_documents(request: RightsRequest, role: str | None) -> QuerySet:
    """The identity and authority documents of ``request`` that ``role`` may see."""
    documents = request.identity_documents.all()
    return documents if sees_whole_request(role) else documents.none()


def may_see_document(request: RightsRequest, document, role: str | None) -> bool:
    """Whether ``role`` may see ``document`` (one of ``request``'s documents)."""
    return (
        document.request_id == request.pk
        and visible_documents(request, role).filter(pk=document.pk).exists()
    )


def visible_messages(request: RightsRequest, role: str | None) -> QuerySet:
    """The messages of the thread (and so their attachments) ``role`` may see: the
    thread is between staff and whoever filed the request."""
    messages = request.messages.all()
    return messages if sees_whole_request(role) else messages.none()


def outcome_copy_kinds(request: RightsRequest) -> frozenset:
    """The notices the represented person is sent a copy of: for an appointed agent the
    outcome (``notifications.PRINCIPAL_COPIES``); for a legal representative none, who
    exercises the person's rights in their place."""
    identity = getattr(request, "identity", None)
    if identity is None or identity.capacity == Capacity.AGENT:
        return PRINCIPAL_COPIES
    return frozenset()


def visible_notices(request: RightsRequest, role: str | None) -> QuerySet:
    """The notices of ``request`` ``role`` may read: all to whoever filed it and staff,
    the copies of the outcome to the person an agent acted for. Notices only e-mailed
    (``notifications.EMAIL_ONLY``) are left out: the thread shows what they announce."""
    notices = request.notifications.exclude(kind__in=sorted(EMAIL_ONLY))
    if sees_whole_request(role):
        return notices
    if role == REPRESENTED:
        return notices.filter(kind__in=sorted(outcome_copy_kinds(request)))
    if role == MEMBER:
        return notices
    return notices.none()


@dataclass(frozen=True)
class RequestView:
    """What one person sees of one request, on whichever page: the parts shown, the
    documents and notices listed, and whether they may write in the thread."""

    role: str | None
    documents: list
    notices: list
    #: A page of the thread (``timeline_page``); empty for who does not see it.
    timeline: Page | list
    #: The free text, the summary of what was asked and the correction asked.
    details: bool
    #: The answer's download, the fee to pay and its receipt.
    delivery: bool
    fee: bool
    can_write: bool


def request_view(request: RightsRequest, role: str | None, thread_page=None) -> RequestView:
    """The single answer to what ``role`` sees of ``request`` (see the rule above);
    ``thread_page`` is the page of the thread asked for (``timeline_page``)."""
    full = sees_whole_request(role)
    return RequestView(
        role=role,
        documents=list(visible_documents(request, role)),
        notices=list(visible_notices(request, role)),
        timeline=timeline_page(request, thread_page) if full else [],
        details=full,
        delivery=full,
        fee=full,
        can_write=full and request.is_open,
    )


def open_requests_followed_by(user, *, besides: RightsRequest | None = None) -> QuerySet:
    """The open requests ``user`` follows on their pages: about them or filed by them,
    oldest first; ``besides``: leave that one out. Closing the account ends their
    access to all of them, while the requests themselves stay open."""
    requests = RightsRequest.objects.open().filter(Q(subject=user) | Q(requester=user))
    if besides is not None:
        requests = requests.exclude(pk=besides.pk)
    return requests.order_by("received_at", "pk")
