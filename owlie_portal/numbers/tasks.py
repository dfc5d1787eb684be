"""Celery tasks for numbers: each takes an Operation id and calls one service function."""

from celery import shared_task

from owlie_portal.operations.tasks import OperationTask

from . import services


@shared_task(base=OperationTask, name="numbers.transfer_number")
def transfer_number(*, operation_id: int) -> None:
    services.operation_run_number_transfer(operation_id=operation_id)
