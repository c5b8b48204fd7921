"""Custom sign-up questions: editing a tournament's fields, and validating answers against them.

One validator serves every way in (public sign-up, the admin, imports, ``registrations.register``),
so an answer accepted in one place is accepted in all. Refusals carry one message per field in
``DomainError.details["fields"]`` (keyed by the field's ``key``), which forms show beside the input
and imports report against the column.

Answers are JSON on ``Registration.answers`` keyed by field key: text and choices as strings, numbers
as decimal strings (no floats), toggles as booleans, dates as ``YYYY-MM-DD``, URLs as strings, and an
uploaded image as its storage path. Keys without a field (old imports) are kept as they are.
"""
import os
import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import permissions
from ..models import CustomField, Registration, Tournament
from ..uploads import validate_image_upload
from . import audit
from .base import lock, require, save_plain
from .errors import DomainError

K = CustomField.Kind
MEDIA_PREFIX = "answers/"
TRUE_WORDS = {"true", "1", "yes", "y", "on", "x", "✓"}
FALSE_WORDS = {"false", "0", "no", "n", "off", ""}
MAX_TEXT = 2000
EDITABLE = ("label", "key", "kind", "required", "min_value", "max_value", "regex", "options", "help_text", "order")


def fields_of(tournament) -> list[CustomField]:
    return list(CustomField.objects.filter(tournament_id=tournament.pk).order_by("order", "id"))


# ---- one value -------------------------------------------------------------------------------------

def plain(number: Decimal) -> str:
    """13.00 → "13", 2.50 → "2.5", 100 → "100" (never "1E+2")."""
    return format(number.normalize(), "f")


def _number(text) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number."))
    return value


