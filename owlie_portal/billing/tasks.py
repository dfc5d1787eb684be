"""Celery tasks for billing: each takes an Operation id and calls one service function."""

from celery import shared_task

from owlie_portal.operations.tasks import OperationTask

from . import services


@shared_task(base=OperationTask, name="billing.sync_usage")
def sync_usage(*, operation_id: int) -> None:
    services.operation_run_usage_sync(operation_id=operation_id)


@shared_task(name="billing.sync_usage_nightly")
def sync_usage_nightly() -> int:
    """Beat's nightly sync, recorded as a Batch like one asked for in the admin; returns its id."""
    request, _ = services.usage_sync_request(requested_by=None)
    return request.pk
