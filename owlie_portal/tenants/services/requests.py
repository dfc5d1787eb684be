""""Sync now" and "Import subaccounts" as Operations: who asked, when, and what came of it (counts)."""

from __future__ import annotations

from django.db import transaction

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_perform, operation_request_once, operation_succeed

from ..kinds import Kind
from .sync import tenants_import_from_twilio, tenants_sync_from_twilio


def tenants_sync_request(*, requested_by) -> tuple[Operation, bool]:
    """Ask for a sync from Twilio now; returns the Operation and whether it is new."""
    return operation_request_once(kind=Kind.SYNC, requested_by=requested_by)


def tenants_import_request(*, requested_by) -> tuple[Operation, bool]:
    """Ask for an import of subaccounts the portal does not know; returns the Operation and whether it is new."""
    return operation_request_once(kind=Kind.IMPORT, requested_by=requested_by)


def _sync(operation: Operation) -> None:
    report = tenants_sync_from_twilio()
    with transaction.atomic():
        operation_succeed(operation, result={"pages": report.pages, "seen": report.seen, "changed": report.changed,
                                             "drifts": report.drifts})


def _import(operation: Operation) -> None:
    imported = tenants_import_from_twilio(requested_by=operation.requested_by)
    with transaction.atomic():
        operation_succeed(operation, result={"imported": len(imported)})


def operation_run_sync(*, operation_id: int) -> None:
    """Perform a requested sync (reads only: safe to retry)."""
    operation_perform(operation_id=operation_id, work=_sync)


def operation_run_import(*, operation_id: int) -> None:
    """Perform a requested import (skips subaccounts already known: safe to retry)."""
    operation_perform(operation_id=operation_id, work=_import)
