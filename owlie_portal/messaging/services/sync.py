"""Sync a tenant's Messaging Services from Twilio: differences are recorded as drift, never silently
overwritten; number membership (a fact only Twilio knows) follows Twilio, and each change is recorded too."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_enqueue, operation_heartbeat, operation_perform, operation_succeed
from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import messaging as twilio_messaging

from ..kinds import Kind
from ..models import MessagingService, ServiceDrift
from .management import _require_active, service_fields


def services_sync(*, tenant: Tenant, requested_by) -> Operation:
    """Ask for a sync of the tenant's services and their numbers from Twilio."""
    _require_active(tenant)
    return operation_enqueue(kind=Kind.SERVICES_SYNC, tenant=tenant, requested_by=requested_by)


def _drift(tenant, service_sid: str, field: str, portal, twilio) -> int:
    _, created = ServiceDrift.objects.get_or_create(
        tenant=tenant, service_sid=service_sid, field=field, portal_value=str(portal)[:300],
        twilio_value=str(twilio)[:300])
    return int(created)


def _compare(tenant, records, memberships) -> int:
    drifts = 0
    ours = {s.sid: s for s in MessagingService.objects.filter(tenant=tenant)}
    for record in records:
        service = ours.pop(record.sid, None)
        if service is None:
            drifts += _drift(tenant, record.sid, "service", "(not in the portal)", record.friendly_name)
            continue
        for field, value in service_fields(record).items():
            if getattr(service, field) != value:
                drifts += _drift(tenant, record.sid, field, getattr(service, field), value)
    for sid, service in ours.items():
        drifts += _drift(tenant, sid, "service", service.friendly_name, "(not at Twilio)")
    for number in PhoneNumber.objects.filter(tenant=tenant).select_related("messaging_service"):
        at_twilio = memberships.get(number.sid)
        portal = number.messaging_service.sid if number.messaging_service else None
        if portal != at_twilio:
            drifts += _drift(tenant, at_twilio or portal, f"membership of {number.phone_number}",
                             portal or "(none)", at_twilio or "(none)")
            number.messaging_service = MessagingService.objects.filter(sid=at_twilio).first() if at_twilio else None
            number.save(update_fields=["messaging_service", "updated_at"])
    return drifts


def _sync(operation: Operation) -> None:
    credentials = tenant_credentials(operation.tenant)
    records = twilio_messaging.services_list(credentials=credentials)
    memberships = {}
    for record in records:
        operation_heartbeat(operation)
        for number_sid in twilio_messaging.service_numbers_list(credentials=credentials, service_sid=record.sid):
            memberships[number_sid] = record.sid
    with transaction.atomic():
        if not operation_succeed(operation, result={"services": len(records)}):
            return
        drifts = _compare(operation.tenant, records, memberships)
        MessagingService.objects.filter(tenant=operation.tenant, sid__in=[r.sid for r in records]).update(
            last_synced_at=timezone.now())
        Operation.objects.filter(pk=operation.pk).update(result={"services": len(records), "drifts": drifts})


def operation_run_services_sync(*, operation_id: int) -> None:
    operation_perform(operation_id=operation_id, work=_sync)
