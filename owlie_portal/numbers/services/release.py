"""Releasing a phone number (giving it back to Twilio), as a `number.release` Operation.

A number in a Messaging Service is refused unless the person asked to take it out first; that removal
uses the owning account's own credentials (messaging.twilio.com, docs/twilio-behaviour.md §5).

On success the inventory row is deleted, not kept as "released": the Operation row is the ledger (who,
when, which number and account), and a kept row would hold the number's unique E.164 form, so the same
number bought again later (Twilio recycles released numbers) could not be recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import (
    operation_enqueue,
    operation_fail,
    operation_heartbeat,
    operation_perform,
    operation_succeed,
)
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import SECRET_FIELDS
from owlie_portal.twilio_gateway import messaging, phone_numbers
from owlie_portal.twilio_gateway.records import SubaccountCredentials

from ..kinds import Kind
from ..models import PhoneNumber


def number_release_check(*, number: PhoneNumber, remove_from_service: bool = False) -> None:
    """Raise DomainError with the reason when the number may not be released now."""
    if number.status != PhoneNumber.Status.ACTIVE:
        raise DomainError(f"{number.phone_number} is {number.get_status_display().lower()}; it cannot be released now.")
    if Operation.objects.filter(kind__startswith="number.", target_sid=number.sid,
                                state__in=Operation.OPEN_STATES).exists():
        raise DomainError(f"{number.phone_number} has an operation in progress; wait for it to finish.")
    if number.messaging_service_id and not remove_from_service:
        raise DomainError(f"{number.phone_number} is a sender of the Messaging Service "
                          f"“{number.messaging_service}”. Tick “remove it from the service first” to release it.")


@transaction.atomic
def number_release_request(*, number: PhoneNumber, requested_by, remove_from_service: bool = False) -> Operation:
    """Ask to release `number`. Refused with a sentence (nothing written) when not allowed."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
    number = (PhoneNumber.objects.select_for_update(of=("self",)).select_related("messaging_service", "tenant")
              .defer(*(f"tenant__{name}" for name in SECRET_FIELDS)).get(pk=number.pk))
    number_release_check(number=number, remove_from_service=remove_from_service)
    service = number.messaging_service
    return operation_enqueue(
        kind=Kind.RELEASE, tenant=number.tenant, target_sid=number.sid, requested_by=requested_by,
        params={"phone_number": number.phone_number,
                "account_sid": number.tenant.subaccount_sid if number.tenant_id else settings.TWILIO_ACCOUNT_SID,
                "service_sid": service.sid if service and remove_from_service else ""})


def _owner_credentials(operation: Operation) -> SubaccountCredentials:
    if operation.tenant_id is None:
        return SubaccountCredentials(account_sid=settings.TWILIO_ACCOUNT_SID, auth_token=settings.TWILIO_AUTH_TOKEN)
    return tenant_credentials(operation.tenant)


def _release(operation: Operation) -> None:
    params = operation.params
    if params.get("service_sid"):
        # Removing twice is harmless (20404 → False), so a retry simply repeats it.
        messaging.service_remove_number(credentials=_owner_credentials(operation), service_sid=params["service_sid"],
                                        number_sid=operation.target_sid)
        operation_heartbeat(operation)
    released = phone_numbers.number_release(account_sid=params["account_sid"], number_sid=operation.target_sid)
    if not released and operation.attempts == 1:
        operation_fail(operation, code=20404, message=f"Twilio does not hold {params['phone_number']} in that "
                       "account any more; nothing was released. Sync numbers to see where it is.")
        return
    with transaction.atomic():
        if operation_succeed(operation, result_sid=operation.target_sid, result={"released": True}):
            PhoneNumber.objects.filter(sid=operation.target_sid).delete()


def operation_run_number_release(*, operation_id: int) -> None:
    """Perform a queued number.release Operation (a retry after a lost answer finds it gone: done)."""
    operation_perform(operation_id=operation_id, work=_release)
