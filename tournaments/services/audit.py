"""The semantic audit log: every service records one entry per decision."""
from ..models import AuditLog
from .base import actor_label, actor_user


def log_action(action: str, *, actor, tournament=None, target=None, reason: str = "", metadata: dict | None = None) -> AuditLog:
    """Record who (``actor``) did what (``action`` code, e.g. ``registration.approve``) to which object,
    in which tournament, why (``reason``) and with which details (``metadata``, JSON)."""
    entry = build_entry(action, actor=actor, tournament=tournament, target=target, reason=reason, metadata=metadata)
    entry.save()
    return entry


def build_entry(action: str, *, actor, tournament=None, target=None, reason: str = "", metadata: dict | None = None) -> AuditLog:
    """The entry ``log_action`` would save, unsaved (bulk paths save many with one ``bulk_create``)."""
    return AuditLog(
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        action=action,
        tournament=tournament,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        reason=reason or "",
        metadata=metadata or {},
    )


def entries_for(obj):
    return AuditLog.objects.filter(target_type=obj._meta.model_name, target_id=str(obj.pk))