def clean_value(field: CustomField, value, *, tournament_id=None, store: bool = True):
    """The stored form of one answer, or ``ValidationError`` with a message for the person typing.
    Returns None for an empty optional answer."""
    if isinstance(value, str):
        value = value.strip()
    empty = value is None or value == "" or (field.kind == K.TOGGLE and value is False and field.required)
    if field.kind == K.TOGGLE and not empty:
        if isinstance(value, bool):
            flag = value
        elif str(value).lower() in TRUE_WORDS:
            flag = True
        elif str(value).lower() in FALSE_WORDS:
            flag = False
        else:
            raise ValidationError(_("Answer yes or no."))
        if field.required and not flag:
            raise ValidationError(_("This must be ticked to take part."))
        return flag
    if empty:
        if field.required:
            raise ValidationError(_("This must be ticked to take part.") if field.kind == K.TOGGLE else _("This answer is required."))
        return False if field.kind == K.TOGGLE else None
    if field.kind == K.TEXT:
        text = str(value)
        limit = int(field.max_value) if field.max_value is not None else MAX_TEXT
        if len(text) > limit:
            raise ValidationError(_("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(text)})
        if field.min_value is not None and len(text) < int(field.min_value):
            raise ValidationError(_("At least %(n)d characters.") % {"n": int(field.min_value)})
        if field.regex and not re.fullmatch(field.regex, text):
            raise ValidationError(_("This does not have the expected format.") + (f" {field.help_text}" if field.help_text else ""))
        return text
    if field.kind == K.NUMBER:
        number = _number(value)
        if field.min_value is not None and number < field.min_value:
            raise ValidationError(_("The smallest allowed value is %(n)s.") % {"n": plain(field.min_value)})
        if field.max_value is not None and number > field.max_value:
            raise ValidationError(_("The largest allowed value is %(n)s.") % {"n": plain(field.max_value)})
        return plain(number) if number == number.to_integral() else str(number)
    if field.kind == K.DROPDOWN:
        options = [str(o) for o in field.options or []]
        text = str(value)
        match = next((o for o in options if o == text), None) or next((o for o in options if o.casefold() == text.casefold()), None)
        if match is None:
            raise ValidationError(_("Choose one of: %(o)s.") % {"o": ", ".join(options)})
        return match
    if field.kind == K.DATE:
        if isinstance(value, date):
            return value.isoformat()
        try:
            parsed = parse_date(str(value))
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."))
        return parsed.isoformat()
    if field.kind == K.URL:
        text = str(value)
        if len(text) > 500:
            raise ValidationError(_("The address is longer than 500 characters."))
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise ValidationError(_("Enter a full web address starting with https://."))
        return text
    if field.kind == K.MEDIA:
        return _media(value, tournament_id, store)
    raise ValidationError(_("Unknown field type."))


def _media(value, tournament_id, store: bool = True):
    """An uploaded image is checked (Pillow must recognise it, ≤ 5 MB; the same rule as payment
    proofs and result evidence) and stored under ``answers/<tournament>/``; an existing answer
    (a path we stored earlier for this tournament) is kept as it is."""
    if isinstance(value, UploadedFile) or hasattr(value, "read"):
        validate_image_upload(value)
        if not store:
            return value
        ext = os.path.splitext(getattr(value, "name", "") or "")[1].lower()
        ext = ext if ext in (".png", ".jpg", ".jpeg", ".webp", ".gif") else ".img"
        value.seek(0)
        return default_storage.save(f"{MEDIA_PREFIX}{tournament_id or 0}/{uuid.uuid4().hex}{ext}", value)
    text = str(value)
    if text.startswith(f"{MEDIA_PREFIX}{tournament_id or 0}/") and ".." not in text and default_storage.exists(text):
        return text
    raise ValidationError(_("Upload an image file (PNG, JPEG, WebP or GIF, up to 5 MB)."))


# ---- a set of answers --------------------------------------------------------------------------------

def validate_answers(tournament, answers: dict | None, *, partial: bool = False, store: bool = True, fields=None) -> dict:
    """Clean ``answers`` (keyed by field key) against the tournament's fields.

    ``partial``: only the answers given are checked (an import updating some columns); otherwise a
    missing required answer is an error. Unknown keys are kept unchanged. Raises ``DomainError``
    with ``details["fields"] = {key: message}`` listing every problem at once. Uploaded images are
    stored only when every answer is valid (``store=False``: check only, store nothing)."""
    answers = dict(answers or {})
    cleaned, problems = {}, {}
    fields = fields_of(tournament) if fields is None else fields
    known = {f.key for f in fields}
    for field in fields:
        if partial and field.key not in answers:
            continue
        try:
            value = clean_value(field, answers.get(field.key), tournament_id=tournament.pk, store=False)
        except ValidationError as exc:
            problems[field.key] = " ".join(exc.messages)
            continue
        if value is not None:
            cleaned[field.key] = value
    if problems:
        labels = {f.key: f.label for f in fields}
        text = "; ".join(f"{labels[k]}: {m}" for k, m in problems.items())
        raise DomainError(_("Please check the answers — %(p)s") % {"p": text}, code="answers", details={"fields": problems})
    if store:
        for key, value in list(cleaned.items()):
            if hasattr(value, "read"):
                cleaned[key] = _media(value, tournament.pk, True)
    for key, value in answers.items():
        if key not in known:
            cleaned[key] = value if not hasattr(value, "read") else str(value)
    return cleaned


def by_label(tournament, answers_by_header: dict, *, fields=None) -> tuple[dict, dict]:
    """Map spreadsheet columns to field keys: a header matches a field's label or key (case and
    spacing ignored). Returns (answers keyed by key — unknown headers kept under the header, and
    {key: header} for reporting)."""
    index = {}
    for field in (fields_of(tournament) if fields is None else fields):
        index[_norm(field.label)] = field.key
        index[_norm(field.key)] = field.key
    out, columns = {}, {}
    for header, value in answers_by_header.items():
        key = index.get(_norm(header), header)
        out[key] = value
        columns[key] = header
    return out, columns


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", str(text)).strip().casefold()


def display_value(field: CustomField | None, value) -> str:
    if value is None or value == "":
        return ""
    if field is not None and field.kind == K.TOGGLE:
        return _("yes") if value is True else _("no")
    return str(value)


# ---- editing a tournament's fields (admin inline) -----------------------------------------------------

def save_field(tournament_id: int, *, actor, field_id: int | None = None, **values) -> CustomField:
    """Create or change one field. Keys are stable once answers exist (answers are stored by key)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(_("These settings cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if field_id is None:
            field = CustomField(tournament=tournament)
            before = {}
        else:
            field = CustomField.objects.select_for_update().filter(pk=field_id, tournament=tournament).first()
            if field is None:
                raise DomainError(_("That field does not belong to %(t)s.") % {"t": tournament.name}, code="not_found")
            before = {k: str(getattr(field, k)) for k in values}
        old_key = field.key
        for name, value in values.items():
            setattr(field, name, value)
        field.key = slugify(field.key or field.label)[:50].replace("-", "_")
        if not field.key:
            raise DomainError(_("Give the field a label with letters or digits."), code="invalid")
        if old_key and field.key != old_key and _answered(tournament, old_key):
            raise DomainError(_("Registrations already answered “%(l)s”; its key stays “%(k)s”.")
                              % {"l": field.label, "k": old_key}, code="locked")
        if CustomField.objects.filter(tournament=tournament, key=field.key).exclude(pk=field.pk).exists():
            raise DomainError(_("%(t)s already has a field with the key “%(k)s”.") % {"t": tournament.name, "k": field.key},
                              code="duplicate")
        try:
            field.full_clean(exclude=["tournament"])
        except ValidationError as exc:
            raise DomainError("; ".join(f"{CustomField._meta.get_field(k).verbose_name if k != '__all__' else ''}: {' '.join(m)}".lstrip(": ")
                                        for k, m in exc.message_dict.items()), code="invalid")
        save_plain(field, actor, reason="created" if field_id is None else "edited")
        audit.log_action("custom_field.save", actor=actor, tournament=tournament, target=field,
                         metadata={"before": before, "after": {k: str(getattr(field, k)) for k in values}})
        return field


def delete_field(field_id: int, *, actor) -> None:
    """Remove a question; answers already given stay on the registrations (and in exports)."""
    with transaction.atomic():
        field = CustomField.objects.select_related("tournament").filter(pk=field_id).first()
        if field is None:
            raise DomainError(_("That field no longer exists."), code="not_found")
        require(actor, field.tournament, permissions.MANAGE)
        audit.log_action("custom_field.delete", actor=actor, tournament=field.tournament, target=field,
                         metadata={"key": field.key, "label": field.label})
        field.delete()


def _answered(tournament, key) -> bool:
    return Registration.objects.filter(tournament=tournament, answers__has_key=key).exists()


def update_answers(registration_id: int, *, actor, answers: dict) -> Registration:
    """Staff correct a registration's answers (admin): validated like a sign-up, audited."""
    with transaction.atomic():
        registration = lock(Registration, registration_id, select_related=("tournament",))
        require(actor, registration.tournament, permissions.MANAGE)
        cleaned = validate_answers(registration.tournament, answers)
        before = dict(registration.answers or {})
        if cleaned == before:
            return registration
        registration.answers = cleaned
        save_plain(registration, actor, reason="answers edited")
        audit.log_action("registration.answers", actor=actor, tournament=registration.tournament, target=registration,
                         metadata={"before": before, "after": cleaned})
        return registration
