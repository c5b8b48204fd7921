"""Lobby forms check only the shape of the input (types, lengths); every rule about whether the
action is allowed lives in the service, whose DomainError the view shows as it is."""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Dispute, PaymentMethod

MAX_TEXT = 2000
IMAGE_INPUT = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"})


class ReportForm(forms.Form):
    score_a = forms.IntegerField(label=_("Score A"), min_value=0, max_value=999)
    score_b = forms.IntegerField(label=_("Score B"), min_value=0, max_value=999)
    evidence_url = forms.URLField(label=_("Evidence link (optional)"), required=False, max_length=200, assume_scheme="https",
                                  help_text=_("A link to a screenshot or a VOD of the result."))
    evidence = forms.FileField(label=_("Screenshot (optional)"), required=False, widget=IMAGE_INPUT,
                               help_text=_("PNG, JPEG, WebP or GIF, up to 5 MB."))

    def __init__(self, *args, match=None, **kwargs):
        super().__init__(*args, **kwargs)
        if match is not None:  # label the scores with the names people know, not "A" and "B"
            self.fields["score_a"].label = _("%(name)s score") % {"name": match.side_name(0)}
            self.fields["score_b"].label = _("%(name)s score") % {"name": match.side_name(1)}


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason"))] + list(Dispute.Reason.choices))
    description = forms.CharField(label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT,
                                  required=False)
    evidence_url = forms.URLField(label=_("Evidence link (optional)"), required=False, max_length=200, assume_scheme="https")


class ConfirmForm(forms.Form):
    """Forfeit and withdraw are final: an explicit tick, and an optional reason."""

    confirm = forms.BooleanField(label=_("Yes, I am sure"), required=True)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=10, decimal_places=2)
    reference = forms.CharField(label=_("Transaction reference"), max_length=100, required=False)
    proof = forms.FileField(label=_("Proof screenshot (optional)"), required=False, widget=IMAGE_INPUT)

    def __init__(self, *args, tournament=None, **kwargs):
        super().__init__(*args, **kwargs)
        methods = [m for m in (tournament.payment_methods if tournament else []) or [] if m in PaymentMethod.values]
        self.fields["method"].choices = [(m, PaymentMethod(m).label) for m in methods]
