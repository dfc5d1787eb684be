"""The ledger's Celery pieces: the base class every Operation task uses, batch lanes, the sweeper."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioError, TwilioTransientError

from . import dispatch, lanes, sweeper
from .models import Operation
from .services import OperationInterrupted, operation_fail_unclaimed

logger = logging.getLogger(__name__)


class OperationTask(Task):
    """Retries what may succeed later; when retries are spent a Twilio error closes the Operation FAILED.

    Time limits: the prefork pool enforces them (soft first, so work can stop between Twilio calls);
    the threads pool cannot, and there the HTTP timeout, the budget's wait limit and the sweeper bound
    work instead (README, "What bounds a task")."""

    autoretry_for = (TwilioTransientError, TwilioAmbiguousError, OperationInterrupted)
    retry_backoff = 1
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = settings.OPERATION_MAX_ATTEMPTS
    acks_late = True
    reject_on_worker_lost = True
    soft_time_limit = settings.OPERATION_TASK_SOFT_TIME_LIMIT_S
    time_limit = settings.OPERATION_TASK_TIME_LIMIT_S

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        operation = Operation.objects.filter(pk=kwargs.get("operation_id")).first()
        if operation is None or operation.is_final:
            return
        if not isinstance(exc, TwilioError):
            # The portal's own trouble: the row waits in unknown and the sweeper reconciles it later.
            logger.warning("operation %s: retries spent on an internal error; left to the sweeper", operation.pk)
            return
        message = f"{exc.message} (gave up after {operation.attempts} attempt{'' if operation.attempts == 1 else 's'})"
        if operation_fail_unclaimed(operation, code=exc.code, message=message):
            logger.info("operation %s (%s) failed after retries: Twilio error %s", operation.pk, operation.kind,
                        exc.code)


@shared_task(name=dispatch.DISPATCH_BATCH_TASK, acks_late=True)
def dispatch_batch(*, batch_id: int) -> int:
    return lanes.batch_start_lanes(batch_id=batch_id)


@shared_task(name=lanes.LANE_TASK, acks_late=True, soft_time_limit=settings.OPERATION_TASK_SOFT_TIME_LIMIT_S,
             time_limit=settings.OPERATION_TASK_TIME_LIMIT_S)
def run_batch_lane(*, batch_id: int) -> int:
    return lanes.batch_lane_run(batch_id=batch_id).ran


@shared_task(name="operations.sweep")
def sweep() -> dict:
    report = sweeper.operations_sweep()
    return {"sent": report.sent, "redriven": report.redriven, "given_up": report.given_up}
