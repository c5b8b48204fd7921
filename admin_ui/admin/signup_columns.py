"""Custom-field answers in the registration admin (issue 8).

- On a registration's page: the answers as a table (question → answer; an image answer links to
  the file), the promo code used, and edits of the ``answers`` JSON saved through
  ``custom_fields.update_answers`` (validated like a sign-up, audited).
- In the list filtered to one tournament (``?tournament=<id>``, the per-tournament view of answers):
  one column per question, loaded with one query per page whatever the number of rows.
"""
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _g, gettext_lazy as _
from unfold.decorators import display

from tournaments import permissions
from tournaments.models import CustomField
from tournaments.services import custom_fields

K = CustomField.Kind


def _web_address(value) -> bool:
    """Only http(s) answers become links. A URL field's answers are validated on the way in, but a
    text answer given before the field was switched to "URL" (or kept from an old import) is stored
    as it was: ``javascript:…`` must stay text, never an ``href``."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def _answer_html(field, value):
    if value in (None, ""):
        return "—"
    if field is not None and field.kind == K.MEDIA:
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', default_storage.url(value), _g("image"))
    if field is not None and field.kind == K.URL and _web_address(value):
        return format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', value, value)
    return custom_fields.display_value(field, value)


def _column(field):
    def column(obj):
        return _answer_html(field, (obj.answers or {}).get(field.key))
    column.short_description = field.label
    column.__name__ = f"answer_{field.key}"
    return column


class AnswerColumnsMixin:
    def _list_tournament(self, request):
        raw = request.GET.get("tournament")
        if not raw or not str(raw).isdigit():
            return None
        cache = request.__dict__.setdefault("_answer_fields", {})
        if raw not in cache:
            visible = permissions.tournaments_for(request.user).filter(pk=int(raw)).values("pk")
            cache[raw] = list(CustomField.objects.filter(tournament_id__in=visible).order_by("order", "id"))
        return cache[raw]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        fields = self._list_tournament(request)
        return columns + [_column(f) for f in fields] if fields else columns

    @display(description=_("answers"))
    def answers_table(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        fields = custom_fields.fields_of(obj.tournament)
        answers = dict(obj.answers or {})
        rows = [(f.label, _answer_html(f, answers.pop(f.key, None))) for f in fields]
        rows += [(key, custom_fields.display_value(None, value)) for key, value in answers.items()]
        if not rows:
            return _g("No custom questions.")
        return format_html('<table class="w-full">{}</table>',
                           format_html_join("", '<tr><th class="pr-4 text-left font-medium">{}</th><td>{}</td></tr>', rows))

    @display(description=_("promo code"))
    def promo_used(self, obj):
        redemption = getattr(obj, "promo_redemption", None) if obj is not None and obj.pk else None
        if redemption is None:
            return "—"
        return _g("%(c)s (−%(d)s %(cur)s)") % {"c": redemption.promo.code, "d": redemption.discount, "cur": obj.tournament.entry_fee_currency}

    def save_model(self, request, obj, form, change):
        if change and "answers" in form.changed_data:
            custom_fields.update_answers(obj.pk, actor=request.user, answers=obj.answers)
            form.changed_data.remove("answers")
        return super().save_model(request, obj, form, change)
