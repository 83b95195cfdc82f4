"""Step-up: sensitive pages need a one-time-password check within the last minutes."""

import functools
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .stepup import IDLE_ENDED_USER_KEY, keep_form, step_up_is_fresh


def _to_code_page(request, *, keeps_form: bool = False):
    if request.method == "POST":
        if keeps_form:
            # The check ran out while the customer typed: what they sent waits for them.
            keep_form(request)
            messages.info(
                request,
                _("What you typed is kept: confirm it is you, then check it and send it again.")
                + (" " + _("Attach your file again.") if request.FILES else ""),
            )
        else:
            messages.info(
                request,
                _("Nothing was changed: confirm it is you, then do it again."),
            )
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('portal:step_up')}?{query}")


def step_up_required(view_func=None, *, keeps_form: bool = False):
    """Log in, then pass a code check within ``STEP_UP_MAX_AGE`` seconds.

    A customer who has not is sent through the login and/or code page and
    brought back to the page they asked for. ``@step_up_required(keeps_form=True)``
    is for a view that gives a form back with :func:`~.stepup.kept_form`: a POST
    sent after the check ran out is kept for it (a view that does not would
    leave it in the session, so no other view keeps what was sent, a password
    least of all).
    """
    if view_func is None:
        return functools.partial(step_up_required, keeps_form=keeps_form)

    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            owner = request.session.get(IDLE_ENDED_USER_KEY)
            if request.method == "POST" and keeps_form and owner is not None:
                # The session ended for inactivity while the customer typed: what
                # they sent waits for them, and for nobody else who logs in here.
                keep_form(request, owner=owner)
                messages.info(
                    request,
                    _(
                        "What you typed is kept: log in, confirm it is you, then check it "
                        "and send it again."
                    )
                    + (" " + _("Attach your file again.") if request.FILES else ""),
                )
            return redirect_to_login(request.get_full_path())
        if not step_up_is_fresh(request):
            return _to_code_page(request, keeps_form=keeps_form)
        return view_func(request, *args, **kwargs)

    return wrapper


class StepUpRequiredMixin(LoginRequiredMixin):
    """Class-based view form of :func:`step_up_required`."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not step_up_is_fresh(request):
            return _to_code_page(request)
        return super().dispatch(request, *args, **kwargs)
