"""Staff changing a retention rule: validated, saved and written to the audit trail."""

from __future__ import annotations

from django.db import transaction

from portal.kernel.audit import audit_log

from .models import RetentionRule

#: Fields a change is not recorded by.
_NOT_RECORDED = {"id", "updated_at"}


def rule_save(*, rule: RetentionRule, actor, http_request=None) -> RetentionRule:
    """Validate and save ``rule`` with an audit event naming the fields that changed,
    with their values before and after.

    Raises ValidationError with a message for staff; nothing is written then.
    """
    rule.full_clean()
    with transaction.atomic():
        previous = RetentionRule.objects.filter(pk=rule.pk).first() if rule.pk else None
        changed = [
            field.name
            for field in RetentionRule._meta.concrete_fields
            if field.name not in _NOT_RECORDED
            and (
                previous is None or getattr(previous, field.attname) != getattr(rule, field.attname)
            )
        ]
        rule.save()
        details = {"created": previous is None, "code": rule.code, "fields": changed}
        if previous is not None:
            # Before and after: a rule keeps no other history, and how long data was kept
            # before a change is what an auditor asks. A rule holds no personal data.
            details["changes"] = {
                name: [getattr(previous, field.attname), getattr(rule, field.attname)]
                for name in changed
                for field in [RetentionRule._meta.get_field(name)]
            }
        audit_log(
            action="retention.rule_saved",
            actor=actor,
            target=rule,
            request=http_request,
            details=details,
        )
    return rule
