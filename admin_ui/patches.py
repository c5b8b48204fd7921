"""Narrow performance fixes for the admin libraries, applied once at start-up.

unfold 0.91's ``items_for_result`` calls ``result_headers(cl)`` for every row to label cells, so a
100-row page with 9 columns computes every header 100 times (≈40% of a changelist's server time at
event scale). The headers of one changelist never change while it renders, so they are computed once
per ``ChangeList`` and reused.

It also renders a template for every status badge (``display_for_label``), although a badge's HTML
depends only on its (value, text, colour) — three badge columns on 100 rows were ~300 template
renders. Rendered badges are memoised by those inputs (bounded; values are plain strings). Re-check
both on any unfold upgrade (the fixes key on the function names).
"""
from functools import lru_cache

from django.utils.safestring import mark_safe
from unfold.templatetags import unfold_list

_original_result_headers = unfold_list.result_headers


def _memoized_result_headers(cl):
    cached = getattr(cl, "_command_center_headers", None)
    if cached is None:
        cached = list(_original_result_headers(cl))
        cl._command_center_headers = cached
    return iter(cached)


_original_display_for_label = unfold_list.display_for_label


@lru_cache(maxsize=4096)
def _cached_label(value, empty_value_display, label_items):
    label = dict(label_items) if label_items is not None else None  # only a dict label changes the output
    return str(_original_display_for_label(value, empty_value_display, label))


def _memoized_display_for_label(value, empty_value_display, label):
    label_items = tuple(sorted(label.items())) if isinstance(label, dict) else None
    try:
        return mark_safe(_cached_label(value, str(empty_value_display), label_items))
    except TypeError:  # an unhashable value: render it as unfold does
        return _original_display_for_label(value, empty_value_display, label)


def apply():
    if unfold_list.result_headers is not _memoized_result_headers:
        unfold_list.result_headers = _memoized_result_headers
    if unfold_list.display_for_label is not _memoized_display_for_label:
        unfold_list.display_for_label = _memoized_display_for_label
