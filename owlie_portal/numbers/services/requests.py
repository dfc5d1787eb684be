""""Sync numbers now" as an Operation: who asked, when, and what came of it (counts in `result`)."""

from __future__ import annotations

from django.db import transaction

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_perform, operation_request_once, operation_succeed

from ..kinds import Kind
from .inventory import numbers_sync_from_twilio


def numbers_sync_request(*, requested_by) -> tuple[Operation, bool]:
    """Ask for a number sync now; a second click joins the open one. Returns it and whether it is new."""
    return operation_request_once(kind=Kind.SYNC, requested_by=requested_by)


def _sync(operation: Operation) -> None:
    report = numbers_sync_from_twilio()
    with transaction.atomic():
        operation_succeed(operation, result={**report.as_dict(), "requested_by": str(operation.requested_by or "")})


def operation_run_numbers_sync(*, operation_id: int) -> None:
    """Perform a requested number sync (reads Twilio only: safe to retry)."""
    operation_perform(operation_id=operation_id, work=_sync)
