"""One object's story: its history rows (field by field) and its audit entries, newest first.

History says *what* changed and by whom; the audit log says *which decision* and why. Organizers
investigating a dispute or a payment want both in one list.
"""
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from tournaments.services.audit import entries_for

HISTORY_LIMIT = 200


def _history_entries(obj):
    if not hasattr(obj, "history"):
        return []
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[:HISTORY_LIMIT])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        if older is None:
            changes = [(_("created"), "", "")]
        else:
            delta = newer.diff_against(older)
            changes = [(change.field, change.old, change.new) for change in delta.changes]
        entries.append({
            "when": newer.history_date, "kind": "history",
            "who": newer.history_user.get_username() if newer.history_user_id else _("system"),
            "what": newer.history_change_reason or newer.get_history_type_display(), "changes": changes, "reason": "",
            "details": [],
        })
    return entries


def _audit_entries(obj):
    return [{"when": e.created_at, "kind": "audit", "who": e.actor_label, "what": e.action, "reason": e.reason,
             "changes": [], "details": sorted(e.metadata.items()) if isinstance(e.metadata, dict) else []}
            for e in entries_for(obj).order_by("-created_at")[:HISTORY_LIMIT]]


def timeline_response(model_admin, request, obj):
    entries = sorted(_history_entries(obj) + _audit_entries(obj), key=lambda e: e["when"], reverse=True)
    context = {
        **model_admin.admin_site.each_context(request), "title": _("Timeline: %(obj)s") % {"obj": obj},
        "object": obj, "entries": entries, "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin_ui/timeline.html", context)
