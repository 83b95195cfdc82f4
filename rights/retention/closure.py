"""Closing a customer's account: logins refused, sessions ended, codes removed."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user

from portal.kernel.audit import audit_log
from portal.kernel.registry import Category

from .ledger import ledger_record
from .models import AccountClosure, ErasureLedgerEntry
from .scope import account_source


def account_close(*, user, request=None, actor=None) -> AccountClosure:
    """Close an account: logins refused, sessions ended, one-time-password devices removed.

    The closure is an erasure ledger entry too (reason "closure"), so that
    ``reapply_erasures`` closes the account again after a restore from a
    backup taken while it was open. Repeating it changes nothing. The audit
    event holds counts only.
    """
    with transaction.atomic():
        User = get_user_model()
        locked = User.objects.select_for_update().get(pk=user.pk)
        closure, created = AccountClosure.objects.get_or_create(
            user=locked, defaults={"request": request, "closed_by": actor}
        )
        _, devices, sessions = account_lock_out(locked)
        if created:
            ledger_record(
                subject_id=locked.pk,
                source=account_source().key,
                category=Category.ACCOUNT,
                reason=ErasureLedgerEntry.Reason.CLOSURE,
                count=1,
                request_id=request.pk if request else None,
            )
        if created or devices or sessions:
            audit_log(
                action="account.closed",
                actor=actor,
                subject=locked,
                target=closure,
                details={
                    "request": request.pk if request else None,
                    "sessions": sessions,
                    "devices": devices,
                },
            )
    return closure


def account_lock_out(user) -> tuple[bool, int, int]:
    """What closing does to the locked account row: (account changed, devices, sessions).

    Refuses logins (inactive, an unusable password), removes every
    one-time-password device and ends every session. Must be called inside a
    transaction with ``user`` locked.
    """
    changed = user.is_active or user.has_usable_password()
    user.is_active = False
    # A new unusable password also changes the session hash, so any
    # session missed below is refused on its next request.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    devices = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        devices += 1
    sessions = 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DatabaseSessionStore):
        # Through the store, not the rows alone: a cached session would outlive its row.
        user_id = str(user.pk)
        now = timezone.now()
        rows = store.get_model_class().objects.filter(expire_date__gt=now)
        for session in rows.iterator(chunk_size=500):
            if session.get_decoded().get("_auth_user_id") == user_id:
                store().delete(session.session_key)
                sessions += 1
    return changed, devices, sessions
