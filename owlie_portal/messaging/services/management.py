"""Messaging Services in a tenant's subaccount: create, add / remove numbers (one or in bulk), the default.

Every Twilio change is an Operation; services are created with the tenant's own credentials (with the
parent's the service would land in the parent account, docs/twilio-behaviour.md §5)."""

from __future__ import annotations

from django.db import transaction

from owlie_portal.errors import DomainError
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.services import (
    batch_create,
    operation_enqueue,
    operation_perform,
    operation_succeed,
    operations_enqueue_batch,
)
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import messaging as twilio_messaging
from owlie_portal.twilio_gateway.records import ServiceRecord

from ..kinds import Kind
from ..models import MessagingService
from .sending import webhook_url

SETTINGS = ("sticky_sender", "area_code_geomatch", "smart_encoding", "validity_period")


def _require_active(tenant: Tenant) -> None:
    if tenant.status != Tenant.Status.ACTIVE or not tenant.subaccount_sid:
        raise DomainError(f"{tenant.name} is {tenant.get_status_display().lower()}; Messaging Services can "
                          "only be changed in an active subaccount.")


def service_create(*, tenant: Tenant, friendly_name: str, requested_by, sticky_sender: bool = True,
                   area_code_geomatch: bool = True, smart_encoding: bool = True,
                   validity_period: int = 36000) -> Operation:
    """Ask for a Messaging Service in the tenant's subaccount, its webhooks pointing at the portal."""
    _require_active(tenant)
    name = (friendly_name or "").strip()
    if not name or len(name) > 64:
        raise DomainError("A service needs a name of 1 to 64 characters.")
    if not 1 <= int(validity_period) <= 36000:
        raise DomainError("The validity period is between 1 and 36,000 seconds (10 hours).")
    if MessagingService.objects.filter(tenant=tenant, friendly_name__iexact=name).exists():
        raise DomainError(f"{tenant.name} already has a Messaging Service named {name}.")
    return operation_enqueue(kind=Kind.SERVICE_CREATE, tenant=tenant, requested_by=requested_by, params={
        "friendly_name": name, "sticky_sender": bool(sticky_sender), "area_code_geomatch": bool(area_code_geomatch),
        "smart_encoding": bool(smart_encoding), "validity_period": int(validity_period)})


def service_fields(record: ServiceRecord) -> dict:
    return {"friendly_name": record.friendly_name, "inbound_request_url": record.inbound_request_url,
            "status_callback": record.status_callback, **{name: getattr(record, name) for name in SETTINGS}}


def _create(operation: Operation) -> None:
    params, credentials = operation.params, tenant_credentials(operation.tenant)
    record = None
    if operation.attempts > 1:  # an earlier attempt may have created it though its answer was lost
        known = set(MessagingService.objects.values_list("sid", flat=True))
        record = next((s for s in twilio_messaging.services_list(credentials=credentials)
                       if s.friendly_name == params["friendly_name"] and s.sid not in known), None)
    if record is None:
        record = twilio_messaging.service_create(
            credentials=credentials, friendly_name=params["friendly_name"],
            settings=twilio_messaging.ServiceSettings(
                inbound_request_url=webhook_url("inbound"), status_callback=webhook_url("status"),
                **{name: params[name] for name in SETTINGS}))
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=record.sid):
            return
        first = not MessagingService.objects.filter(tenant=operation.tenant).exists()
        MessagingService.objects.update_or_create(sid=record.sid, defaults={
            "tenant": operation.tenant, "is_default": first, **service_fields(record)})


def operation_run_service_create(*, operation_id: int) -> None:
    operation_perform(operation_id=operation_id, work=_create)


def _refusal(service: MessagingService, number: PhoneNumber) -> str | None:
    """Why `number` cannot join `service`, checked before any Twilio call; None when it can."""
    if number.tenant_id != service.tenant_id:
        owner = number.tenant.name if number.tenant_id else "the parent account"
        return (f"{number.phone_number} belongs to {owner}, not {service.tenant.name}; a service can only use "
                "its own tenant's numbers.")
    if number.status != PhoneNumber.Status.ACTIVE:
        return f"{number.phone_number} is {number.get_status_display().lower()}."
    if not (number.sms_capable or number.mms_capable):
        return f"{number.phone_number} cannot send SMS or MMS, so it cannot join a Messaging Service (21715)."
    if number.messaging_service_id == service.pk:
        return f"{number.phone_number} is already in {service.friendly_name}."
    if number.messaging_service_id:
        return (f"{number.phone_number} is already in {number.messaging_service.friendly_name}; remove it there "
                "first (one service per number, 21712).")
    if service.phone_numbers.count() >= 400:
        return f"{service.friendly_name} already has 400 numbers, Twilio's maximum (21714)."
    return None


