"""Celery tasks: each takes an id, calls one service function, and owns only its retry policy."""

from __future__ import annotations

import logging

from celery import shared_task

from owlie_portal.operations.tasks import OperationTask
from owlie_portal.twilio_gateway.errors import TwilioTransientError

from . import services

logger = logging.getLogger(__name__)


@shared_task(base=OperationTask, name="tenants.provision_subaccount")
def provision_subaccount(*, operation_id: int) -> None:
    services.operation_run_provision(operation_id=operation_id)


@shared_task(base=OperationTask, name="tenants.set_subaccount_status")
def set_subaccount_status(*, operation_id: int) -> None:
    services.operation_run_status_change(operation_id=operation_id)


@shared_task(base=OperationTask, name="tenants.sync_requested")
def sync_requested(*, operation_id: int) -> None:
    services.operation_run_sync(operation_id=operation_id)


@shared_task(base=OperationTask, name="tenants.import_requested")
def import_requested(*, operation_id: int) -> None:
    services.operation_run_import(operation_id=operation_id)


@shared_task(name="tenants.sync_subaccounts", autoretry_for=(TwilioTransientError,), retry_backoff=5,
             max_retries=3)
def sync_subaccounts() -> dict:
    """Beat's periodic sync (not an Operation: nobody asked, and it runs every few minutes)."""
    report = services.tenants_sync_from_twilio()
    logger.info("subaccount sync: %s", report)
    return {"pages": report.pages, "seen": report.seen, "changed": report.changed, "drifts": report.drifts}
