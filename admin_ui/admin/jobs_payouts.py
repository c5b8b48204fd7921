"""Payouts, certificates, the DeltaCoin ledger, job runs and webhooks in the Command Center.

Every change goes through a service: payouts are marked processing/paid/failed/retried/cancelled
with service-backed actions (paid asks for the method and the transfer reference), certificates
are revoked or regenerated the same way and downloaded through a scoped view (media files are not
served publicly in scaled mode). Ledger entries, job runs and webhook deliveries are read-only.
"""
from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.enums import ActionVariant
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from tournaments import permissions, webhooks
from tournaments.models import Certificate, JobRun, Payout, WalletEntry, WebhookDelivery, WebhookEndpoint
from tournaments.services import DomainError, certificates, payouts

from .actions import Transition, fsm
from .base import ScopedAdmin
from .forms import ActionForm, OptionalReasonForm, reason_form

MANAGE = permissions.MANAGE


class MarkPaidForm(ActionForm):
    method = forms.ChoiceField(label=_("Sent with"), choices=[(m.value, m.label) for m in payouts.CASH_METHODS],
                               widget=UnfoldAdminSelectWidget)
    reference = forms.CharField(label=_("Transfer reference"), max_length=100, widget=UnfoldAdminTextInputWidget,
                                help_text=_("The transaction id from the bKash/Nagad/Rocket receipt or the bank."))


FailForm = reason_form(_("What went wrong"), _("Kept on the payout and in the audit log."), name="PayoutFailForm")


@admin.register(Payout)
class PayoutAdmin(ScopedAdmin):
    list_display = ["recipient_name", "tournament", "kind", "rank", "amount_display", "status_badge", "method", "reference", "paid_at"]
    list_filter = [("status", ChoicesDropdownFilter), ("kind", ChoicesDropdownFilter), "currency"]
    list_select_related = ["tournament"]
    search_fields = ["recipient_name", "reference", "idempotency_key"]
    readonly_fields = [f.name for f in Payout._meta.fields if f.name not in ("id",)]
    action_select_related = ("tournament",)
    transitions = (
        Transition(name="mark_paid", label=_("Mark paid"), capability=MANAGE, icon="payments", variant=ActionVariant.SUCCESS,
                   allowed=lambda p: not p.is_deltacoin and p.status in (Payout.Status.PENDING, Payout.Status.PROCESSING),
                   form=MarkPaidForm, question=_("Record that %(obj)s was sent."),
                   run=lambda user, p, data: payouts.mark_paid(p.pk, actor=user, method=data["method"], reference=data["reference"])),
        Transition(name="start_processing", label=_("Start processing"), capability=MANAGE, allowed=fsm("start_processing"),
                   icon="pending", run=lambda user, p, data: payouts.start_processing(p.pk, actor=user)),
        Transition(name="fail", label=_("Mark failed"), capability=MANAGE, allowed=fsm("fail"), icon="error",
                   variant=ActionVariant.DANGER, form=FailForm,
                   run=lambda user, p, data: payouts.mark_failed(p.pk, actor=user, reason=data["reason"])),
        Transition(name="retry", label=_("Retry"), capability=MANAGE, allowed=fsm("retry"), icon="replay",
                   run=lambda user, p, data: payouts.retry(p.pk, actor=user)),
        Transition(name="cancel", label=_("Cancel payout"), capability=MANAGE, allowed=fsm("cancel"), icon="cancel",
                   variant=ActionVariant.DANGER, form=reason_form(name="PayoutCancelForm"),
                   run=lambda user, p, data: payouts.cancel(p.pk, actor=user, reason=data["reason"])),
    )
    row_transitions = ("mark_paid",)

    def has_add_permission(self, request):
        return False  # payouts come from payout runs and refunds

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return f"{int(obj.amount) if obj.is_deltacoin else obj.amount} {obj.currency}"


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["display_name", "tournament", "kind", "rank", "status_badge", "issued_at", "download"]
    list_filter = [("status", ChoicesDropdownFilter), ("kind", ChoicesDropdownFilter)]
    list_select_related = ["tournament"]
    search_fields = ["display_name", "code"]
    readonly_fields = [f.name for f in Certificate._meta.fields if f.name not in ("id",)] + ["verify_link"]
    action_select_related = ("tournament",)
    transitions = (
        Transition(name="revoke", label=_("Revoke"), capability=MANAGE, allowed=fsm("revoke"), icon="block",
                   variant=ActionVariant.DANGER, form=reason_form(help_text=_("Shown on the public verification page."), name="RevokeForm"),
                   run=lambda user, c, data: certificates.revoke(c.pk, actor=user, reason=data["reason"])),
        Transition(name="regenerate", label=_("Regenerate"), capability=MANAGE, allowed=fsm("revoke"), icon="autorenew",
                   form=OptionalReasonForm, question=_("Replace %(obj)s with a new PDF and code? The old one is revoked."),
                   run=lambda user, c, data: certificates.regenerate(c.pk, actor=user, reason=data.get("reason", ""))),
    )

    def has_add_permission(self, request):
        return False  # issued by the batch job or the issue service

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("<path:object_id>/download/", self.admin_site.admin_view(self.download_view),
                     name="tournaments_certificate_download")] + super().get_urls()

    def download_view(self, request, object_id):
        certificate = self.get_queryset(request).filter(pk=object_id).first()
        if certificate is None or not certificate.file:
            raise Http404
        return FileResponse(certificate.file.open("rb"), as_attachment=True, filename=certificate.file.name.rsplit("/", 1)[-1],
                            content_type="application/pdf")

    @display(description=_("PDF"))
    def download(self, obj):
        if not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:tournaments_certificate_download", args=[obj.pk]), _("Download"))

    @display(description=_("public page"))
    def verify_link(self, obj):
        url = certificates.verify_url(obj.code)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WalletEntry)
