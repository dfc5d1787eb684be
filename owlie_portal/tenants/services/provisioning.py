"""Provisioning a tenant's subaccount: create (or adopt what an earlier attempt made), store its
credentials, create an API key inside it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from owlie_portal.twilio_gateway import accounts as twilio_accounts

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_heartbeat, operation_perform, operation_succeed

from ..models import Tenant

logger = logging.getLogger(__name__)
API_KEY_NAME = "owlie-portal"


def _subaccount_for(tenant: Tenant, *, reconcile: bool):
    """The subaccount for this tenant: adopted when an earlier attempt may have made it, else created."""
    if reconcile:
        existing = twilio_accounts.subaccount_find(friendly_name=tenant.friendly_name)
        if existing is not None:
            logger.info("tenant %s: adopting subaccount %s made by an earlier attempt", tenant.pk, existing.sid)
            return existing
    return twilio_accounts.subaccount_create(friendly_name=tenant.friendly_name)


def _ensure_api_key(tenant: Tenant, operation: Operation) -> None:
    if tenant.api_key_sid and tenant.api_key_secret:
        return
    # A key left by a lost answer has a secret nobody can read again: replace it.
    stale = twilio_accounts.api_key_find(account_sid=tenant.subaccount_sid, friendly_name=API_KEY_NAME)
    if stale is not None:
        twilio_accounts.api_key_delete(account_sid=tenant.subaccount_sid, key_sid=stale.sid)
    key = twilio_accounts.api_key_create(account_sid=tenant.subaccount_sid, friendly_name=API_KEY_NAME)
    with transaction.atomic():
        operation_heartbeat(operation)  # still this worker's claim? (raises ClaimLost, writing nothing)
        # update() encrypts through the field (get_db_prep_save), exactly once.
        Tenant.objects.filter(pk=tenant.pk).update(api_key_sid=key.sid, api_key_secret=key.secret)
    tenant.api_key_sid, tenant.api_key_secret = key.sid, key.secret


def _provision(operation: Operation) -> None:
    tenant = operation.tenant
    if not tenant.subaccount_sid:
        # Any attempt after the first may follow a create whose answer was lost: look before making.
        reconcile = operation.attempts > 1 or operation.params.get("reconcile", False)
        record = _subaccount_for(tenant, reconcile=reconcile)
        with transaction.atomic():
            operation_heartbeat(operation)
            Tenant.objects.filter(pk=tenant.pk).update(subaccount_sid=record.sid, auth_token=record.auth_token,
                                                       updated_at=timezone.now())
            Operation.objects.filter(pk=operation.pk).update(target_sid=record.sid, result_sid=record.sid)
        tenant.subaccount_sid, tenant.auth_token = record.sid, record.auth_token
    _ensure_api_key(tenant, operation)
    with transaction.atomic():
        if operation_succeed(operation, result_sid=tenant.subaccount_sid):
            Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.PROVISIONING).update(
                status=Tenant.Status.ACTIVE, last_synced_at=timezone.now(), updated_at=timezone.now())


def operation_run_provision(*, operation_id: int) -> None:
    """Perform a queued subaccount.create Operation (a duplicate delivery is a no-op)."""
    operation_perform(operation_id=operation_id, work=_provision)


def provisioning_failed(operation: Operation) -> None:
    """on_failed hook: a tenant whose provisioning failed for good must not sit in "provisioning"."""
    Tenant.objects.filter(pk=operation.tenant_id, status=Tenant.Status.PROVISIONING).update(
        status=Tenant.Status.FAILED, updated_at=timezone.now())
