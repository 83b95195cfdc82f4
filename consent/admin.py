"""Staff screens for purposes, policy versions, consents, recipients and records.

Evidence (consent records, provision records, records of receipt, requests from
authorities) is never changed or deleted here. New evidence is entered through
the services, which check and audit it: a consent on paper through its own form,
provision records, records of receipt and restrictions through the add form,
whose save calls the service.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from portal.kernel.access import OVERSIGHT, REFERENCE, ReadOnlyAdmin
from portal.kernel.admin_columns import period, zoned_heading
from portal.kernel.admin_lists import CappedCountPaginator, DateRangeFilter
from portal.kernel.wording import listed

from . import kept_reasons, selectors, services
from .forms import PaperConsentForm, ProvisionRecordForm, ReceiptRecordForm
from .models import (
    AuthorityRequest,
    ConsentRecord,
    MarketingCampaign,
    MarketingDelivery,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
    ReceiptRecord,
    Recipient,
    ServicePage,
)


class EvidenceAdmin(ReadOnlyAdmin):
    """Read-only: rows are evidence, written by the services and never edited."""


class AddThroughServiceAdmin(EvidenceAdmin):
    """Evidence that staff may add, through a service; never change or delete.

    Subclasses implement :meth:`create` (call the service with the form's
    cleaned data) and may use :meth:`check` to show a refusal on the form.
    """

    def has_add_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [f.name for f in self.opts.fields]
        return super().get_readonly_fields(request, obj)

    def get_exclude(self, request, obj=None):
        # Bookkeeping fields are filled in by the service on add, shown afterwards.
        return [] if obj is not None else self.exclude

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class CheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if not self.errors:
                    try:
                        model_admin.check_allowed(cleaned)
                    except ValidationError as error:
                        self.add_error(None, error)
                return cleaned

        return CheckedForm

    def check_allowed(self, cleaned: dict) -> None:
        """Raise ValidationError when the service would refuse these values."""

    def save_model(self, request, obj, form, change):
        created = self.create(request, form.cleaned_data)
        obj.pk = created.pk
        obj._state.adding = False

    def create(self, request, cleaned: dict):
        raise NotImplementedError


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ["code", "title_ja", "title_en", "is_required", "legal_basis", "is_active"]
    list_filter = ["is_required", "legal_basis", "is_active"]
    search_fields = ["code", "title_ja", "title_en"]
    staff_scope = REFERENCE
    ordering = ["display_order", "id"]

    def get_readonly_fields(self, request, obj=None):
        # The code is how other code names the purpose (may_use("marketing")).
        return ["code"] if obj is not None else []


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """A version can be edited until it takes effect; then it is what customers accepted."""

    list_display = ["version", "effective_at", "is_material", "created_at"]
    list_filter = ["is_material"]
    staff_scope = REFERENCE
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["version", "effective_at", "is_material", "created_at"]}),
        (_("What changed"), {"fields": ["summary_ja", "summary_en"]}),
        (_("Text"), {"fields": ["text_ja", "text_en"]}),
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_effective:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_effective:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.policy_version_save(version=obj, actor=request.user, request=request)


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name_ja", "name_en", "kind", "country", "confidentiality_agreement_on"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["name_ja", "name_en"]
    filter_horizontal = ["purposes"]
    staff_scope = REFERENCE


@admin.register(ServicePage)
class ServicePageAdmin(admin.ModelAdmin):
    class Media:
        # Beside the navigation and the filters: the desk's address wraps.
        css = {"all": ["css/admin-lists.css"]}

    list_display = ["service", "desk_ja", "responsible_ja", "desk_email", "is_published"]
    list_filter = ["is_published"]
    filter_horizontal = ["purposes", "recipients"]
    staff_scope = REFERENCE


@admin.register(ConsentRecord)
class ConsentRecordAdmin(EvidenceAdmin):
    """Read-only. A consent given on paper is entered with its own form."""

    list_display = ["created_at", "subject", "about", "action", "method", "language"]
    list_filter = [
        "action",
        "method",
        "purpose",
        "policy_version",
        "language",
        ("created_at", DateRangeFilter),
    ]
    search_fields = ["subject__email"]
    list_select_related = ["subject", "purpose", "policy_version"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description=_("about"))
    def about(self, obj):
        return obj.purpose or obj.policy_version

    def get_urls(self):
        paper = self.admin_site.admin_view(self.paper_view)
        return [
            path("paper/", paper, name="consent_consentrecord_paper"),
            *super().get_urls(),
        ]

    def _may_record_paper(self, request) -> bool:
        return request.user.has_perm("consent.add_consentrecord")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_record_paper": self._may_record_paper(request),
        }
        return super().changelist_view(request, extra_context)

    def paper_view(self, request):
        """Enter a consent or withdrawal from a paper form, as a new record."""
        if not self._may_record_paper(request):
            raise PermissionDenied
        form = PaperConsentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            record, created = services.consent_record_paper(
                subject=data["customer"],
                staff=request.user,
                granted=data["action"] == ConsentRecord.Action.GRANTED,
                language=data["language"],
                note=data["note"],
                purpose=data["purpose"],
                policy_version=data["policy_version"],
                request=request,
            )
            if created:
                self.message_user(request, _("The paper form is recorded."), messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    _("This paper form was already recorded; nothing was added."),
                    messages.WARNING,
                )
            return redirect(reverse("admin:consent_consentrecord_change", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Record a consent given on paper"),
            "form": form,
        }
        return TemplateResponse(request, "admin/consent/consentrecord/paper_form.html", context)


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(AddThroughServiceAdmin):
    """Added through the service; afterwards it can only be ended."""

    class Media:
        # Beside the navigation and the filters: the columns wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    list_display = ["subject", "scope", "purpose", "recipient", "in_effect", "source"]
    list_filter = ["scope", "source"]
    search_fields = ["subject__email"]
    list_select_related = ["subject", "purpose", "recipient"]
    raw_id_fields = ["subject"]
    exclude = ["created_by", "created_at"]
    actions = ["end_now"]

    # Its days in the reader's zone, named in the heading (each day's time in its
    # title); a stop with no end says so.
    @admin.display(description=zoned_heading(_("in effect")), ordering="starts_at")
    def in_effect(self, obj):
        return period(obj.starts_at, obj.ends_at)

    # A reason the system wrote is stored in English and read in the reader's language.
    @admin.display(description=_("reason"))
    def reason_shown(self, obj):
        return kept_reasons.shown(obj.reason)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [("reason_shown" if f == "reason" else f) for f in fields]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [f for f in fields if obj is None or f != "reason"]

    def has_end_permission(self, request):
        return request.user.has_perm("consent.change_processingrestriction")

    @admin.action(description=_("End the selected restrictions now"), permissions=["end"])
    def end_now(self, request, queryset):
        for restriction in queryset:
            services.restriction_end(restriction=restriction, actor=request.user, request=request)
        self.message_user(request, _("The restrictions are ended."), messages.SUCCESS)

    def create(self, request, cleaned):
        return services.restriction_create(
            subject=cleaned["subject"],
            scope=cleaned["scope"],
            purpose=cleaned.get("purpose"),
            recipient=cleaned.get("recipient"),
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
            source=cleaned["source"],
            source_reference=cleaned.get("source_reference", ""),
            reason=cleaned.get("reason", ""),
            actor=request.user,
            request=request,
        )


@admin.register(ProvisionRecord)
class ProvisionRecordAdmin(AddThroughServiceAdmin):
    """Added through the service, which refuses what consent or a restriction forbids."""

    class Media:
        # Beside the navigation and the filters: the customer's address wraps.
        css = {"all": ["css/admin-lists.css"]}

    form = ProvisionRecordForm
    list_display = ["provided_on", "recipient", "subject", "ground", "kept_until"]
    list_filter = ["ground", "recipient", ("provided_on", DateRangeFilter)]
    search_fields = ["subject__email"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["recipient", "subject"]
    raw_id_fields = ["subject"]
    exclude = ["recorded_by", "created_at"]

    @admin.display(description=_("kept until"))
    def kept_until(self, obj):
        return selectors.provision_record_keep_until(obj.provided_on)

    @admin.display(description=_("kinds of data provided"))
    def kinds_provided(self, obj):
        return listed(obj.category_labels()) or _("Not recorded: any kind")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [("kinds_provided" if f == "categories" else f) for f in fields]

    def get_fields(self, request, obj=None):
        # A record is shown with the kinds by name, not the form's field of codes.
        fields = super().get_fields(request, obj)
        return [f for f in fields if obj is None or f != "categories"]

    def check_allowed(self, cleaned):
        services.provision_check(
            subject=cleaned["subject"],
            recipient=cleaned["recipient"],
            ground=cleaned["ground"],
            note=cleaned.get("note", ""),
            provided_on=cleaned.get("provided_on"),
        )

    def create(self, request, cleaned):
        return services.provision_record_create(
            subject=cleaned["subject"],
            recipient=cleaned["recipient"],
            provided_on=cleaned["provided_on"],
            data_items=cleaned["data_items"],
            categories=cleaned.get("categories") or (),
            ground=cleaned["ground"],
            note=cleaned.get("note", ""),
            actor=request.user,
            request=request,
        )


@admin.register(ReceiptRecord)
class ReceiptRecordAdmin(AddThroughServiceAdmin):
    """Records of receipt from third parties (APPI art. 30): added through the service,
    which refuses a record missing what the law asks; never changed or deleted."""

    class Media:
        # Beside the navigation and the filters: the provider's name wraps.
        css = {"all": ["css/admin-lists.css"]}

    form = ReceiptRecordForm
    list_display = ["received_on", "provider_name", "subject", "kept_until"]
    list_filter = [("received_on", DateRangeFilter)]
    search_fields = ["subject__email", "provider_name"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["subject"]
    raw_id_fields = ["subject"]
    exclude = ["recorded_by", "created_at"]

    @admin.display(description=_("kept until"))
    def kept_until(self, obj):
        return selectors.receipt_record_keep_until(obj.received_on)

    @admin.display(description=_("kinds of data received"))
    def kinds_received(self, obj):
        return listed(obj.category_labels()) or _("Not recorded")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [("kinds_received" if f == "categories" else f) for f in fields]

    def get_fields(self, request, obj=None):
        # A record is shown with the kinds by name, not the form's field of codes.
        fields = super().get_fields(request, obj)
        return [f for f in fields if obj is None or f != "categories"]

    def check_allowed(self, cleaned):
        services.receipt_check(
            received_on=cleaned.get("received_on"),
            provider_name=cleaned.get("provider_name", ""),
            provider_address=cleaned.get("provider_address", ""),
            provider_acquisition=cleaned.get("provider_acquisition", ""),
            data_items=cleaned.get("data_items", ""),
            categories=cleaned.get("categories") or (),
        )

    def create(self, request, cleaned):
        return services.receipt_record_create(
            subject=cleaned["subject"],
            received_on=cleaned["received_on"],
            provider_name=cleaned["provider_name"],
            provider_address=cleaned["provider_address"],
            provider_representative=cleaned.get("provider_representative", ""),
            provider_acquisition=cleaned["provider_acquisition"],
            data_items=cleaned["data_items"],
            categories=cleaned.get("categories") or (),
            actor=request.user,
            request=request,
        )


@admin.register(AuthorityRequest)
class AuthorityRequestAdmin(AddThroughServiceAdmin):
    list_display = ["received_on", "requesting_body", "body_kind", "subject", "decision"]
    list_filter = ["body_kind", "decision", ("received_on", DateRangeFilter)]
    search_fields = ["subject__email", "requesting_body", "reference"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    raw_id_fields = ["subject"]
    exclude = ["created_at"]
    # Orders of courts, prosecutors and the police: for the privacy office only.
    staff_scope = OVERSIGHT

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "approved_by":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create(self, request, cleaned):
        fields = [
            "subject",
            "body_kind",
            "requesting_body",
            "legal_basis",
            "received_on",
            "decision",
            "approved_by",
            "data_provided",
            "provided_on",
            "reference",
            "note",
        ]
        return services.authority_request_record(
            **{name: cleaned.get(name) for name in fields}, actor=request.user, request=request
        )


class MarketingDeliveryInline(admin.TabularInline):
    model = MarketingDelivery
    fields = ["subject", "status", "created_at", "sent_at"]
    readonly_fields = fields
    raw_id_fields = ["subject"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MarketingCampaign)
class MarketingCampaignAdmin(EvidenceAdmin):
    list_display = ["key", "started_at"]
    staff_scope = OVERSIGHT  # the deliveries list every customer mailed
    inlines = [MarketingDeliveryInline]
