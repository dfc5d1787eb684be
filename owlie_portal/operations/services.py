"""Writing the ledger: enqueue, claim, close (conditional on the claim), perform. See the package docstring."""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Callable

from django.db import connection, transaction
from django.utils import timezone

from owlie_portal.errors import DomainError
from owlie_portal.row_updates import rows_update
from owlie_portal.twilio_gateway.errors import (
    TwilioAmbiguousError,
    TwilioError,
    TwilioPermanentError,
    TwilioTransientError,
    explain,
)

from . import dispatch
from .models import Batch, Operation
from .registry import kind_entry

logger = logging.getLogger(__name__)
State = Operation.State


class ClaimLost(Exception):
    """This worker's claim was taken over (the sweeper re-drove the row): stop and change nothing."""


class OperationInterrupted(Exception):
    """Work stopped on an error of the portal's own (database, Redis, a bug): Twilio's side is unknown,
    so the row waits in `unknown` and the next attempt reconciles before acting."""


@transaction.atomic
def operation_enqueue(*, kind: str, tenant=None, target_sid: str = "", params: dict | None = None,
                      requested_by=None, batch: Batch | None = None) -> Operation:
    """Write a queued Operation and send its task once the surrounding transaction commits."""
    kind_entry(kind)  # an unregistered kind is a programming error: refuse before writing
    operation = Operation.objects.create(
        kind=kind, tenant=tenant, target_sid=target_sid, params=params or {},
        requested_by=requested_by, batch=batch, task_id=uuid.uuid4().hex,
    )
    dispatch.operation_dispatch_on_commit(operation)
    return operation


@transaction.atomic
def operations_enqueue_batch(*, batch: Batch, operations: list[Operation]) -> list[Operation]:
    """Write a batch's Operations in one INSERT; one broker message on commit sends them from a worker.

    The request's cost stays flat per item (no broker round trip per Operation)."""
    now = timezone.now()
    for operation in operations:
        kind_entry(operation.kind)
        operation.task_id = uuid.uuid4().hex
        operation.batch = batch
        operation.created_at = operation.updated_at = now
    if connection.vendor == "postgresql" and operations:
        _insert_postgresql(operations)
    else:
        Operation.objects.bulk_create(operations, batch_size=1000)
    dispatch.batch_dispatch_on_commit(batch)
    return operations


# Only what a new queued row can differ in; every other column is the same for the whole batch.
_INSERT_COLUMNS = {"kind": "text", "tenant_id": "bigint", "target_sid": "text", "params": "jsonb",
                   "requested_by_id": "bigint", "parent_id": "bigint", "task_id": "text"}


def _insert_postgresql(operations: list[Operation]) -> None:
    """INSERT … SELECT FROM unnest(one array per varying column), bound server-side in binary.

    Measured at 5,000 rows (the bulk request must stay under a second): `bulk_create` spent about 1 s
    preparing 19 fields per row and quoting them client-side (Django's psycopg default); here each
    varying column is one array and the database fills the constant ones."""
    from psycopg import Cursor
    from psycopg.types.json import Jsonb

    def value(operation: Operation, name: str):
        return Jsonb(operation.params or {}) if name == "params" else getattr(operation, name)

    arrays = [[value(operation, name) for operation in operations] for name in _INSERT_COLUMNS]
    names = ", ".join(_INSERT_COLUMNS)
    unnest = ", ".join(f"%b::{kind}[]" for kind in _INSERT_COLUMNS.values())
    sql = (f"INSERT INTO {Operation._meta.db_table} ({names}, state, result, batch_id, attempts, error_message, "
           f"result_sid, created_at, updated_at) SELECT {names}, %s, '{{}}', %s, 0, '', '', %s, %s "
           f"FROM unnest({unnest}) AS item({names}) RETURNING id, task_id")
    first = operations[0]
    connection.ensure_connection()
    with Cursor(connection.connection) as cursor:  # Django's cursor binds client-side
        cursor.execute(sql, [Operation.State.QUEUED, first.batch_id, first.created_at, first.updated_at, *arrays])
        ids = {task_id: pk for pk, task_id in cursor.fetchall()}
    for operation in operations:
        operation.pk, operation.state = ids[operation.task_id], Operation.State.QUEUED
        operation._state.adding, operation._state.db = False, connection.alias


