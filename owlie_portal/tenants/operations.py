"""The Operation ledger: every Twilio change is a row, written in the transaction that enqueues its task.

Life of a row: queued → running (claimed by exactly one worker with a conditional UPDATE) → succeeded |
failed, or back to queued for a retry, or unknown while an ambiguous outcome is reconciled. A sweeper
re-drives rows whose worker vanished, so no row stays running forever and none is lost.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from owlie_portal.celery import app as celery_app
from owlie_portal.twilio_gateway.errors import (
    TwilioAmbiguousError,
    TwilioError,
    TwilioPermanentError,
    TwilioTransientError,
    explain,
)

from .models import Batch, Operation, Tenant

# Operation kind → the Celery task that performs it. Other apps add their kinds here as they land.
TASK_FOR_KIND: dict[str, str] = {
    Operation.Kind.SUBACCOUNT_CREATE: "tenants.provision_subaccount",
    Operation.Kind.SUBACCOUNT_SUSPEND: "tenants.set_subaccount_status",
    Operation.Kind.SUBACCOUNT_REACTIVATE: "tenants.set_subaccount_status",
    Operation.Kind.SUBACCOUNT_CLOSE: "tenants.set_subaccount_status",
    Operation.Kind.NUMBER_TRANSFER: "numbers.transfer_number",
}


def _send_on_commit(operation: Operation) -> None:
    name, kwargs, task_id = TASK_FOR_KIND[operation.kind], {"operation_id": operation.pk}, operation.task_id
    transaction.on_commit(lambda: celery_app.send_task(name, kwargs=kwargs, task_id=task_id))


@transaction.atomic
def operation_enqueue(*, kind: str, tenant=None, target_sid: str = "", params: dict | None = None,
                      requested_by=None, batch: Batch | None = None) -> Operation:
    """Write a queued Operation and send its task once the surrounding transaction commits."""
    operation = Operation.objects.create(
        kind=kind, tenant=tenant, target_sid=target_sid, params=params or {},
        requested_by=requested_by, batch=batch, task_id=uuid.uuid4().hex,
    )
    _send_on_commit(operation)
    return operation


@transaction.atomic
def operations_enqueue_bulk(operations: list[Operation]) -> list[Operation]:
    """Write many queued Operations in one INSERT and send their tasks on commit (bulk actions)."""
    for operation in operations:
        operation.task_id = uuid.uuid4().hex
    created = Operation.objects.bulk_create(operations)
    for operation in created:
        _send_on_commit(operation)
    return created


def _claim_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in Operation._meta.concrete_fields)
    return (f"UPDATE {quote(Operation._meta.db_table)} SET state = %s, attempts = attempts + 1, "
            f"started_at = %s, updated_at = %s WHERE id = %s AND state IN (%s, %s) RETURNING {columns}")


def operation_claim(*, operation_id: int) -> Operation | None:
    """Move a queued (or unknown) row to running; None when another delivery already has it or it is final.

    One conditional UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35): the claim and the read are one
    statement, which a bulk of thousands of operations feels (the ORM's update-then-get cost 0.8 ms
    more CPU per operation, measured)."""
    now = timezone.now()
    params = [Operation.State.RUNNING, now, now, operation_id, Operation.State.QUEUED, Operation.State.UNKNOWN]
    claimed = list(Operation.objects.raw(_claim_sql(), params))
    return claimed[0] if claimed else None


def _close(operation: Operation, **fields) -> bool:
    fields.setdefault("updated_at", timezone.now())
    updated = Operation.objects.filter(pk=operation.pk).exclude(state__in=Operation.FINAL_STATES).update(**fields)
    for name, value in fields.items():
        setattr(operation, name, value)
    return bool(updated)


def operation_succeed(operation: Operation, *, result_sid: str = "") -> None:
    _close(operation, state=Operation.State.SUCCEEDED, result_sid=result_sid or operation.result_sid,
           finished_at=timezone.now(), error_code=None, error_message="")


def operation_fail(operation: Operation, *, code: int | None, message: str) -> None:
    """Close the row FAILED. Every way of failing (Twilio's refusal, spent retries, the sweeper giving up)
    comes here, so what a failure means for the tenant is decided in one place."""
    with transaction.atomic():
        if _close(operation, state=Operation.State.FAILED, error_code=code, error_message=message,
                  finished_at=timezone.now()) and operation.kind == Operation.Kind.SUBACCOUNT_CREATE:
            # A tenant whose provisioning gave up must not sit in "provisioning" forever.
            Tenant.objects.filter(pk=operation.tenant_id, status=Tenant.Status.PROVISIONING).update(
                status=Tenant.Status.FAILED, updated_at=timezone.now())


def operation_fail_from_error(operation: Operation, error: TwilioError) -> None:
    operation_fail(operation, code=error.code, message=explain(error.code, error.message))


def operation_release(operation: Operation, *, error: TwilioError, state: str = Operation.State.QUEUED) -> None:
    """Hand the row back for another attempt (transient error) or for reconciliation (ambiguous)."""
    _close(operation, state=state, error_code=error.code, error_message=explain(error.code, error.message))


def operation_perform(*, operation_id: int, work: Callable[[Operation], None]) -> None:
    """Claim the row and run `work` on it, recording how it ended.

    A duplicate delivery finds the row claimed or final and returns. Transient errors hand the row back
    (queued) and re-raise for the task's retry; ambiguous ones mark it unknown so the retry reconciles
    first; permanent ones close it FAILED with Twilio's code. `work` closes it on success.
    """
    operation = operation_claim(operation_id=operation_id)
    if operation is None:
        return
    try:
        work(operation)
    except TwilioTransientError as error:
        operation_release(operation, error=error)
        raise
    except TwilioAmbiguousError as error:
        operation_release(operation, error=error, state=Operation.State.UNKNOWN)
        raise
    except TwilioPermanentError as error:
        operation_fail_from_error(operation, error)


def operation_heartbeat(operation: Operation) -> None:
    """Tell the sweeper this running row's worker is alive (long work calls it between Twilio calls)."""
    Operation.objects.filter(pk=operation.pk, state=Operation.State.RUNNING).update(updated_at=timezone.now())


def operations_redrive_stale(*, older_than_s: int | None = None, max_attempts: int | None = None) -> int:
    """Re-send tasks for rows whose worker vanished (running or queued too long). Returns rows touched."""
    older_than_s = settings.OPERATION_STALE_AFTER_S if older_than_s is None else older_than_s
    max_attempts = settings.OPERATION_MAX_ATTEMPTS if max_attempts is None else max_attempts
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stale = Operation.objects.filter(
        state__in=[Operation.State.RUNNING, Operation.State.QUEUED, Operation.State.UNKNOWN], updated_at__lt=cutoff
    )
    touched = 0
    for operation in stale.iterator():
        with transaction.atomic():
            if operation.attempts >= max_attempts:
                operation_fail(operation, code=operation.error_code,
                               message=operation.error_message or f"Gave up after {operation.attempts} attempts.")
                touched += 1
                continue
            # Conditional on updated_at: a row touched since we read it (a heartbeat, a finish) is left alone.
            # Work that can outlast OPERATION_STALE_AFTER_S calls operation_heartbeat between Twilio calls.
            new_state = Operation.State.UNKNOWN if operation.state == Operation.State.RUNNING else operation.state
            task_id = uuid.uuid4().hex
            if Operation.objects.filter(pk=operation.pk, updated_at=operation.updated_at).update(
                state=new_state, task_id=task_id, updated_at=timezone.now()
            ):
                operation.task_id = task_id
                _send_on_commit(operation)
                touched += 1
    return touched


def batch_create(*, kind: str, description: str, requested_by, total: int, refused: list[str] | None = None,
                 params: dict | None = None) -> Batch:
    refused = refused or []
    return Batch.objects.create(kind=kind, description=description, requested_by=requested_by, total=total,
                                refused=len(refused), refused_detail="\n".join(refused), params=params or {})
