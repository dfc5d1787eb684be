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


def row_insert(model, *, on_conflict: str = "", **values) -> None:
    """INSERT one row of `model`; raises django.db.IntegrityError like the ORM (e.g. a duplicate SID).
    `on_conflict` is appended as is (an ON CONFLICT clause; PostgreSQL and SQLite share its syntax)."""
    sql, fields = _plan(model)
    now = timezone.now()
    params = [field.get_db_prep_save(_value(field, values, now), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {on_conflict}" if on_conflict else sql, params)


def upsert_clause(model, *, key: list[str], where: str, update: list[str]) -> str:
    """ON CONFLICT on a partial unique index (`key` columns, its `where` predicate): update `update`.

    One statement, so two first STOPs of the same recipient at once cannot collide."""
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in update]
    return (f"ON CONFLICT ({', '.join(quote(model._meta.get_field(k).column) for k in key)}) WHERE {where} "
            f"DO UPDATE SET {', '.join(f'{quote(c)} = excluded.{quote(c)}' for c in columns)}")
