"""One-statement INSERTs for the webhooks' hot path, without building a model instance.

A webhook writes two to four rows and must answer fast; the ORM's per-row save machinery (instance,
signals, SQL compiled per call) was most of its CPU time in benchmarks/webhooks.py. The SQL is built once
per model from its fields, values are prepared by the fields themselves (so encryption, time zones and
foreign keys behave as in the ORM), and every column gets its model default when not given."""

from __future__ import annotations

from functools import lru_cache

from django.db import connection
from django.utils import timezone


@lru_cache(maxsize=None)
def _plan(model) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", fields


def _value(field, values: dict, now):
    if field.name in values:
        value = values[field.name]
        return getattr(value, "pk", value)  # a model instance for a foreign key
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def row_insert(model, **values) -> None:
    """INSERT one row of `model`; raises django.db.IntegrityError like the ORM (e.g. a duplicate SID)."""
    sql, fields = _plan(model)
    now = timezone.now()
    params = [field.get_db_prep_save(_value(field, values, now), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
