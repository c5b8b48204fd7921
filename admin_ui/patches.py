"""Narrow performance fixes for the admin libraries, applied once at start-up.

unfold 0.91's ``items_for_result`` calls ``result_headers(cl)`` for every row to label cells, so a
100-row page with 9 columns computes every header 100 times (≈40% of a changelist's server time at
event scale). The headers of one changelist never change while it renders, so they are computed once
per ``ChangeList`` and reused; their texts (lazy translations, written into every cell's
``data-label``) are translated once there instead of once per cell.

It also renders a template for every status badge (``display_for_label``), although a badge's HTML
depends only on its (value, text, colour) — three badge columns on 100 rows were ~300 template
renders. Rendered badges are memoised by those inputs (bounded; values are plain strings, lazy texts
are translated first so the key is the text shown). Re-check both on any unfold upgrade (the fixes
key on the function names).

Each cell of a column computed by the model admin (``participant``, ``status_badge``…) first asks
the model for a field of that name (``lookup_field``), which fails by raising and catching three
exceptions per cell. Which names are model-admin columns never changes, so after the first such
lookup the admin's method is called directly (what Django does next anyway).

Django's ``AdminSite.each_context`` builds the whole app list (every registered model, permission
checks, sorting) for the ``available_apps`` variable of every admin page. With unfold's sidebar
navigation (``SIDEBAR["navigation"]``) a page only reads it when ``show_all_applications`` is on, so
``available_apps`` is handed over as a lazy list built on first use (same content, same order).
"""
from contextvars import ContextVar
from functools import lru_cache

from django.contrib.admin.sites import AdminSite
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.safestring import mark_safe
from unfold.templatetags import unfold_list

_original_result_headers = unfold_list.result_headers


def _memoized_result_headers(cl):
    cached = getattr(cl, "_command_center_headers", None)
    if cached is None:
        cached = []
        for header in _original_result_headers(cl):
            if isinstance(header.get("text"), Promise):
                header = {**header, "text": str(header["text"])}
            cached.append(header)
        cl._command_center_headers = cached
    return iter(cached)


_original_display_for_label = unfold_list.display_for_label


@lru_cache(maxsize=4096)
def _cached_label(value, empty_value_display, label_items):
    label = dict(label_items) if label_items is not None else None  # only a dict label changes the output
    return str(_original_display_for_label(value, empty_value_display, label))


_label_keys = {}  # id(label dict) -> (the dict, its items as a hashable key); labels are module constants


def _label_key(label):
    if not isinstance(label, dict):
        return None
    known = _label_keys.get(id(label))
    if known is None or known[0] is not label or len(known[1]) != len(label):
        known = (label, tuple(sorted(label.items())))
        if len(_label_keys) < 1024:
            _label_keys[id(label)] = known
    return known[1]


def _plain(value):
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, tuple) and any(isinstance(part, Promise) for part in value):
        return tuple(str(part) if isinstance(part, Promise) else part for part in value)
    return value


def _memoized_display_for_label(value, empty_value_display, label):
    try:
        return mark_safe(_cached_label(_plain(value), str(empty_value_display), _label_key(label)))
    except TypeError:  # an unhashable value: render it as unfold does
        return _original_display_for_label(value, empty_value_display, label)


_original_lookup_field = unfold_list.lookup_field
_admin_columns = set()  # (model, name): ``name`` is no model field but a model-admin attribute


def _lookup_field(name, obj, model_admin=None):
    if isinstance(name, str) and (type(obj), name) in _admin_columns and hasattr(model_admin, name):
        attr = getattr(model_admin, name)
        return None, attr, attr(obj)
    field, attr, value = _original_lookup_field(name, obj, model_admin)
    if (field is None and isinstance(name, str) and name != "__str__" and hasattr(model_admin, name)
            and len(_admin_columns) < 4096):
        _admin_columns.add((type(obj), name))  # Django took its model-admin branch for this name
    return field, attr, value


_in_each_context = ContextVar("command_center_in_each_context", default=False)
_original_each_context = AdminSite.each_context
_original_get_app_list = AdminSite.get_app_list


def _each_context(self, request):
    token = _in_each_context.set(True)
    try:
        return _original_each_context(self, request)
    finally:
        _in_each_context.reset(token)


def _get_app_list(self, request, app_label=None):
    if _in_each_context.get():  # only each_context's ``available_apps`` is deferred
        return SimpleLazyObject(lambda: _original_get_app_list(self, request, app_label))
    return _original_get_app_list(self, request, app_label)


def apply():
    if unfold_list.result_headers is not _memoized_result_headers:
        unfold_list.result_headers = _memoized_result_headers
    if unfold_list.display_for_label is not _memoized_display_for_label:
        unfold_list.display_for_label = _memoized_display_for_label
    if unfold_list.lookup_field is not _lookup_field:
        unfold_list.lookup_field = _lookup_field
    if AdminSite.each_context is not _each_context:
        AdminSite.each_context = _each_context
        AdminSite.get_app_list = _get_app_list
