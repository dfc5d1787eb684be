"""Asking for number moves (parent → tenant, tenant → parent, tenant → tenant): guards first, then one
`number.transfer` Operation per number (the steps are in `move_steps`). A refused move writes nothing."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from owlie_portal.errors import DomainError
from owlie_portal.messaging.models import MessagingService
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.services import batch_create, operation_enqueue, operations_enqueue_batch
from owlie_portal.tenants.models import Tenant
from owlie_portal.validators import validate_number_sid

from ..kinds import Kind
from ..models import PhoneNumber
from .move_steps import LEFT, TRANSFERRED, steps_done

State = Operation.State


def owner_label(tenant: Tenant | None) -> str:
    return "the parent account" if tenant is None else tenant.name


def account_sid_of(tenant: Tenant | None) -> str:
    return settings.TWILIO_ACCOUNT_SID if tenant is None else tenant.subaccount_sid


def _check_sids(sids: list[str]) -> None:
    for sid in sids:
        try:
            validate_number_sid(sid)
        except ValidationError:
            raise DomainError(f"{sid!r} is not a phone number SID: those start with PN followed by "
                              "32 hexadecimal characters.") from None


def numbers_by_sids(*, sids: list[str], lock: bool = False) -> list[PhoneNumber]:
    """The inventory rows for `sids` (locked with `lock`); a SID of the wrong kind or unknown is refused."""
    _check_sids(sids)
    rows = PhoneNumber.objects.select_related("tenant", "messaging_service").filter(sid__in=sids)
    found = {n.sid: n for n in (rows.select_for_update(of=("self",)) if lock else rows)}
    missing = [sid for sid in sids if sid not in found]
    if missing:
        raise DomainError(f"The portal has no phone number {missing[0]}; sync the numbers first.")
    return [found[sid] for sid in sids]


def target_refusal(target: Tenant | None) -> str | None:
    """Why nothing can move to `target`, or None (Twilio only gives numbers to active accounts: 21472)."""
    if target is not None and target.status != Tenant.Status.ACTIVE:
        return (f"{target.name} is {target.get_status_display().lower()}: numbers can only move to an active "
                "account (Twilio error 21472).")
    if target is not None and not target.subaccount_sid:
        return f"{target.name} has no Twilio subaccount yet."
    return None


def number_move_refusal(number: PhoneNumber, target: Tenant | None) -> str | None:
    """Why this number cannot move to `target` (from what the portal knows), or None."""
    refusal = target_refusal(target)
    if refusal:
        return refusal
    if number.tenant_id == (target.pk if target else None):
        return f"{number.phone_number} already belongs to {owner_label(target)}."
    if number.status == PhoneNumber.Status.MOVING:
        return f"{number.phone_number} is already being moved; resume or wait for that move."
    if number.status == PhoneNumber.Status.RELEASED:
        return f"{number.phone_number} was released and belongs to nobody."
    if number.tenant is not None and number.tenant.status == Tenant.Status.CLOSED:
        return f"{number.phone_number} belongs to {number.tenant.name}, which is closed: Twilio released it."
    return None


def default_service(target: Tenant | None) -> MessagingService | None:
    return None if target is None else MessagingService.objects.filter(tenant=target, is_default=True).first()


def _operation(number: PhoneNumber, target: Tenant | None, requested_by, join: MessagingService | None) -> Operation:
    return Operation(
        kind=Kind.TRANSFER, tenant=target or number.tenant, target_sid=number.sid, requested_by=requested_by,
        params={"from": account_sid_of(number.tenant), "to": account_sid_of(target),
                "phone_number": number.phone_number,
                "source_service": number.messaging_service.sid if number.messaging_service_id else "",
                "join_service": join.sid if join else ""})


@transaction.atomic
def number_move(*, number_sid: str, target: Tenant | None, requested_by, add_to_service: bool = False) -> Operation:
    """Move one number to `target` (None: the parent). Raises DomainError and writes nothing when refused."""
    [number] = numbers_by_sids(sids=[number_sid], lock=True)
    refusal = number_move_refusal(number, target)
    if refusal:
        raise DomainError(refusal)
    template = _operation(number, target, requested_by, default_service(target) if add_to_service else None)
    operation = operation_enqueue(kind=template.kind, tenant=template.tenant, target_sid=template.target_sid,
                                  params=template.params, requested_by=requested_by)
    PhoneNumber.objects.filter(pk=number.pk).update(status=PhoneNumber.Status.MOVING)
    return operation


@transaction.atomic
def numbers_bulk_move(*, number_sids: list[str], target: Tenant | None, requested_by, add_to_service: bool = False,
                      refused: list[str] | None = None) -> Batch:
    """One Batch moving many numbers to `target`; numbers that may not move are named on the batch.

    `refused`: sentences for numbers the caller already refused (e.g. drift found by the dry run)."""
    refusal = target_refusal(target)
    if refusal:
        raise DomainError(refusal)
    numbers = sorted(numbers_by_sids(sids=list(dict.fromkeys(number_sids)), lock=True), key=lambda n: n.phone_number)
    allowed, refused = [], list(refused or [])
    for number in numbers:
        reason = number_move_refusal(number, target)
        (refused.append(reason) if reason else allowed.append(number))
    join = default_service(target) if add_to_service else None
    noun = "number" if len(allowed) == 1 else "numbers"
    batch = batch_create(kind=Kind.TRANSFER, description=f"Move {len(allowed)} {noun} to {owner_label(target)}",
                         requested_by=requested_by, total=len(allowed), refused=refused,
                         params={"to": account_sid_of(target), "add_to_service": add_to_service})
    operations_enqueue_batch(batch=batch, operations=[_operation(n, target, requested_by, join) for n in allowed])
    PhoneNumber.objects.filter(pk__in=[n.pk for n in allowed]).update(status=PhoneNumber.Status.MOVING)
    return batch


def _resume_refusal(operation: Operation) -> str | None:
    if operation.kind != Kind.TRANSFER or operation.state != State.FAILED:
        return "Only a failed move can be resumed."
    if operation.parent_id:
        return "This move was a step of closing a tenant; retry the close instead."
    if Operation.objects.filter(kind=Kind.TRANSFER, target_sid=operation.target_sid, parent__isnull=True,
                                state__in=Operation.OPEN_STATES).exists():
        return "Another move of this number is already under way."
    if Operation.objects.filter(kind=Kind.TRANSFER, target_sid=operation.target_sid, parent__isnull=True,
                                pk__gt=operation.pk).exists():
        return "A later move of this number exists; resume that one instead."
    target = Tenant.objects.filter(subaccount_sid=operation.params["to"]).first()
    return target_refusal(target)


def _resumed(operation: Operation, requested_by) -> Operation:
    # The finished steps travel with the new row, so it starts at the failed one.
    return Operation(kind=operation.kind, tenant_id=operation.tenant_id, target_sid=operation.target_sid,
                     requested_by=requested_by, params={**operation.params, "resume_of": operation.pk},
                     result={**operation.result, "resumed_from": operation.pk})


@transaction.atomic
def number_move_resume(*, operation: Operation, requested_by) -> Operation:
    """Continue a failed move from the step that failed (a new Operation carrying the finished steps)."""
    refusal = _resume_refusal(operation)
    if refusal:
        raise DomainError(refusal)
    template = _resumed(operation, requested_by)
    resumed = operation_enqueue(kind=template.kind, tenant=template.tenant, target_sid=template.target_sid,
                                params=template.params, requested_by=requested_by)
    Operation.objects.filter(pk=resumed.pk).update(result=template.result)
    PhoneNumber.objects.filter(sid=operation.target_sid).update(status=PhoneNumber.Status.MOVING)
    return resumed


@transaction.atomic
def numbers_move_retry(*, batch: Batch, requested_by) -> Batch:
    """The batch page's retry: every failed move of `batch` that may still go on, resumed in a new batch."""
    failed = list(batch.operations.filter(state=State.FAILED, parent__isnull=True).order_by("pk"))
    if not failed:
        raise DomainError("This batch has no failed items to retry.")
    allowed, refused = [], []
    for operation in failed:
        refusal = _resume_refusal(operation)
        (refused.append(f"{operation.params.get('phone_number')}: {refusal}") if refusal else allowed.append(operation))
    retry = batch_create(kind=batch.kind, description=f"Resume of batch #{batch.pk}: {len(allowed)} moves",
                         requested_by=requested_by, total=len(allowed), refused=refused, params=batch.params)
    operations_enqueue_batch(batch=retry, operations=[_resumed(op, requested_by) for op in allowed])
    PhoneNumber.objects.filter(sid__in=[op.target_sid for op in allowed]).update(status=PhoneNumber.Status.MOVING)
    return retry


def move_failed(operation: Operation) -> None:
    """on_failed hook: a number whose move stopped before the transfer is active again where it was;
    once transferred it shows its new owner and stays "being moved" until the move is resumed."""
    if operation.parent_id:
        return  # a step of a close: the close owns it
    steps = steps_done(operation)
    numbers = PhoneNumber.objects.filter(sid=operation.target_sid)
    if TRANSFERRED in steps:
        target = Tenant.objects.filter(subaccount_sid=operation.params["to"]).first()
        numbers.update(tenant=target, messaging_service=None)
    elif LEFT in steps and (operation.result or {}).get("left_service"):
        numbers.update(status=PhoneNumber.Status.ACTIVE, messaging_service=None)
    else:
        numbers.update(status=PhoneNumber.Status.ACTIVE)
