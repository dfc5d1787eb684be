"""Moving phone numbers between the parent and subaccounts. Each move is an Operation row."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import ClaimLost, operation_fail, operation_heartbeat, operation_perform
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import messaging, phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioError
from owlie_portal.twilio_gateway.records import PhoneNumberRecord

from ..kinds import Kind
from ..models import PhoneNumber
from .move_steps import MoveRefused, move_run, number_in_account, progress_save, record_moved

logger = logging.getLogger(__name__)


def _memberships(losing: Tenant | None) -> dict[str, str]:
    """Number SID → the losing subaccount's Messaging Service holding it (one list per service, read once).

    Empty unless the account is active: only an active account may change its own services (a suspended
    one answers 20003), and for any other the membership needs no undoing, as it belongs to the old
    account and does not follow a transferred number (docs/twilio-behaviour.md §5)."""
    if losing is None or losing.status != Tenant.Status.ACTIVE:
        return {}
    credentials = tenant_credentials(losing)
    return {number_sid: service.sid
            for service in messaging.services_list(credentials=credentials)
            for number_sid in messaging.service_numbers_list(credentials=credentials, service_sid=service.sid)}


def _save_progress_quietly(operation: Operation) -> None:
    """After a failure, leave the steps done on the row for people and for a resume (best effort: the
    database itself may be what failed; each step checks Twilio again anyway)."""
    try:
        progress_save(operation)
    except Exception:  # noqa: BLE001 - the original error is the one to report
        logger.warning("operation %s: could not save its steps after a failure", operation.pk)


def _perform_move(operation: Operation) -> None:
    try:
        move_run(operation)
    except MoveRefused as error:
        _save_progress_quietly(operation)
        # Refused on what Twilio shows (drift): a sentence of our own, not Twilio's generic 20404.
        operation_fail(operation, code=error.code, message=error.message)
    except ClaimLost:
        raise
    except Exception:
        _save_progress_quietly(operation)
        raise


def operation_run_number_transfer(*, operation_id: int) -> None:
    """Perform a queued number.transfer Operation (claimed once; each step reconciles after a lost answer)."""
    operation_perform(operation_id=operation_id, work=_perform_move)


def _adopt_moved(tenant: Tenant, held_sids: set[str]) -> None:
    """Rows whose number an earlier attempt moved to the parent (its answer lost) follow the number.

    Without this the close would treat them as released and delete the inventory of numbers we hold."""
    missing = set(PhoneNumber.objects.filter(tenant=tenant).exclude(sid__in=held_sids).values_list("sid", flat=True))
    if not missing:
        return
    in_parent = {n.sid for n in phone_numbers.numbers_list(account_sid=settings.TWILIO_ACCOUNT_SID)}
    PhoneNumber.objects.filter(tenant=tenant, sid__in=missing & in_parent).update(tenant=None,
                                                                               updated_at=timezone.now())


def _move_step(step: Operation, number: PhoneNumberRecord, memberships: dict[str, str]) -> None:
    """One move during a close, through the same steps as any move. A lost transfer answer is settled at
    once (the next pass looks in the gaining account): the close's retry would no longer see the number
    in the subaccount and could not repair this row."""
    try:
        move_run(step, before=number, service_sid=memberships.get(number.sid, ""))
    except TwilioAmbiguousError:
        move_run(step, before=number, service_sid=memberships.get(number.sid, ""))


def _claim_step(step: Operation) -> Operation:
    """Take an open step of an earlier attempt of the parent under this attempt (attempts + 1)."""
    Operation.objects.filter(pk=step.pk).update(state=Operation.State.RUNNING, attempts=step.attempts + 1,
                                                started_at=timezone.now(), updated_at=timezone.now())
    step.state, step.attempts = Operation.State.RUNNING, step.attempts + 1
    return step


def _settle_open_steps(parent: Operation, held_sids: set[str]) -> dict[str, Operation]:
    """Steps an earlier attempt of `parent` left open (its worker died): those whose number already left
    the subaccount are closed from what Twilio shows; the others are returned to run again."""
    operation_heartbeat(parent)  # the steps are taken over under the parent's claim
    open_steps = {}
    for step in Operation.objects.filter(parent=parent, state__in=Operation.OPEN_STATES).order_by("pk"):
        step = _claim_step(step)
        if step.target_sid in held_sids:
            open_steps[step.target_sid] = step
            continue
        moved = number_in_account(step.params["to"], step.target_sid)  # moved before its worker died?
        if moved is not None:
            record_moved(step, moved)
        else:
            operation_fail(step, code=None, message="The number left the subaccount some other way.")
    return open_steps


def _new_step(parent: Operation, tenant: Tenant, number: PhoneNumberRecord) -> Operation:
    return Operation.objects.create(
        kind=Kind.TRANSFER, tenant=tenant, target_sid=number.sid, requested_by=parent.requested_by,
        parent=parent, state=Operation.State.RUNNING, attempts=1, started_at=timezone.now(),
        params={"from": tenant.subaccount_sid, "to": settings.TWILIO_ACCOUNT_SID,
                "phone_number": number.phone_number})


def numbers_move_to_parent(*, tenant: Tenant, for_operation: Operation) -> int:
    """Move every number the subaccount holds at Twilio to the parent, one step Operation each.

    Reads Twilio rather than the portal's inventory, so numbers bought outside the portal are saved too.
    Steps run under the close's claim (the sweeper never re-drives them alone); a later attempt of the
    close settles the steps an earlier one left open. Raises the first error; numbers already moved stay
    moved and a retry only sees the rest."""
    held = phone_numbers.numbers_list(account_sid=tenant.subaccount_sid)
    held_sids = {number.sid for number in held}
    _adopt_moved(tenant, held_sids)
    open_steps = _settle_open_steps(for_operation, held_sids)
    memberships = _memberships(tenant) if held else {}
    for number in held:
        operation_heartbeat(for_operation)  # hundreds of numbers can outlast the sweeper's patience
        step = open_steps.get(number.sid) or _new_step(for_operation, tenant, number)
        try:
            _move_step(step, number, memberships)
        except TwilioError as error:
            # The close retries or fails as a whole; this step is closed now (with the steps it got
            # through) so it never dangles.
            _save_progress_quietly(step)
            operation_fail(step, code=error.code,
                           message=f"{error.message} (while closing; operation #{for_operation.pk})")
            raise
    return len(held)


def numbers_delete_released(*, tenant_id: int) -> int:
    """After a close: Twilio released whatever the subaccount still held (docs/twilio-behaviour.md §5).
    Only rows still attributed to the tenant go; moved numbers already belong to the parent here."""
    deleted, _ = PhoneNumber.objects.filter(tenant_id=tenant_id).delete()
    return deleted
