"""One-statement writes for the webhooks' hot path, without building a model instance.

A webhook writes two to four rows and must answer fast; the ORM's per-row save machinery (instance,
signals, SQL compiled per call) was most of its CPU time in benchmarks/webhooks.py. The SQL is built once
per model from its fields, values are prepared by the fields themselves (so encryption, time zones and
foreign keys behave as in the ORM), and every column gets its model default when not given.

A webhook's rows then go to PostgreSQL as one statement (`statements_run`): with BEGIN, a round trip per
row and COMMIT, a STOP cost 1.5 ms of Python and 0.70 ms of PostgreSQL CPU; as one statement 0.96 ms and
0.41 ms (measured in-process against the benchmark's data)."""

from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import sql as orm_sql
from django.utils import timezone

Statement = tuple[str, list]


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


def insert_statement(model, *, on_conflict: str = "", **values) -> Statement:
    """The INSERT of one row of `model`. `on_conflict` is appended as is (an ON CONFLICT clause;
    PostgreSQL and SQLite share its syntax)."""
    sql, fields = _plan(model)
    now, db = timezone.now(), connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: a lookup per use
    params = [field.get_db_prep_save(_value(field, values, now), db) for field in fields]
    return (f"{sql} {on_conflict}" if on_conflict else sql), params


def update_statement(model, *, where: dict, **values) -> Statement:
    """UPDATE the rows of `model` matching `where` (field=value; None is IS NULL, a list or tuple is IN)
    to `values`. Built from the fields, as INSERTs are: the ORM's query compiler was half a status
    callback's CPU time."""
    db, meta = connections[DEFAULT_DB_ALIAS], model._meta
    quote = db.ops.quote_name
    sets, conditions, params = [], [], []
    for name, value in values.items():
        field = meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(getattr(value, "pk", value), db))
    for name, value in where.items():
        field = meta.get_field(name)
        if value is None:
            conditions.append(f"{quote(field.column)} IS NULL")
        elif isinstance(value, (list, tuple)):
            conditions.append(f"{quote(field.column)} IN ({', '.join(['%s'] * len(value))})" if value else "FALSE")
            params += [field.get_db_prep_value(v, db) for v in value]
        else:
            conditions.append(f"{quote(field.column)} = %s")
            params.append(field.get_db_prep_value(getattr(value, "pk", value), db))
    return (f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}", params)


def queryset_update_statement(queryset, **values) -> Statement:
    """The UPDATE that `queryset.update(**values)` runs, compiled by the ORM (for conditions `update_statement`
    cannot say, such as an OR)."""
    query = queryset.query.chain(orm_sql.UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, list(params)


def statements_run(statements: list[Statement], *, savepoint: bool = True, resendable: bool = False) -> int:
    """Run `statements` all or nothing; returns the last one's row count. Raises django.db.IntegrityError
    like the ORM (e.g. a duplicate SID).

    On PostgreSQL they go as one statement, all but the last as data-modifying WITH clauses (each runs
    exactly once, whatever the others do; one failure undoes them all): one round trip, and outside a
    transaction no BEGIN / COMMIT either, a single statement being its own transaction. Inside a caller's
    transaction a savepoint keeps a failed statement from spoiling it (savepoint=False: the caller rolls
    back as a whole). SQLite cannot put an INSERT in a WITH clause: there they run one by one, atomically.

    resendable=True: sending the statements twice changes nothing more than once (the webhooks' rows are
    keyed on Twilio's SIDs), so outside a transaction they are their own connection health check."""
    if connection.vendor != "postgresql":
        with transaction.atomic(savepoint=savepoint), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
            return cursor.rowcount
    *first, (last_sql, _) = statements
    sql = "".join(f"{'WITH' if i == 0 else ','} w{i} AS ({s}) " for i, (s, _) in enumerate(first)) + last_sql
    params = [param for _, step in statements for param in step]
    if resendable and not connection.in_atomic_block:
        return _run_checking_connection(sql, params)
    block = transaction.atomic(savepoint=savepoint) if connection.in_atomic_block else nullcontext()
    with block, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _run_checking_connection(sql: str, params: list) -> int:
    """Send a resendable statement with no SELECT 1 before it; send it again on a new connection if the
    server had dropped the one this thread kept.

    CONN_HEALTH_CHECKS checks a connection reused from an earlier request with a round trip of its own
    before the request's first query. For a webhook that doubled its round trips, and under gunicorn's
    threads each round trip is a GIL hand-off: benchmarks/webhooks.py went from ratio 0.43-0.45 to
    0.52-0.56 without it. The statement checks the connection instead: if it fails and the connection is
    not usable, it is replaced and the statement sent once more, which is safe only because it is resendable
    (it may have been applied before the connection broke)."""
    connection.health_check_done = True  # this statement is the request's health check
    try:
        with _binding_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    except (OperationalError, InterfaceError):
        if connection.connection is None or connection.is_usable():
            raise  # no connection could be made, or it works and the statement itself failed
    connection.close()
    with _binding_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _binding_cursor():
    """A Django cursor (errors translated, queries logged under DEBUG) that sends the parameters beside the
    SQL, server-side binding, instead of quoting them into it: psycopg's client-side quoting of a STOP's 38
    values runs in Python and was a fifth of the webhook view's time under gunicorn (py-spy). Prepared
    statements stay off, as Django keeps them for connection poolers."""
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def upsert_clause(model, *, key: list[str], where: str, update: list[str]) -> str:
    """ON CONFLICT on a partial unique index (`key` columns, its `where` predicate): update `update`.

    One statement, so two first STOPs of the same recipient at once cannot collide."""
    return _upsert_clause(model, tuple(key), where, tuple(update))


@lru_cache(maxsize=None)
def _upsert_clause(model, key: tuple[str, ...], where: str, update: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in update]
    return (f"ON CONFLICT ({', '.join(quote(model._meta.get_field(k).column) for k in key)}) WHERE {where} "
            f"DO UPDATE SET {', '.join(f'{quote(c)} = excluded.{quote(c)}' for c in columns)}")
