"""Celery tasks for numbers: each takes an Operation id and calls one service function."""

import logging

from celery import shared_task

from owlie_portal.operations.tasks import OperationTask
from owlie_portal.twilio_gateway.errors import TwilioTransientError

from . import services

logger = logging.getLogger(__name__)


@shared_task(base=OperationTask, name="numbers.transfer_number")
def transfer_number(*, operation_id: int) -> None:
    services.operation_run_number_transfer(operation_id=operation_id)


# --- inventory, buy, release ---------------------------------------------------------------------------
@shared_task(base=OperationTask, name="numbers.buy_number")
def buy_number(*, operation_id: int) -> None:
    services.operation_run_number_buy(operation_id=operation_id)


@shared_task(base=OperationTask, name="numbers.release_number")
def release_number(*, operation_id: int) -> None:
    services.operation_run_number_release(operation_id=operation_id)


@shared_task(base=OperationTask, name="numbers.sync_requested")
def sync_requested(*, operation_id: int) -> None:
    services.operation_run_numbers_sync(operation_id=operation_id)


@shared_task(name="numbers.sync_numbers", autoretry_for=(TwilioTransientError,), retry_backoff=5, max_retries=3)
def sync_numbers() -> dict:
    """Beat's periodic number sync (not an Operation: nobody asked, and it runs every few minutes)."""
    report = services.numbers_sync_from_twilio()
    logger.info("number sync: %s", report.as_dict())
    return report.as_dict()