def _add_operation(service: MessagingService, number: PhoneNumber, requested_by) -> Operation:
    return Operation(kind=Kind.SERVICE_ADD_NUMBER, tenant=service.tenant, target_sid=number.sid,
                     requested_by=requested_by, params={"service_sid": service.sid,
                                                        "phone_number": number.phone_number})


def service_add_number(*, service: MessagingService, number: PhoneNumber, requested_by) -> Operation:
    """Ask to add one number of the service's tenant to the service."""
    _require_active(service.tenant)
    refusal = _refusal(service, number)
    if refusal:
        raise DomainError(refusal)
    template = _add_operation(service, number, requested_by)
    return operation_enqueue(kind=template.kind, tenant=template.tenant, target_sid=template.target_sid,
                             requested_by=requested_by, params=template.params)


@transaction.atomic
def service_add_numbers(*, service: MessagingService, numbers: list[PhoneNumber], requested_by) -> Batch:
    """Bulk "add these numbers to this tenant's service": one Operation per number under one batch;
    numbers that cannot join are refused up front and listed on the batch."""
    _require_active(service.tenant)
    allowed, refused = [], []
    for number in numbers:
        reason = _refusal(service, number)
        (refused.append(reason) if reason else allowed.append(number))
    if not allowed:
        raise DomainError("No number can be added. " + " ".join(refused))
    batch = batch_create(kind=Kind.SERVICE_ADD_NUMBER, description=f"Add numbers to {service.friendly_name}",
                         requested_by=requested_by, total=len(allowed), refused=refused,
                         params={"service_id": service.pk})
    operations_enqueue_batch(batch=batch, operations=[_add_operation(service, n, requested_by) for n in allowed])
    return batch


def _set_membership(operation: Operation, service_sid: str | None) -> None:
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=operation.target_sid):
            return
        service = MessagingService.objects.filter(sid=service_sid).first() if service_sid else None
        PhoneNumber.objects.filter(sid=operation.target_sid).update(messaging_service=service)


def _add(operation: Operation) -> None:
    credentials, service_sid = tenant_credentials(operation.tenant), operation.params["service_sid"]
    if not (operation.attempts > 1 and operation.target_sid in twilio_messaging.service_numbers_list(
            credentials=credentials, service_sid=service_sid)):
        twilio_messaging.service_add_number(credentials=credentials, service_sid=service_sid,
                                            number_sid=operation.target_sid)
    _set_membership(operation, service_sid)


def operation_run_add_number(*, operation_id: int) -> None:
    operation_perform(operation_id=operation_id, work=_add)


def service_remove_number(*, service: MessagingService, number: PhoneNumber, requested_by) -> Operation:
    """Ask to take a number out of the service."""
    _require_active(service.tenant)
    if number.messaging_service_id != service.pk:
        raise DomainError(f"{number.phone_number} is not in {service.friendly_name}.")
    return operation_enqueue(kind=Kind.SERVICE_REMOVE_NUMBER, tenant=service.tenant, target_sid=number.sid,
                             requested_by=requested_by, params={"service_sid": service.sid,
                                                                "phone_number": number.phone_number})


def _remove(operation: Operation) -> None:
    # Idempotent at Twilio: a number no longer in the service answers 20404, which the gateway turns into False.
    twilio_messaging.service_remove_number(credentials=tenant_credentials(operation.tenant),
                                           service_sid=operation.params["service_sid"],
                                           number_sid=operation.target_sid)
    _set_membership(operation, None)


def operation_run_remove_number(*, operation_id: int) -> None:
    operation_perform(operation_id=operation_id, work=_remove)


@transaction.atomic
def service_set_default(*, service: MessagingService) -> None:
    """Make `service` its tenant's default (where a number moved into the tenant is added). No Twilio call."""
    if service.tenant.status == Tenant.Status.CLOSED:
        raise DomainError(f"{service.tenant.name} is closed; its services are read-only.")
    MessagingService.objects.filter(tenant=service.tenant_id, is_default=True).exclude(pk=service.pk).update(
        is_default=False)
    MessagingService.objects.filter(pk=service.pk).update(is_default=True)
