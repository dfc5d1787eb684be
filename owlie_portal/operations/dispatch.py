"""Handing Operations to the broker. A row is written first; its message is sent after the transaction
commits. When the broker is down the row is kept, `dispatched_at` stays empty, the request that asked
still answers (the admin says the work will start when the queue is back), and the sweeper sends it later.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from owlie_portal.celery import app as celery_app

from .models import Batch, Operation
from .registry import kind_entry

logger = logging.getLogger(__name__)

DISPATCH_BATCH_TASK = "operations.dispatch_batch"
# Publishing waits briefly for a broker that is restarting, never long enough to hold a request hostage.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def _publish(name: str, *, kwargs: dict, task_id: str | None = None) -> bool:
    """Send one task message; False (logged, no traceback) when the broker cannot be reached."""
    try:
        celery_app.send_task(name, kwargs=kwargs, task_id=task_id, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as error:  # kombu/redis raise several families; none may turn into a 500 after commit
        logger.warning("broker unreachable while sending %s (%s); the sweeper sends it when the queue is back",
                       name, type(error).__name__)
        return False
    return True


def operation_publish(operation: Operation) -> bool:
    """Send the task for one Operation now and stamp `dispatched_at`; False when the broker is down."""
    sent = _publish(kind_entry(operation.kind).task, kwargs={"operation_id": operation.pk},
                    task_id=operation.task_id)
    operation.dispatch_failed = not sent
    if sent:
        now = timezone.now()
        Operation.objects.filter(pk=operation.pk).update(dispatched_at=now)
        operation.dispatched_at = now
    return sent


def operation_dispatch_on_commit(operation: Operation) -> None:
    transaction.on_commit(lambda: operation_publish(operation))


def batch_publish(batch: Batch) -> bool:
    """One message that makes a worker send the batch's Operations; stamps the batch when it went out."""
    sent = _publish(DISPATCH_BATCH_TASK, kwargs={"batch_id": batch.pk})
    batch.dispatch_failed = not sent
    if sent:
        now = timezone.now()
        Batch.objects.filter(pk=batch.pk).update(dispatched_at=now)
        batch.dispatched_at = now
    return sent


def batch_dispatch_on_commit(batch: Batch) -> None:
    transaction.on_commit(lambda: batch_publish(batch))

