"""Sending a message through a tenant's Messaging Service: guards and pre-send suppression in the request,
the Twilio call in an Operation's task, as the subaccount (its API key), never as the parent."""

from __future__ import annotations

from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_enqueue, operation_fail, operation_perform, operation_succeed
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import messaging as twilio_messaging
from owlie_portal.twilio_gateway.errors import TwilioPermanentError, explain
from owlie_portal.twilio_gateway.records import MessageRecord
from owlie_portal.validators import normalize_phone_number

from ..kinds import Kind
from ..models import Message, MessagingService, OptOut, OptOutEvent
from ..selectors import optout_blocking, optout_reason
from .optouts import optout_record
from .webhooks import message_apply_recorded_callbacks

MAX_BODY = 1600  # Twilio's limit for a concatenated SMS (21617)
TEXTABLE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def webhook_url(name: str) -> str:
    """The public URL Twilio calls for the portal's webhook `name` ("inbound" or "status")."""
    return settings.TWILIO_WEBHOOK_BASE_URL + reverse(f"twilio-{name}")


def recipient_normalize(value: str) -> str:
    """The E.164 form of a recipient that can receive SMS; DomainError saying why not otherwise."""
    try:
        number = normalize_phone_number(value)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    if number in settings.TWILIO_ALLOWED_MAGIC_NUMBERS:
        return number
    if phonenumbers.number_type(phonenumbers.parse(number)) not in TEXTABLE:
        raise DomainError(f"{number} is not a mobile number, so it cannot receive SMS (Twilio would answer 21614).")
    return number


def _check_send(*, tenant: Tenant, service: MessagingService, body: str) -> None:
    if service.tenant_id != tenant.pk:
        raise DomainError(f"The Messaging Service {service.friendly_name} belongs to another tenant "
                          f"({service.tenant.name}); {tenant.name} can only send through its own services.")
    if tenant.status != Tenant.Status.ACTIVE:
        raise DomainError(f"{tenant.name} is {tenant.get_status_display().lower()}; the portal sends messages "
                          "only for active tenants (Twilio would refuse with 10001).")
    if not body.strip():
        raise DomainError("The message is empty; write the text to send.")
    if len(body) > MAX_BODY:
        raise DomainError(f"The message is {len(body):,} characters long; Twilio's limit is {MAX_BODY:,} (21617).")
    if not service.phone_numbers.exists():
        raise DomainError(f"{service.friendly_name} has no phone number to send from; add a number to it first.")


def message_send(*, tenant: Tenant, service: MessagingService, to: str, body: str, requested_by) -> Message:
    """Ask for one SMS through `service`. Refused (DomainError, nothing written) on bad input; recorded as
    suppressed, without calling Twilio, when the recipient opted out (see selectors.optout_blocking)."""
    _check_send(tenant=tenant, service=service, body=body)
    recipient = recipient_normalize(to)
    blocking = optout_blocking(tenant=tenant, recipient=recipient)
    with transaction.atomic():
        message = Message.objects.create(tenant=tenant, service=service, to_number=recipient, body=body)
        if blocking is not None:
            message.status, message.error_message = Message.Status.SUPPRESSED, optout_reason(blocking)
            message.save(update_fields=["status", "error_message"])
            return message
        message.operation = operation_enqueue(
            kind=Kind.MESSAGE_SEND, tenant=tenant, target_sid=service.sid, requested_by=requested_by,
            params={"message_id": message.pk, "to": recipient})
        message.save(update_fields=["operation"])
    return message


def _find_lost_send(operation: Operation, message: Message, credentials) -> MessageRecord | None:
    """After a lost answer: a message to the same recipient through the same service since we asked,
    whose SID no row of ours carries yet."""
    since = operation.created_at - timedelta(seconds=5)
    for record in twilio_messaging.messages_to_list(credentials=credentials, to=message.to_number):
        if (record.messaging_service_sid == message.service.sid and record.date_created
                and record.date_created >= since and not Message.objects.filter(sid=record.sid).exists()):
            return record
    return None


def _record_sent(operation: Operation, message: Message, record: MessageRecord) -> None:
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=record.sid):
            return
        Message.objects.filter(pk=message.pk).update(
            sid=record.sid, status=record.status or Message.Status.ACCEPTED, from_number=record.from_,
            num_segments=record.num_segments or None, price=record.price, status_updated_at=timezone.now(),
            updated_at=timezone.now())
        message.sid = record.sid
        message_apply_recorded_callbacks(message=message)


def _record_refusal(message: Message, error: TwilioPermanentError) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED, error_code=error.code,
                                                     error_message=explain(error.code, error.message))
        if error.code == 21610:  # Twilio knows an opt-out the portal did not: the ledger learns it
            optout_record(tenant=message.tenant, recipient=message.to_number, action=OptOutEvent.Action.OPT_OUT,
                          source=OptOut.Source.TWILIO, service=message.service, keyword="21610")


def _suppress_late(operation: Operation, message: Message, reason: str) -> None:
    """An opt-out arrived between the request and the send: refuse now, still before calling Twilio."""
    with transaction.atomic():
        if operation_fail(operation, code=None, message=f"Not sent: {reason}"):
            Message.objects.filter(pk=message.pk).update(status=Message.Status.SUPPRESSED, error_message=reason)


def _send(operation: Operation) -> None:
    message = Message.objects.select_related("service", "tenant").get(pk=operation.params["message_id"])
    credentials = tenant_credentials(message.tenant)
    record = _find_lost_send(operation, message, credentials) if operation.attempts > 1 else None
    if record is None:
        blocking = optout_blocking(tenant=message.tenant, recipient=message.to_number)
        if blocking is not None:
            _suppress_late(operation, message, optout_reason(blocking))
            return
        try:
            record = twilio_messaging.message_send(credentials=credentials, service_sid=message.service.sid,
                                                   to=message.to_number, body=message.body,
                                                   status_callback=webhook_url("status"))
        except TwilioPermanentError as error:
            _record_refusal(message, error)
            raise
    _record_sent(operation, message, record)


def operation_run_message_send(*, operation_id: int) -> None:
    """Perform a queued message.send Operation."""
    operation_perform(operation_id=operation_id, work=_send)