@transaction.atomic
def operation_request_once(*, kind: str, requested_by, tenant=None, target_sid: str = "",
                           params: dict | None = None) -> tuple[Operation, bool]:
    """An on-demand request ("Sync now"): joins the open Operation of this kind (and tenant) if there is
    one, so a second click starts nothing new; otherwise enqueues one. Returns it and whether it is new."""
    open_request = (Operation.objects.select_for_update()
                    .filter(kind=kind, tenant=tenant, state__in=Operation.OPEN_STATES).first())
    if open_request is not None:
        return open_request, False
    return operation_enqueue(kind=kind, tenant=tenant, target_sid=target_sid, params=params,
                             requested_by=requested_by), True


def batch_create(*, kind: str, description: str, requested_by, total: int, refused: list[str] | None = None,
                 params: dict | None = None) -> Batch:
    refused = refused or []
    return Batch.objects.create(kind=kind, description=description, requested_by=requested_by, total=total,
                                refused=len(refused), refused_detail="\n".join(refused), params=params or {})


# The claims' statements are built once per backend (vendor): a claim runs once per Operation.
def _returning() -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in Operation._meta.concrete_fields)


@lru_cache(maxsize=4)
def _claim_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (f"UPDATE {quote(Operation._meta.db_table)} SET state = %s, attempts = attempts + 1, "
            f"started_at = %s, updated_at = %s WHERE id = %s AND state IN (%s, %s) RETURNING {_returning()}")


@lru_cache(maxsize=4)
def _claim_next_sql(vendor: str) -> str:
    table = connection.ops.quote_name(Operation._meta.db_table)
    return (f"UPDATE {table} SET state = %s, attempts = attempts + 1, started_at = %s, updated_at = %s, "
            f"dispatched_at = %s WHERE id = (SELECT id FROM {table} WHERE batch_id = %s AND dispatched_at IS NULL "
            f"AND parent_id IS NULL AND state IN (%s, %s) AND attempts < %s LIMIT 1 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {_returning()}")


# A row a batch lane claimed for the task body it is about to call in this thread (lanes.py): that body's
# own claim takes it instead of claiming again.
_claimed_for_this_call: ContextVar[Operation | None] = ContextVar("claimed_for_this_call", default=None)


def operation_claim(*, operation_id: int) -> Operation | None:
    """Move a queued (or unknown) row to running; None when another delivery already has it or it is final.

    One conditional UPDATE … RETURNING: the claim and the read are one statement. The returned row's
    `attempts` is the claim every later write of this worker is conditional on."""
    claimed = _claimed_for_this_call.get()
    if claimed is not None and claimed.pk == operation_id:
        _claimed_for_this_call.set(None)
        return claimed
    now = timezone.now()
    params = [State.RUNNING, now, now, operation_id, State.QUEUED, State.UNKNOWN]
    return _claimed_row(_claim_sql(connection.vendor), params)


def operation_claim_next_of_batch(*, batch_id: int, max_attempts: int) -> Operation | None:
    """Claim the batch's next open row that no lane or message has taken (stamping `dispatched_at`), or None.

    PostgreSQL: one UPDATE whose row is picked with SKIP LOCKED, so lanes never wait on each other or
    take the same row. SQLite (one writer at a time): pick a row, then the ordinary conditional claim."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        params = [State.RUNNING, now, now, now, batch_id, State.QUEUED, State.UNKNOWN, max_attempts]
        return _claimed_row(_claim_next_sql(connection.vendor), params)
    untaken = Operation.objects.filter(batch_id=batch_id, dispatched_at__isnull=True, parent__isnull=True,
                                       state__in=(State.QUEUED, State.UNKNOWN), attempts__lt=max_attempts)
    while (pk := untaken.order_by().values_list("pk", flat=True).first()) is not None:
        if Operation.objects.filter(pk=pk, dispatched_at__isnull=True).update(dispatched_at=now):
            claimed = operation_claim(operation_id=pk)
            if claimed is not None:
                return claimed
    return None


@contextmanager
def operation_claimed_for_call(operation: Operation):
    """Within this block, the task body's own claim of `operation` takes the row already claimed."""
    token = _claimed_for_this_call.set(operation)
    try:
        yield
    finally:
        if _claimed_for_this_call.get() is operation:  # a body that never claimed: a programming error
            logger.error("operation %s: claimed for a task body that did not take it; the sweeper re-drives it",
                         operation.pk)
        _claimed_for_this_call.reset(token)


