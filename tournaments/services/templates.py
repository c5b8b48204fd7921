"""Tournament templates (save a configuration, start new events from it) and readable configuration diffs.

A template stores the configuration fields of ``setup.CONFIG_FIELDS`` (except the name) as JSON:
money as strings, dates as offsets from the start in seconds, so "registration closes 2 hours
before the start" survives whatever start date the next event gets.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Game, Tournament, TournamentTemplate
from . import audit
from .base import is_user, require, save_plain
from .errors import DomainError
from .setup import CONFIG_FIELDS, create_tournament

DATE_FIELDS = ("registration_opens_at", "registration_closes_at", "check_in_opens_at", "check_in_closes_at", "starts_at", "ends_at")
DECIMAL_FIELDS = ("entry_fee", "prize_pool")
TEMPLATE_FIELDS = [f for f in CONFIG_FIELDS if f not in ("name", "game_id")]


def templates_for(user):
    """Templates ``user`` may use: their own and the shared ones (admins: all)."""
    qs = TournamentTemplate.objects.all()
    if user.is_superuser:
        return qs
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return qs.none()
    return qs.filter(Q(owner=user) | Q(shared=True))


def _may_change(user, template) -> bool:
    return is_user(user) and (user.is_superuser or template.owner_id == user.pk)


def _configuration(tournament) -> dict:
    config = {}
    for field in TEMPLATE_FIELDS:
        value = getattr(tournament, field)
        if field in DATE_FIELDS:
            value = None if value is None else int((value - tournament.starts_at).total_seconds())
        elif isinstance(value, Decimal):
            value = str(value)
        config[field] = value
    return config


def save_as_template(tournament_id: int, *, actor, name: str, shared: bool = False) -> TournamentTemplate:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the template a name."), code="name")
    tournament = Tournament.objects.select_related("game").get(pk=tournament_id)
    require(actor, tournament, permissions.MANAGE)
    owner = actor if is_user(actor) else tournament.organizer
    template = TournamentTemplate(name=name[:200], owner=owner, shared=bool(shared), game=tournament.game, source=tournament,
                                  configuration=_configuration(tournament))
    try:
        with transaction.atomic():
            save_plain(template, actor, reason="saved from tournament")
            audit.log_action("template.save", actor=actor, tournament=tournament, target=template,
                             metadata={"shared": template.shared})
    except IntegrityError:
        raise DomainError(_("You already have a template called “%(n)s”; choose another name.") % {"n": name}, code="duplicate")
    return template


def update_template(template_id: int, *, actor, name: str | None = None, shared: bool | None = None) -> TournamentTemplate:
    with transaction.atomic():
        template = TournamentTemplate.objects.select_for_update().get(pk=template_id)
        if not _may_change(actor, template):
            raise DomainError(_("Only the owner of “%(n)s” can change it.") % {"n": template.name}, code="forbidden")
        before = {"name": template.name, "shared": template.shared}
        if name is not None:
            if not name.strip():
                raise DomainError(_("Give the template a name."), code="name")
            template.name = name.strip()[:200]
        if shared is not None:
            template.shared = bool(shared)
        try:
            with transaction.atomic():
                save_plain(template, actor, reason="template changed")
        except IntegrityError:
            raise DomainError(_("You already have a template called “%(n)s”; choose another name.") % {"n": name}, code="duplicate")
        audit.log_action("template.update", actor=actor, target=template,
                         metadata={"before": before, "after": {"name": template.name, "shared": template.shared}})
        return template


def delete_template(template_id: int, *, actor) -> None:
    with transaction.atomic():
        template = TournamentTemplate.objects.select_for_update().get(pk=template_id)
        if not _may_change(actor, template):
            raise DomainError(_("Only the owner of “%(n)s” can delete it.") % {"n": template.name}, code="forbidden")
        audit.log_action("template.delete", actor=actor, target=template, metadata={"name": template.name})
        template.delete()


def create_from_template(template_id: int, *, actor, name: str, slug: str, starts_at: datetime) -> Tournament:
    """A new draft tournament with the template's configuration; every date follows ``starts_at``."""
    template = TournamentTemplate.objects.select_related("game").filter(pk=template_id).first()
    if template is None or (is_user(actor) and not templates_for(actor).filter(pk=template_id).exists()):
        raise DomainError(_("That template does not exist or is not shared with you."), code="not_found")
    if starts_at is None or timezone.is_naive(starts_at):
        raise DomainError(_("Give the start as a date and time."), code="starts_at")
    if Tournament.objects.filter(slug=slug).exists():
        raise DomainError(_("The address “%(s)s” is taken; choose another slug.") % {"s": slug}, code="duplicate")
    fields = {}
    for field in TEMPLATE_FIELDS:
        if field not in template.configuration:
            continue  # a template saved before the field existed keeps the model's default
        value = template.configuration[field]
        if field in DATE_FIELDS:
            value = None if value is None else starts_at + timedelta(seconds=int(value))
        elif field in DECIMAL_FIELDS:
            value = Decimal(value)
        fields[field] = value
    fields["starts_at"] = starts_at
    with transaction.atomic():
        tournament = create_tournament(actor=actor, game=Game.objects.get(pk=template.game_id), name=(name or "").strip(),
                                       slug=slug, **fields)
        audit.log_action("tournament.from_template", actor=actor, tournament=tournament, target=tournament,
                         metadata={"template": template.pk, "template_name": template.name})
    return tournament


# ---- readable configuration diffs ---------------------------------------------------------------------------

def _shown(field, value) -> str:
    """A value as a person reads it: choices by label, dates in local time, empty as "—"."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    model_field = Tournament._meta.get_field(field.removesuffix("_id") if field == "game_id" else field)
    if field == "game_id":
        game = Game.objects.filter(pk=value).first()
        return str(game) if game else str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _label(field) -> str:
    name = "game" if field == "game_id" else field
    return str(Tournament._meta.get_field(name).verbose_name)


def diff_values(before: dict, after: dict) -> list[tuple[str, str, str]]:
    """[(field label, old, new)] for the configuration fields that differ."""
    rows = []
    for field in CONFIG_FIELDS:
        if field in before and field in after and before[field] != after[field]:
            rows.append((_label(field), _shown(field, before[field]), _shown(field, after[field])))
    return rows


def configuration_values(record) -> dict:
    """The configuration fields of a tournament or one of its history rows."""
    return {field: getattr(record, field) for field in CONFIG_FIELDS}


def version_changes(tournament, history_id: int) -> list[tuple[str, str, str]]:
    """What the version ``history_id`` changed compared with the version before it."""
    record = tournament.history.filter(history_id=history_id).first()
    if record is None:
        raise DomainError(_("That version does not belong to %(t)s.") % {"t": tournament.name}, code="not_found")
    previous = record.prev_record
    return diff_values(configuration_values(previous), configuration_values(record)) if previous is not None else []


def restore_preview(tournament, history_id: int) -> list[tuple[str, str, str]]:
    """What restoring version ``history_id`` would change in the current configuration."""
    record = tournament.history.filter(history_id=history_id).first()
    if record is None:
        raise DomainError(_("That version does not belong to %(t)s.") % {"t": tournament.name}, code="not_found")
    return diff_values(configuration_values(tournament), configuration_values(record))


def describe(rows) -> str:
    """"capacity: 8 → 16; entry fee: 0.00 → 500.00" (or "no configuration change")."""
    return "; ".join(f"{label}: {old} → {new}" for label, old, new in rows) or _("no configuration change")
