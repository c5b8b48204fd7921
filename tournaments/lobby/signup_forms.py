"""The public sign-up form: who is entering, the tournament's custom questions, a promo code.

Like the other lobby forms it checks only the shape of the input; the answers' rules (required,
min/max, pattern, options, image type and size) are the custom-fields service's, whose per-field
messages the view puts beside each input.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CustomField
from ..services.custom_fields import plain
from .forms import IMAGE_INPUT

K = CustomField.Kind
PREFIX = "q_"


def answer_field_name(key: str) -> str:
    return PREFIX + key


def _form_field(field: CustomField) -> forms.Field:
    common = {"label": field.label, "required": False, "help_text": field.help_text}
    if field.kind == K.DROPDOWN:
        return forms.ChoiceField(choices=[("", _("Choose…"))] + [(o, o) for o in field.options or []], **common)
    if field.kind == K.TOGGLE:
        return forms.BooleanField(**common)
    if field.kind == K.NUMBER:
        attrs = {"inputmode": "decimal"}
        if field.min_value is not None:
            attrs["min"] = plain(field.min_value)
        if field.max_value is not None:
            attrs["max"] = plain(field.max_value)
        return forms.CharField(widget=forms.NumberInput(attrs={**attrs, "step": "any"}), max_length=40, **common)
    if field.kind == K.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), max_length=20, **common)
    if field.kind == K.URL:
        return forms.CharField(widget=forms.URLInput(attrs={"placeholder": "https://"}), max_length=500, **common)
    if field.kind == K.MEDIA:
        return forms.FileField(widget=IMAGE_INPUT, **common)
    return forms.CharField(max_length=2000, **common)


class SignUpForm(forms.Form):
    display_name = forms.CharField(label=_("Your name (as shown to others)"), max_length=64)
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             help_text=_("Your private lobby link is sent here; it is never shown to others."))
    game_id = forms.CharField(label=_("Game ID"), max_length=64)
    team_name = forms.CharField(label=_("Team name"), max_length=64, required=False)
    team_tag = forms.CharField(label=_("Team tag"), max_length=12, required=False)
    promo_code = forms.CharField(label=_("Promo code (optional)"), max_length=40, required=False)

    def __init__(self, *args, tournament, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.tournament = tournament
        self.custom = fields
        if tournament.is_team:
            self.fields["display_name"].label = _("Captain's name")
            self.fields["team_name"].required = True
            self.fields["team_tag"].required = True
        else:
            del self.fields["team_name"], self.fields["team_tag"]
        self.fields["game_id"].label = _("Your %(g)s ID") % {"g": tournament.game.name}
        self.fields["game_id"].help_text = tournament.game.get_id_format_display()
        if not tournament.has_fee:
            del self.fields["promo_code"]
        for field in fields:
            self.fields[answer_field_name(field.key)] = _form_field(field)
            if field.required:
                self.fields[answer_field_name(field.key)].widget.attrs["aria-required"] = "true"

    def answers(self) -> dict:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        out = {}
        for field in self.custom:
            name = answer_field_name(field.key)
            value = data.get(name) if name in data else None
            if value is None and name not in data:  # invalid shape: pass the raw text so the service explains
                value = self.files.get(name) if field.kind == K.MEDIA else self.data.get(name)
            out[field.key] = value
        return out

    def identity_fields(self):
        return [self[name] for name in ("display_name", "email", "game_id", "team_name", "team_tag") if name in self.fields]

    def answer_fields(self):
        return [self[answer_field_name(f.key)] for f in self.custom]

    def add_service_errors(self, fields: dict) -> None:
        for key, message in fields.items():
            name = key if key in self.fields else answer_field_name(key)
            if name in self.fields and not (self.errors.get(name) and message in self.errors[name]):
                self.add_error(name, message)
