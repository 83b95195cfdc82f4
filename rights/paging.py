"""Pages of the customer's long lists: the page a request asks for, and its links.

The request list and a request's thread grow without bound (a busy customer, a
long conversation), so each page shows a fixed number of rows and costs a fixed
number of queries, whatever the total.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator

#: The customer's request list: newest first.
REQUESTS_PER_PAGE = 25
#: A request's thread (events and messages together), oldest first.
THREAD_PER_PAGE = 20
#: A last page this short joins the page before it, so the newest page of a
#: thread never shows a lone message without the exchange it answers.
THREAD_ORPHANS = 5


def page_of(paginator: Paginator, number, *, last_by_default: bool = False) -> Page:
    """The page ``number`` (the ``?page=`` value, as given) of ``paginator``.

    No number: the first page, or the last with ``last_by_default``. A number that
    is not one gives the first page, one past the end the last (``get_page``).
    The page carries ``links``: the page numbers to offer, with
    ``Paginator.ELLIPSIS`` where a run of them is left out.
    """
    if number in (None, "") and last_by_default:
        number = paginator.num_pages
    page = paginator.get_page(number)
    page.links = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page