def _claimed_row(sql: str, params: list) -> Operation | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    # The columns in concrete-field order, converted as the ORM's own reads convert them.
    values = [_convert(value, converters) for value, converters in zip(row, _claim_converters(connection.vendor))]
    return Operation.from_db(connection.alias, _claim_attnames(), values)


@lru_cache(maxsize=1)
def _claim_attnames() -> tuple[str, ...]:
    return tuple(field.attname for field in Operation._meta.concrete_fields)


@lru_cache(maxsize=4)
def _claim_converters(vendor: str) -> list[list]:
    """Per column of the claim's RETURNING: the backend's converters, then the field's (the ORM's order)."""
    columns = [field.get_col(Operation._meta.db_table) for field in Operation._meta.concrete_fields]
    return [[(converter, column) for converter in (*connection.ops.get_db_converters(column),
                                                   *column.get_db_converters(connection))]
            for column in columns]


def _convert(value, converters):
    for converter, column in converters:
        value = converter(value, column, connection)
    return value


def _write_under_claim(operation: Operation, **fields) -> bool:
    """Write `fields` only while this worker's claim holds (running, same attempt). True if it won."""
    fields.setdefault("updated_at", timezone.now())
    won = rows_update(Operation, where={"pk": operation.pk, "state": State.RUNNING, "attempts": operation.attempts},
                      values=fields)
    if won:
        for name, value in fields.items():
            setattr(operation, name, value)
    else:
        logger.warning("operation %s: claim of attempt %s was taken over; this worker changes nothing",
                       operation.pk, operation.attempts)
    return bool(won)


def operation_succeed(operation: Operation, *, result_sid: str = "", result: dict | None = None) -> bool:
    """Close the row SUCCEEDED if this worker still holds its claim. Callers write their own effects
    (the tenant's new status) in the same transaction, and only when this returns True."""
    return _write_under_claim(operation, state=State.SUCCEEDED, result_sid=result_sid or operation.result_sid,
                              result=result if result is not None else operation.result,
                              finished_at=timezone.now(), error_code=None, error_message="")


def _failed(operation: Operation, won: bool) -> bool:
    entry = kind_entry(operation.kind)
    if won and entry.on_failed is not None:
        entry.on_failed(operation)
    return won


def operation_fail(operation: Operation, *, code: int | None, message: str) -> bool:
    """Close the row FAILED under this worker's claim; the kind's on_failed hook runs in the same
    transaction. Every way an Operation fails for good ends in `_failed`."""
    with transaction.atomic():
        won = _write_under_claim(operation, state=State.FAILED, error_code=code, error_message=message,
                                 finished_at=timezone.now())
        return _failed(operation, won)


def operation_fail_unclaimed(operation: Operation, *, code: int | None, message: str) -> bool:
    """Fail a row as read (retries spent, the sweeper giving up on a stale row): conditional on the row
    being exactly as read — same state, same attempt, untouched since — so a heartbeat, a finish or a new
    claim in between wins. A worker still running under the old claim then loses its own close."""
    with transaction.atomic():
        won = Operation.objects.filter(
            pk=operation.pk, state=operation.state, attempts=operation.attempts, updated_at=operation.updated_at,
        ).exclude(state__in=Operation.FINAL_STATES).update(
            state=State.FAILED, error_code=code, error_message=message, finished_at=timezone.now(),
            updated_at=timezone.now())
        return _failed(operation, bool(won))


