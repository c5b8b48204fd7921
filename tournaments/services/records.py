"""Editing the plain details of a record (not its state) from the Command Center's forms.

Forms only reach fields the admin leaves editable; this service still checks permission, validates
the whole object with the model's rules, saves with history and writes an audit entry listing the
before/after values, so "only services write" holds for ordinary edits too.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import FSMField

from .. import permissions
from ..models import Tournament
from . import audit
from .base import lock, require, save_plain
from .errors import DomainError


def _tournament_of(instance):
    if isinstance(instance, Tournament):
        return instance
    for path in ("tournament", "registration__tournament", "match__tournament"):
        obj = instance
        for part in path.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if isinstance(obj, Tournament):
            return obj
    return None


def edit_details(instance, *, actor, fields, capability: str = permissions.MANAGE, reason: str = ""):
    """Save ``fields`` of an in-memory edited ``instance`` (values already set on it)."""
    model = type(instance)
    state_fields = {f.name for f in model._meta.fields if isinstance(f, FSMField)}
    fields = [f for f in fields if f not in state_fields]
    if not fields:
        return instance
    with transaction.atomic():
        current = lock(model, instance.pk)
        tournament = _tournament_of(current)
        if tournament is not None:
            require(actor, tournament, capability)
        elif actor is not None and not getattr(actor, "is_staff", False):
            raise DomainError(_("Only staff can edit this."), code="forbidden")
        before = {f: str(getattr(current, f)) for f in fields}
        for field in fields:
            setattr(current, field, getattr(instance, field))
        try:
            current.full_clean(exclude=list(state_fields))
        except ValidationError as exc:
            raise DomainError("; ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid")
        save_plain(current, actor, reason=reason or "edited: " + ", ".join(fields))
        audit.log_action(f"{model._meta.model_name}.edit", actor=actor, tournament=tournament, target=current, reason=reason,
                         metadata={"before": before, "after": {f: str(getattr(current, f)) for f in fields}})
        return current


def create_record(instance, *, actor, reason: str = "created"):
    """Create a reference record (a game) with validation, history and an audit entry."""
    model = type(instance)
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise DomainError(_("Only administrators can add %(what)s.") % {"what": model._meta.verbose_name_plural},
                          code="forbidden")
    state_fields = [f.name for f in model._meta.fields if isinstance(f, FSMField)]
    try:
        instance.full_clean(exclude=state_fields)
    except ValidationError as exc:
        raise DomainError("; ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid")
    with transaction.atomic():
        save_plain(instance, actor, reason=reason)
        audit.log_action(f"{model._meta.model_name}.create", actor=actor, tournament=_tournament_of(instance), target=instance)
    return instance
