"""Celery tasks for messaging: each takes an Operation id and calls one service function."""

from celery import shared_task

from owlie_portal.operations.tasks import OperationTask

from . import services


@shared_task(base=OperationTask, name="messaging.create_service")
def create_service(*, operation_id: int) -> None:
    services.operation_run_service_create(operation_id=operation_id)


@shared_task(base=OperationTask, name="messaging.add_number")
def add_number(*, operation_id: int) -> None:
    services.operation_run_add_number(operation_id=operation_id)


@shared_task(base=OperationTask, name="messaging.remove_number")
def remove_number(*, operation_id: int) -> None:
    services.operation_run_remove_number(operation_id=operation_id)


@shared_task(base=OperationTask, name="messaging.sync_services")
def sync_services(*, operation_id: int) -> None:
    services.operation_run_services_sync(operation_id=operation_id)


@shared_task(base=OperationTask, name="messaging.send_message")
def send_message(*, operation_id: int) -> None:
    services.operation_run_message_send(operation_id=operation_id)