def operation_fail_from_error(operation: Operation, error: TwilioError) -> bool:
    return operation_fail(operation, code=error.code, message=explain(error.code, error.message))


def operation_release(operation: Operation, *, code: int | None, message: str, state: str = State.QUEUED) -> bool:
    """Hand the row back for another attempt (transient error) or for reconciliation (unknown)."""
    return _write_under_claim(operation, state=state, error_code=code, error_message=message)


def operation_heartbeat(operation: Operation) -> None:
    """Tell the sweeper this worker is alive (long work calls it between Twilio calls); raises ClaimLost
    when the row was re-driven meanwhile, so the work stops before its next Twilio call."""
    if not Operation.objects.filter(pk=operation.pk, state=State.RUNNING, attempts=operation.attempts).update(
            updated_at=timezone.now()):
        raise ClaimLost(f"operation {operation.pk}: attempt {operation.attempts} no longer holds the claim")


def operation_perform(*, operation_id: int, work: Callable[[Operation], None]) -> None:
    """Claim the row and run `work` on it, recording how it ended.

    A duplicate delivery finds the row claimed or final and returns. Transient errors hand the row back
    (queued) and re-raise for the task's retry; ambiguous ones and the portal's own errors mark it unknown
    so the retry reconciles first; permanent ones close it FAILED with Twilio's code. `work` closes it on
    success through `operation_succeed`.
    """
    operation = operation_claim(operation_id=operation_id)
    if operation is None:
        return
    try:
        work(operation)
    except ClaimLost as lost:
        logger.warning("%s; its result is left to the attempt that holds the claim", lost)
    except TwilioTransientError as error:
        operation_release(operation, code=error.code, message=explain(error.code, error.message))
        raise
    except TwilioAmbiguousError as error:
        operation_release(operation, code=error.code, message=explain(error.code, error.message),
                          state=State.UNKNOWN)
        raise
    except TwilioPermanentError as error:
        operation_fail_from_error(operation, error)
        logger.info("operation %s (%s) failed: Twilio error %s", operation.pk, operation.kind, error.code)
    except Exception as error:
        _release_after_internal_error(operation, error)
        raise OperationInterrupted(f"operation {operation.pk}: {type(error).__name__}") from error


def _release_after_internal_error(operation: Operation, error: Exception) -> None:
    logger.warning("operation %s (%s) interrupted by %s; it will be reconciled with Twilio and retried",
                   operation.pk, operation.kind, type(error).__name__)
    try:
        operation_release(operation, code=None, state=State.UNKNOWN,
                          message="Interrupted by an internal error; Twilio is checked before it is retried.")
    except Exception:  # the database itself may be the thing that is down: the sweeper finds the row later
        logger.warning("operation %s: could not record the interruption; the sweeper will re-drive it",
                       operation.pk)


@transaction.atomic
def batch_retry_failed(*, batch: Batch, requested_by) -> Batch:
    """A new batch re-asking for every failed item of `batch`; the kind's own retry refuses what is no
    longer allowed, the default re-enqueues each failed Operation as it was."""
    entry = kind_entry(batch.kind)
    if entry.retry is not None:
        return entry.retry(batch=batch, requested_by=requested_by)
    failed = list(batch.operations.filter(state=State.FAILED, parent__isnull=True).order_by("pk"))
    if not failed:
        raise DomainError("This batch has no failed items to retry.")
    retry = batch_create(kind=batch.kind, description=f"Retry of batch #{batch.pk}: {entry.label}",
                         requested_by=requested_by, total=len(failed), params=batch.params)
    operations_enqueue_batch(batch=retry, operations=[
        Operation(kind=op.kind, tenant_id=op.tenant_id, target_sid=op.target_sid, params=op.params,
                  requested_by=requested_by) for op in failed])
    return retry
