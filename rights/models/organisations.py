"""Corporate customers: an organisation, its members and its designated contact.

The privacy policy says answers to a corporate customer may be sent to employees
within the same corporation: a request about the organisation's account
(``RightsRequest.organisation``) is answered to its members; a request about a
member's own personal data never is.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A corporate customer whose account its employees use."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Legal name of the company."))
    corporate_number = models.CharField(
        _("corporate number"),
        max_length=13,
        blank=True,
        help_text=_("The 13-digit corporate number (法人番号), if known."),
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated contact"),
        help_text=_("The member who receives the answers about the organisation's account."),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was entered.")
    )

    class Meta:
        verbose_name = _("corporate customer")
        verbose_name_plural = _("corporate customers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def is_member(self, user) -> bool:
        return user is not None and self.members.filter(user_id=user.pk).exists()


class OrganisationMember(models.Model):
    """A customer account that belongs to an organisation (one of its employees)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("corporate customer"),
        help_text=_("The organisation the member belongs to."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
        verbose_name=_("member"),
        help_text=_("The employee's customer account."),
    )
    added_at = models.DateTimeField(
        _("added at"), default=timezone.now, help_text=_("When the member was added.")
    )

    class Meta:
        verbose_name = _("member of a corporate customer")
        verbose_name_plural = _("members of corporate customers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="rights_organisation_member_once"
            ),
        ]

    def __str__(self):
        return f"{self.organisation}: {self.user}"
