"""Moving phone numbers between the parent and subaccounts. Each move is an Operation row."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from owlie_portal.tenants.models import Operation, Tenant
from owlie_portal.tenants.operations import operation_fail, operation_perform, operation_succeed
from owlie_portal.twilio_gateway import messaging, phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioError, TwilioPermanentError
from owlie_portal.twilio_gateway.records import PhoneNumberRecord

from .models import PhoneNumber


def _tenant_for(account_sid: str) -> Tenant | None:
    return None if account_sid == settings.TWILIO_ACCOUNT_SID else Tenant.objects.get(subaccount_sid=account_sid)


def _already_moved(operation: Operation) -> PhoneNumberRecord | None:
    """After a lost answer the number may already sit in the gaining account."""
    try:
        return phone_numbers.number_fetch(account_sid=operation.params["to"], number_sid=operation.target_sid)
    except TwilioPermanentError as error:
        if error.code == 20404:
            return None
        raise


def _leave_services(losing: Tenant | None, number_sid: str) -> None:
    # Whether Twilio requires this is unconfirmed (NOTES §5); taking the number out first is always safe.
    if losing is None:
        return
    for service in messaging.services_list(tenant=losing):
        messaging.service_remove_number(tenant=losing, service_sid=service.sid, number_sid=number_sid)


def _transfer(operation: Operation) -> None:
    moved = _already_moved(operation) if operation.attempts > 1 else None
    if moved is None:
        _leave_services(_tenant_for(operation.params["from"]), operation.target_sid)
        moved = phone_numbers.number_transfer(number_sid=operation.target_sid,
                                              from_account_sid=operation.params["from"],
                                              to_account_sid=operation.params["to"])
    with transaction.atomic():
        PhoneNumber.objects.update_or_create(
            sid=moved.sid,
            defaults={"phone_number": moved.phone_number, "tenant": _tenant_for(moved.account_sid),
                      "friendly_name": moved.friendly_name, "sms_capable": moved.sms, "mms_capable": moved.mms,
                      "voice_capable": moved.voice},
        )
        operation_succeed(operation, result_sid=moved.sid)


def operation_run_number_transfer(*, operation_id: int) -> None:
    """Perform a queued number.transfer Operation (claimed once; reconciles after a lost answer)."""
    operation_perform(operation_id=operation_id, work=_transfer)


def numbers_move_to_parent(*, tenant: Tenant, for_operation: Operation) -> int:
    """Move every number the subaccount holds at Twilio to the parent, inline, one Operation each.

    Reads Twilio rather than the portal's inventory, so numbers bought outside the portal are saved too.
    Raises the first error; numbers already moved stay moved and a retry only sees the rest."""
    held = phone_numbers.numbers_list(account_sid=tenant.subaccount_sid)
    for number in held:
        operation = Operation.objects.create(
            kind=Operation.Kind.NUMBER_TRANSFER, tenant=tenant, target_sid=number.sid,
            requested_by=for_operation.requested_by, batch=None, state=Operation.State.RUNNING, attempts=1,
            started_at=timezone.now(),
            params={"from": tenant.subaccount_sid, "to": settings.TWILIO_ACCOUNT_SID,
                    "phone_number": number.phone_number, "for_operation": for_operation.pk},
        )
        try:
            _transfer(operation)
        except TwilioError as error:
            # The close retries or fails as a whole; this row is closed now so it never dangles.
            operation_fail(operation, code=error.code,
                           message=f"{error.message} (while closing; operation #{for_operation.pk})")
            raise
    return len(held)
