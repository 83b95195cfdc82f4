"""Retention periods in words, for "my data" and the staff pages."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext, ngettext, npgettext

from portal.kernel.registry import Category
from portal.kernel.wording import sentences
from rights.choices import Regime

from .models import RetentionRule, RetentionTrigger


def data_label(category: str, source_label) -> str:
    """A kind of data and the records it is in, "Contract (Service registrations)";
    named once where both are called the same (「利用履歴」, not 「利用履歴（利用履歴）」)."""
    category_label = str(Category(category).label)
    if str(source_label) == category_label:
        return category_label
    return gettext("%(category)s (%(source)s)") % {
        "category": category_label,
        "source": source_label,
    }


def period_text(rule: RetentionRule, *, years: int | None = None) -> str:
    years = rule.period_years if years is None else years
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if rule.period_months:
        parts.append(
            ngettext("%(n)d month", "%(n)d months", rule.period_months) % {"n": rule.period_months}
        )
    if rule.period_days:
        parts.append(
            ngettext("%(n)d day", "%(n)d days", rule.period_days) % {"n": rule.period_days}
        )
    return sentences(parts)


def when_text(rule: RetentionRule) -> str:
    """How long and from when, e.g. "for 7 years from 2 months after the end of the fiscal
    year of each record"."""
    period = period_text(rule)
    trigger = rule.trigger
    if trigger == RetentionTrigger.ACCOUNT_CLOSURE:
        if not period:
            return gettext("until your account is closed")
        return gettext("for %(period)s after your account is closed") % {"period": period}
    if trigger == RetentionTrigger.RELIANCE_END:
        if not period:
            return gettext("while the consent is in force")
        return gettext(
            "while the consent is in force and for %(period)s after it is withdrawn or replaced"
        ) % {"period": period}
    if trigger == RetentionTrigger.REGISTRATION_END:
        if not period:
            return gettext("until your registration with the service ends")
        return gettext("for %(period)s after your registration with the service ends") % {
            "period": period
        }
    if trigger == RetentionTrigger.FISCAL_YEAR_END:
        if rule.trigger_offset_months:
            text = gettext(
                "for %(period)s from %(months)s after the end of the fiscal year of each record"
            ) % {
                "period": period,
                "months": npgettext(
                    "months after an event",
                    "%(n)d month",
                    "%(n)d months",
                    rule.trigger_offset_months,
                )
                % {"n": rule.trigger_offset_months},
            }
        else:
            text = gettext("for %(period)s from the end of the fiscal year of each record") % {
                "period": period
            }
        if rule.loss_year_period_years is not None:
            text += gettext(" (%(period)s for fiscal years with a loss carried forward)") % {
                "period": period_text(rule, years=rule.loss_year_period_years)
            }
        return text
    return gettext("for %(period)s from the date of each record") % {"period": period}


def retention_sentence(rule: RetentionRule, *, regime: str | None = None) -> str:
    """The rule as a sentence for the customer, naming the law when there is one.

    A statute of another privacy regime than the customer's (``regime``, by default the
    portal's ``RIGHTS_DEFAULT_REGIME``) does not bind them and is not cited: under GDPR
    the record is kept for legal claims (art. 17(3)(e)), otherwise as the company's own.
    """
    when = when_text(rule)
    regime = regime or settings.RIGHTS_DEFAULT_REGIME
    foreign = bool(rule.regime) and rule.regime != regime
    statute = rule.display_statute
    if rule.obligation and rule.trigger == RetentionTrigger.RELIANCE_END:
        # Proof of consent: the law (GDPR art. 7(1)) asks that the consent can be shown,
        # not for the period, which is the company's; "as required by" would claim it.
        # Under another regime the reason holds, the article is not cited.
        if statute and not foreign:
            return gettext(
                "Kept %(when)s, so that we can show the consent was given or withdrawn "
                "(%(statute)s)."
            ) % {"when": when, "statute": statute}
        return gettext("Kept %(when)s, so that we can show the consent was given or withdrawn.") % {
            "when": when
        }
    if foreign:
        if regime == Regime.GDPR:
            return gettext("Kept %(when)s, for legal claims (GDPR art. 17(3)(e)).") % {"when": when}
        return gettext("Kept %(when)s, as our own record.") % {"when": when}
    if rule.obligation:
        return gettext("Kept %(when)s, as required by %(statute)s.") % {
            "when": when,
            "statute": statute or gettext("law"),
        }
    if rule.erase_when_expired:
        if statute:
            return gettext("Kept %(when)s, then erased (%(statute)s).") % {
                "when": when,
                "statute": statute,
            }
        return gettext("Kept %(when)s, then erased.") % {"when": when}
    return gettext("Kept %(when)s.") % {"when": when}


def retention_text(code: str, *, regime: str | None = None) -> str | None:
    """The registry's retention provider: the rule under ``regime``'s law (None: the
    portal's default); None while no rule has the code."""
    rule = RetentionRule.objects.filter(code=code).first()
    return retention_sentence(rule, regime=regime) if rule is not None else None


def rule_names() -> dict[str, str]:
    """Every rule's name in the active language by its code, as the rules list shows
    it: for the scheduled runs page, which counts the retention jobs' work by rule."""
    return {rule.code: rule.display_name for rule in RetentionRule.objects.all()}
