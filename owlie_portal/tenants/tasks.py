"""Celery tasks: each takes an id, calls one service function, and owns only its retry policy."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioError, TwilioTransientError

from . import services
from .models import Operation
from .operations import operation_fail, operations_redrive_stale

logger = logging.getLogger(__name__)


class OperationTask(Task):
    """Retries transient and ambiguous Twilio errors; when retries are spent the Operation is FAILED."""

    autoretry_for = (TwilioTransientError, TwilioAmbiguousError)
    retry_backoff = 1
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = settings.OPERATION_MAX_ATTEMPTS
    acks_late = True
    reject_on_worker_lost = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        operation = Operation.objects.filter(pk=kwargs.get("operation_id")).first()
        if operation is None:
            return
        code = exc.code if isinstance(exc, TwilioError) else None
        message = str(exc) if isinstance(exc, TwilioError) else f"Internal error: {type(exc).__name__}: {exc}"
        operation_fail(operation, code=code, message=f"{message} (gave up after {operation.attempts} attempt(s))")


@shared_task(base=OperationTask, name="tenants.provision_subaccount")
def provision_subaccount(*, operation_id: int) -> None:
    services.operation_run_provision(operation_id=operation_id)


@shared_task(base=OperationTask, name="tenants.set_subaccount_status")
def set_subaccount_status(*, operation_id: int) -> None:
    services.operation_run_status_change(operation_id=operation_id)


@shared_task(name="tenants.sync_subaccounts", autoretry_for=(TwilioTransientError,), retry_backoff=5,
             max_retries=3)
def sync_subaccounts() -> dict:
    report = services.tenants_sync_from_twilio()
    logger.info("subaccount sync: %s", report)
    return {"pages": report.pages, "seen": report.seen, "changed": report.changed, "drifts": report.drifts}


@shared_task(name="tenants.import_subaccounts", autoretry_for=(TwilioTransientError,), retry_backoff=5,
             max_retries=3)
def import_subaccounts(*, requested_by_id: int | None = None) -> int:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=requested_by_id).first()
    return len(services.tenants_import_from_twilio(requested_by=user))


@shared_task(name="tenants.redrive_stale_operations")
def redrive_stale_operations() -> int:
    return operations_redrive_stale()
