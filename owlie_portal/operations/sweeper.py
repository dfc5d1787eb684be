"""The sweeper (run by beat): sends what the broker never got, re-drives rows whose worker vanished, and
gives up on rows past their attempts. Steps of another Operation are never touched here: their parent's
next attempt settles them."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import dispatch
from .models import Batch, Operation
from .services import operation_fail_unclaimed

logger = logging.getLogger(__name__)
State = Operation.State
# A message is sent on commit; give that a moment before treating a row as never sent.
UNSENT_GRACE_S = 5


@dataclass
class SweepReport:
    sent: int = 0
    redriven: int = 0
    given_up: int = 0


def _send_unsent(report: SweepReport, now) -> None:
    grace = now - timedelta(seconds=UNSENT_GRACE_S)
    for batch in Batch.objects.filter(dispatched_at__isnull=True, created_at__lt=grace,
                                      operations__state__in=Operation.OPEN_STATES).distinct():
        if not dispatch.batch_publish(batch):
            return
        report.sent += 1
    # Rows of a batch whose message went out are its lanes' to take; the stale path below backs that up.
    unsent = (Operation.objects.filter(state__in=Operation.OPEN_STATES, dispatched_at__isnull=True,
                                       parent__isnull=True, created_at__lt=grace)
              .filter(Q(batch__isnull=True) | Q(batch__dispatched_at__isnull=True)).order_by("pk"))
    for operation in unsent.iterator():
        if not dispatch.operation_publish(operation):
            return
        report.sent += 1


def _give_up(operation: Operation, report: SweepReport) -> None:
    message = operation.error_message or f"Gave up after {operation.attempts} attempts."
    if operation_fail_unclaimed(operation, code=operation.error_code, message=message):
        report.given_up += 1


def _redrive(operation: Operation, report: SweepReport) -> None:
    # Conditional on the row being exactly as read: a heartbeat, a finish or a new claim since wins.
    new_state = State.UNKNOWN if operation.state == State.RUNNING else operation.state
    task_id = uuid.uuid4().hex
    if Operation.objects.filter(pk=operation.pk, state=operation.state, attempts=operation.attempts,
                                updated_at=operation.updated_at).update(
            state=new_state, task_id=task_id, updated_at=timezone.now()):
        operation.task_id = task_id
        dispatch.operation_publish(operation)
        report.redriven += 1


def operations_sweep(*, older_than_s: int | None = None, max_attempts: int | None = None) -> SweepReport:
    """One pass of the sweeper. Every write is conditional on the row being as read (see `_redrive`)."""
    older_than_s = settings.OPERATION_STALE_AFTER_S if older_than_s is None else older_than_s
    max_attempts = settings.OPERATION_MAX_ATTEMPTS if max_attempts is None else max_attempts
    report, now = SweepReport(), timezone.now()
    _send_unsent(report, now)
    stale = Operation.objects.filter(state__in=Operation.OPEN_STATES, parent__isnull=True,
                                     updated_at__lt=now - timedelta(seconds=older_than_s))
    for operation in stale.iterator():
        if operation.attempts >= max_attempts:
            _give_up(operation, report)
        else:
            _redrive(operation, report)
    if report.sent or report.redriven or report.given_up:
        logger.info("sweeper: %s", report)
    return report
