"""The steps of one number move, shared by a move people ask for and by a tenant close.

check where Twilio has it → leave the source's Messaging Service (source credentials) → transfer (parent
credentials, `AccountSid` = gaining account) → verify owner and URLs at Twilio (restore them if lost) →
join the target's default Messaging Service (target credentials; optional) → record it in the inventory.

Each finished step is written into the Operation's `result["steps"]` under the claim, so a failure
part-way shows how far the move got, and the next attempt (or a resume, which copies the steps) starts
at the first unfinished one. A step that changes something at Twilio first writes "<step>_sent": an
attempt that finds it looks at Twilio before repeating (docs/twilio-behaviour.md §5: a second transfer
answers 20404; a lost add to a service is found by reading the membership).
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from owlie_portal.messaging.models import MessagingService
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import ClaimLost, operation_succeed
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import messaging, phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioPermanentError
from owlie_portal.twilio_gateway.records import PhoneNumberRecord

from ..models import PhoneNumber

CHECKED, LEFT, TRANSFER_SENT, TRANSFERRED = "checked", "left_service", "transfer_sent", "transferred"
VERIFIED, JOIN_SENT, JOINED = "verified", "join_sent", "joined_service"
# What people read on the number's page for each finished step.
STEP_LABELS = {CHECKED: "Checked at Twilio", LEFT: "Left the source Messaging Service",
               TRANSFER_SENT: "Transfer sent", TRANSFERRED: "Transferred", VERIFIED: "Owner and URLs verified",
               JOIN_SENT: "Adding to the target's service", JOINED: "Added to the target's Messaging Service"}
URL_FIELDS = ("sms_url", "sms_method", "voice_url", "voice_method", "status_callback")


class MoveRefused(TwilioPermanentError):
    """Twilio's state says the move must not go on (the number is not where the portal believed)."""


def tenant_for_account(account_sid: str) -> Tenant | None:
    """The tenant owning a subaccount SID; None for the parent account."""
    return None if account_sid == settings.TWILIO_ACCOUNT_SID else Tenant.objects.get(subaccount_sid=account_sid)


def account_label(account_sid: str) -> str:
    tenant = Tenant.objects.filter(subaccount_sid=account_sid).only("name").first()
    return "the parent account" if account_sid == settings.TWILIO_ACCOUNT_SID else \
        (tenant.name if tenant else account_sid)


def steps_done(operation: Operation) -> list[str]:
    return list((operation.result or {}).get("steps", []))


def step_labels(operation: Operation) -> list[str]:
    """The finished steps as people read them on the number's page and the resume page."""
    in_none = not (operation.result or {}).get("left_service")
    return ["Was in no source Messaging Service" if step == LEFT and in_none else STEP_LABELS.get(step, step)
            for step in steps_done(operation)]


def _mark(operation: Operation, step: str, *, save: bool = False, **extra) -> None:
    """Record one finished step. Steps are kept in memory and written (under the claim) with the next
    `save`: before every change that must not be repeated blindly ("<step>_sent"), when the move ends
    (the close of the Operation writes them) and when it stops part-way (`progress_save`). A worker
    that lost its claim stops at its next save (ClaimLost)."""
    operation.result = {**(operation.result or {}), **extra, "steps": [*steps_done(operation), step]}
    if save:
        progress_save(operation)


def progress_save(operation: Operation) -> None:
    """Write the steps done so far, if this worker still holds the claim (else ClaimLost)."""
    if not Operation.objects.filter(pk=operation.pk, state=Operation.State.RUNNING,
                                    attempts=operation.attempts).update(result=operation.result,
                                                                        updated_at=timezone.now()):
        raise ClaimLost(f"operation {operation.pk}: attempt {operation.attempts} no longer holds the claim")


def number_in_account(account_sid: str, number_sid: str) -> PhoneNumberRecord | None:
    """The number as Twilio has it in that account, or None when it is not there (20404)."""
    try:
        return phone_numbers.number_fetch(account_sid=account_sid, number_sid=number_sid)
    except TwilioPermanentError as error:
        if error.code == 20404:
            return None
        raise


def _urls(record: PhoneNumberRecord) -> dict[str, str]:
    return {name: getattr(record, name) for name in URL_FIELDS}


def step_check(operation: Operation, before: PhoneNumberRecord | None = None) -> None:
    """Drift check in the worker: the number must still be in the source account; keeps its URLs."""
    if CHECKED in steps_done(operation):
        return
    source = operation.params["from"]
    before = before or number_in_account(source, operation.target_sid)
    if before is None:
        raise MoveRefused(
            f"{operation.params.get('phone_number') or operation.target_sid} is not in "
            f"{account_label(source)} at Twilio any more (it was moved or released outside the portal). "
            "Nothing was changed; sync the numbers and look where it is now.", code=20404, status=404)
    _mark(operation, CHECKED, before=_urls(before))


