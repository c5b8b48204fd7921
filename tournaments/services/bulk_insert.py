"""Inserting tens of thousands of rows quickly, history included.

Django's ``bulk_create`` compiles SQL value by value (``field_as_sql``/``get_db_prep_save`` for each
of ~600,000 values in a 10,000-row registration import) and that, not the database, was most of the
import's time. These helpers build plain parameter rows, adapt only JSON, datetimes (once per
distinct value), decimals and file names, and insert with multi-row ``INSERT … RETURNING`` (ids
needed) or ``executemany``. Like ``bulk_create`` they send no signals; ``insert_with_history``
writes the historical rows simple-history's ``bulk_create_with_history`` would (tested).
"""
from django.db import connection
from django.db.models import FileField
from django.utils import timezone

BATCH = 500


def insert_rows(model, objs, *, return_ids: bool = False):
    """``bulk_create`` without the ORM's per-value SQL compilation, which costs more than the insert
    itself at tens of thousands of rows (auto_now fields set; no signals, as with ``bulk_create``)."""
    if not objs:
        return objs
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for attname in stamped:
            setattr(obj, attname, now)
    names = [f.attname for f in fields]
    ids = _insert(model, fields, [[getattr(o, a) for a in names] for o in objs], return_ids=return_ids)
    for obj, pk in zip(objs, ids or []):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, "default"
    return objs


def insert_with_history(model, objs, *, user, reason: str):
    """``bulk_create_with_history`` through ``insert_rows``: the same historical rows ("+", the
    object's ``_change_reason`` — the transition that set its state — or ``reason``, the user, one date)."""
    insert_rows(model, objs, return_ids=True)
    history = model.history.model
    fields = [f for f in history._meta.concrete_fields if not f.primary_key]
    now, user_id = timezone.now(), (user.pk if user is not None else None)
    special = {"history_date": lambda o: now, "history_type": lambda o: "+", "history_user_id": lambda o: user_id,
               "history_change_reason": lambda o: getattr(o, "_change_reason", None) or reason}
    files = {f.attname for f in model._meta.concrete_fields if isinstance(f, FileField)}  # history keeps their names
    getters = []
    for f in fields:
        if f.attname in special:
            getters.append(special[f.attname])
        elif f.attname in files:
            getters.append(lambda o, a=f.attname: getattr(o, a).name or "")
        else:
            getters.append(lambda o, a=f.attname: getattr(o, a))
    _insert(history, fields, [[g(o) for g in getters] for o in objs])
    return objs


def _insert(model, fields, rows, *, return_ids: bool = False):
    ops, dates = connection.ops, {}

    def adapter(field):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return lambda v: ops.adapt_json_value(v, field.encoder)
        if kind == "DateTimeField":
            return lambda v: dates[v] if v in dates else dates.setdefault(v, ops.adapt_datetimefield_value(v))
        if kind in ("FileField", "ImageField"):
            return lambda v: v.name or ""
        if kind == "DecimalField":
            return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
        return None

    adapters = [(i, a) for i, a in enumerate(adapter(f) for f in fields) if a]
    for row in rows:
        for i, adapt in adapters:
            if row[i] is not None:
                row[i] = adapt(row[i])
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids = []
    with connection.cursor() as cursor:
        if not return_ids:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", rows)
            return None
        size = max(1, min(BATCH, 999 // len(fields)))
        pk = ops.quote_name(model._meta.pk.column)
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))} RETURNING {pk}",
                           [v for row in chunk for v in row])
            ids += [r[0] for r in cursor.fetchall()]
    return ids
