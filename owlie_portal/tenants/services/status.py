"""Performing a suspend / reactivate / close Operation against Twilio and writing the result back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from owlie_portal.numbers.services import numbers_delete_released, numbers_move_to_parent
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_perform, operation_succeed
from owlie_portal.row_updates import rows_update
from owlie_portal.twilio_gateway import accounts as twilio_accounts

from ..kinds import Kind
from ..models import Tenant
from ..rules import TARGET_STATUS


def _apply(operation: Operation, status: str) -> None:
    """Close the Operation and write the tenant's new status together — only if this worker's claim
    still holds, so a worker overtaken by the sweeper leaves both alone."""
    fields = {"status": status, "last_synced_at": timezone.now(), "updated_at": timezone.now()}
    if status == Tenant.Status.SUSPENDED:
        fields.update(suspension_reason=operation.params.get("reason", ""),
                      suspension_note=operation.params.get("note", ""))
    elif status == Tenant.Status.ACTIVE:
        fields.update(suspension_reason="", suspension_note="")
    elif status == Tenant.Status.CLOSED:
        # A closed subaccount's credentials open nothing any more: keep no secret we no longer need.
        fields.update(auth_token="", api_key_sid="", api_key_secret="")
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=operation.target_sid):
            return
        rows_update(Tenant, where={"pk": operation.tenant_id}, values=fields)
        if status == Tenant.Status.CLOSED:
            numbers_delete_released(tenant_id=operation.tenant_id)


def _prepare(operation: Operation) -> None:
    """Before closing, move the subaccount's numbers to the parent when the person asked for it."""
    if operation.kind == Kind.SUBACCOUNT_CLOSE and operation.params.get("move_numbers_first"):
        numbers_move_to_parent(tenant=operation.tenant, for_operation=operation)


def _already_applied(operation: Operation) -> bool:
    """On a retry, whether Twilio made the change though its answer was lost.

    Repeating the update is not harmless for a close: a closed account answers 21479 to any status change."""
    if operation.attempts <= 1:
        return False
    return twilio_accounts.subaccount_fetch(sid=operation.target_sid).status == TARGET_STATUS[operation.kind]


def _change_status(operation: Operation) -> None:
    if _already_applied(operation):
        _apply(operation, TARGET_STATUS[operation.kind])
        return
    _prepare(operation)
    record = twilio_accounts.subaccount_set_status(sid=operation.target_sid, status=TARGET_STATUS[operation.kind])
    _apply(operation, record.status)


def operation_run_status_change(*, operation_id: int) -> None:
    """Set the subaccount's status at Twilio; on success the tenant and the Operation close together."""
    operation_perform(operation_id=operation_id, work=_change_status)