def step_leave_service(operation: Operation, service_sid: str) -> None:
    """Take the number out of the source's Messaging Service with the source's own credentials.

    Only an active subaccount may change its services (a suspended one answers 20003); for any other
    the membership stays behind with the old account (docs/twilio-behaviour.md §5). Repeating is harmless:
    a number no longer in the service answers 20404."""
    if LEFT in steps_done(operation):
        return
    losing = tenant_for_account(operation.params["from"])
    if service_sid and losing is not None and losing.status == Tenant.Status.ACTIVE:
        messaging.service_remove_number(credentials=tenant_credentials(losing), service_sid=service_sid,
                                        number_sid=operation.target_sid)
    _mark(operation, LEFT, left_service=service_sid or "")


def step_transfer(operation: Operation) -> tuple[PhoneNumberRecord | None, bool]:
    """Transfer with the parent's credentials; after a lost answer, look in the gaining account first.

    Returns (what Twilio answered or showed, whether that was a fresh read of the gaining account);
    (None, False) when an earlier attempt finished the transfer."""
    done = steps_done(operation)
    if TRANSFERRED in done:
        return None, False
    gaining = operation.params["to"]
    if TRANSFER_SENT in done or operation.attempts > 1:
        found = number_in_account(gaining, operation.target_sid)
        if found is not None:
            _mark(operation, TRANSFERRED)
            return found, True
    if TRANSFER_SENT not in done:
        _mark(operation, TRANSFER_SENT, save=True)
    moved = phone_numbers.number_transfer(number_sid=operation.target_sid, from_account_sid=operation.params["from"],
                                          to_account_sid=gaining)
    _mark(operation, TRANSFERRED)
    return moved, False


def step_verify(operation: Operation, *, read: PhoneNumberRecord | None = None) -> PhoneNumberRecord:
    """Read the number in the gaining account: the owner must have changed and the URLs be kept; lost
    URLs are written back (setting them again is harmless). `read` skips the read when one was just made."""
    gaining, before = operation.params["to"], (operation.result or {}).get("before")
    record = read or number_in_account(gaining, operation.target_sid)
    if record is None or record.account_sid != gaining:
        raise MoveRefused(f"Twilio does not show {operation.params.get('phone_number', operation.target_sid)} "
                          f"in {account_label(gaining)} after the transfer.", code=20404, status=404)
    lost = {name: value for name, value in (before or {}).items() if value and getattr(record, name) != value}
    if lost:
        record = phone_numbers.number_set_urls(account_sid=gaining, number_sid=record.sid, urls=lost)
    _mark(operation, VERIFIED, number=asdict(record), restored=sorted(lost))
    return record


def step_join_service(operation: Operation) -> str:
    """Add the number to the target tenant's default Messaging Service (target's credentials), if asked.

    Returns the service SID it is in, or "". A lost answer is settled by reading the membership."""
    service_sid = operation.params.get("join_service", "")
    done = steps_done(operation)
    if not service_sid or JOINED in done:
        return service_sid if JOINED in done else ""
    credentials = tenant_credentials(tenant_for_account(operation.params["to"]))
    already = JOIN_SENT in done and messaging.service_has_number(
        credentials=credentials, service_sid=service_sid, number_sid=operation.target_sid)
    if not already:
        if JOIN_SENT not in done:
            _mark(operation, JOIN_SENT, save=True)
        messaging.service_add_number(credentials=credentials, service_sid=service_sid, number_sid=operation.target_sid)
    _mark(operation, JOINED)
    return service_sid


def record_moved(operation: Operation, moved: PhoneNumberRecord, *, service_sid: str = "") -> None:
    """Close the Operation and write the number's new owner in one transaction, only if the claim holds."""
    service = MessagingService.objects.filter(sid=service_sid).first() if service_sid else None
    fields = {"phone_number": moved.phone_number, "tenant": tenant_for_account(moved.account_sid),
              "friendly_name": moved.friendly_name, "sms_capable": moved.sms, "mms_capable": moved.mms,
              "voice_capable": moved.voice, "status": PhoneNumber.Status.ACTIVE, "messaging_service": service,
              **_urls(moved), "last_synced_at": timezone.now()}
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=moved.sid, result=operation.result):
            return
        # Numbers bought outside the portal have no row yet (a close saves them too).
        if not PhoneNumber.objects.filter(sid=moved.sid).update(**fields, updated_at=timezone.now()):
            PhoneNumber.objects.create(sid=moved.sid, **fields)


def record_from_result(operation: Operation) -> PhoneNumberRecord | None:
    """The number as the verify step read it (a resume past verification needs no new read)."""
    data = (operation.result or {}).get("number")
    return PhoneNumberRecord(**data) if data else None


def move_run(operation: Operation, *, before: PhoneNumberRecord | None = None, service_sid: str = "") -> None:
    """Run every unfinished step of one move, then record it. `before`: the number as just listed (a close)."""
    step_check(operation, before)
    step_leave_service(operation, service_sid or (operation.result or {}).get("left_service", "")
                       or operation.params.get("source_service", ""))
    moved, fresh = step_transfer(operation)
    record = record_from_result(operation) if VERIFIED in steps_done(operation) else \
        step_verify(operation, read=moved if fresh else None)
    joined = step_join_service(operation)
    record_moved(operation, record, service_sid=joined)