class WalletEntryAdmin(_ReadOnly, ModelAdmin):
    list_display = ["created_at", "player", "amount", "kind", "tournament", "memo", "idempotency_key"]
    list_filter = [("kind", ChoicesDropdownFilter)]
    list_select_related = ["player", "tournament"]
    search_fields = ["player__display_name", "idempotency_key", "memo"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(permissions.tournament_filter(request.user))


@admin.register(JobRun)
class JobRunAdmin(_ReadOnly, ModelAdmin):
    list_display = ["job_id", "queue", "status", "attempts", "progress_display", "enqueued_at", "finished_at", "tournament"]
    list_filter = ["queue", "status"]
    list_select_related = ["tournament"]
    search_fields = ["job_id", "func", "error"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(permissions.tournament_filter(request.user))

    @display(description=_("progress"))
    def progress_display(self, obj):
        return f"{obj.percent}%" if obj.percent is not None else "—"


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(label=_("Events"), required=False, help_text=_("None selected: every event."),
                                       choices=lambda: [(e, e) for e in sorted(webhooks.known_event_types())])

    class Meta:
        model = WebhookEndpoint
        fields = ["tournament", "url", "events", "active", "description"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url)
        except webhooks.WebhookURLError as exc:
            raise forms.ValidationError(str(exc))
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "tournament", "organizer", "active", "events_display"]
    list_select_related = ["tournament", "organizer"]
    readonly_fields = ["secret", "organizer"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(organizer=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tournament":
            kwargs["queryset"] = permissions.tournaments_for(request.user, MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["url", "tournament"]  # a new address is a new endpoint (and a new secret)
        return fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                webhooks.update_endpoint(obj.pk, actor=request.user, events=data.get("events") or [], active=data.get("active", True),
                                         description=data.get("description", ""))
            else:
                created = webhooks.create_endpoint(actor=request.user, url=data["url"], tournament=data.get("tournament"),
                                                   events=data.get("events") or [], description=data.get("description", ""))
                obj.pk = created.pk
                obj._state.adding = False
        except DomainError as exc:
            messages.error(request, str(exc))

    def save_form(self, request, form, change):
        return form.instance  # the service writes (see save_model)

    @display(description=_("events"))
    def events_display(self, obj):
        return ", ".join(obj.events) or _("all")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly, ModelAdmin):
    list_display = ["created_at", "endpoint", "event_type", "attempt", "status_code", "succeeded", "will_retry", "duration_ms", "error"]
    list_filter = ["succeeded", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["event_type", "error", "event_id"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(endpoint__organizer=request.user)


