"""Batch lanes: how a worker works through a batch without one broker message per Operation.

A batch's one message starts ``OPERATION_BATCH_LANES`` lane tasks. A lane takes the batch's next row nobody
has taken and claims it, in one conditional UPDATE that also stamps ``dispatched_at`` (PostgreSQL skips
rows another lane is taking), runs that row's own task body in this thread, then takes the next, until
none is left. The claim is the ledger's ordinary one (queued|unknown → running, ``attempts + 1``) and the
body closes the row as a task delivered on its own would, so the guarantees of the ledger do not depend
on lanes. What lanes save is the broker round trip, the message decoding and Celery's bookkeeping per
Operation (measured: 38% of the workers' CPU in a 1,000-tenant bulk).

A lane does not retry. An attempt that should be retried (a transient or ambiguous Twilio error,
an error of the portal's own) is handed to the row's own task with Celery's backoff, as if that task had
retried; when the broker cannot take it, the row is left for a lane to take again (``dispatched_at``
cleared). After an error of the portal's own (Redis, the database) a lane takes no row until the database
and the Twilio budget answer again (``portal_answers``, probed at 0.5 s doubling to 8 s), so an outage does
not run through the batch spending attempts. A lane works for at most ``LANE_MAX_S`` and then hands over to
a fresh lane message, which keeps each message within the prefork pool's time limits. Rows whose lanes all
died (a worker killed) are re-driven by the sweeper's stale path, like any row whose worker vanished.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import connection

from owlie_portal.celery import app as celery_app
from owlie_portal.twilio_gateway.budget import current_budget

from .models import Operation
from .registry import kind_entry
from .services import OperationInterrupted, operation_claim_next_of_batch, operation_claimed_for_call

logger = logging.getLogger(__name__)

LANE_TASK = "operations.run_batch_lane"
LANE_MAX_S = min(120, max(1, settings.OPERATION_TASK_SOFT_TIME_LIMIT_S // 2))
# A lane that hit the portal's own trouble waits before its next row: 0.5 s, doubling to 8 s while it lasts.
PAUSE_FIRST_S, PAUSE_MAX_S = 0.5, 8.0


@dataclass
class LaneReport:
    ran: int = 0
    handed_off: int = 0
    continued: bool = False


def lane_take(batch_id: int) -> Operation | None:
    """Claim the batch's next untaken open row for this lane (see `operation_claim_next_of_batch`)."""
    return operation_claim_next_of_batch(batch_id=batch_id, max_attempts=settings.OPERATION_MAX_ATTEMPTS)


def _hand_off(task, operation_id: int, task_id: str, attempts: int) -> bool:
    """Send the row to its own task with the backoff Celery's retry would use; False when the broker is
    unreachable (the row is then left for a lane to take again)."""
    countdown = get_exponential_backoff_interval(factor=task.retry_backoff, retries=max(0, attempts - 1),
                                                 maximum=task.retry_backoff_max, full_jitter=task.retry_jitter)
    try:
        task.apply_async(kwargs={"operation_id": operation_id}, task_id=task_id, countdown=countdown,
                         retries=max(1, attempts))
        return True
    except Exception as error:  # kombu/redis raise several families
        logger.warning("operation %s: broker unreachable for its retry (%s); a lane takes it again",
                       operation_id, type(error).__name__)
        Operation.objects.filter(pk=operation_id).exclude(state=Operation.State.RUNNING).update(dispatched_at=None)
        return False


def portal_answers() -> bool:
    """Whether the portal's own services a lane needs answer again: the database and the Twilio budget."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        if not connection.in_atomic_block:
            connection.close()  # a broken connection: the next use opens a new one
        return False
    return current_budget().answers()


def _wait_for_portal(time_left, sleep, answers) -> bool:
    """Pause after the portal's own trouble, without taking rows (each take would spend an attempt),
    until its services answer: 0.5 s, doubling to 8 s. False when the lane's time ran out first."""
    pause = PAUSE_FIRST_S
    while pause <= time_left():
        sleep(pause)
        if answers():
            return True
        pause = min(PAUSE_MAX_S, pause * 2)
    return False


def batch_lane_run(*, batch_id: int, clock=time.monotonic, sleep=time.sleep, answers=portal_answers) -> LaneReport:
    """Work through the batch's untaken rows in this thread (see the module docstring)."""
    report, started = LaneReport(), clock()

    def time_left() -> float:
        return LANE_MAX_S - (clock() - started)

    while time_left() > 0:
        try:
            taken = lane_take(batch_id)
        except Exception as error:  # the database is away
            logger.warning("batch %s lane: could not take a row (%s)", batch_id, type(error).__name__)
            if not _wait_for_portal(time_left, sleep, answers):
                break
            continue
        if taken is None:
            return report
        report.ran += 1
        try:
            task = celery_app.tasks[kind_entry(taken.kind).task]
        except LookupError:  # a kind or task this worker does not know: a deployment error, not the row's
            logger.error("batch %s lane: no task for operation %s (%s); the sweeper re-drives it", batch_id,
                         taken.pk, taken.kind)
            continue
        try:
            with operation_claimed_for_call(taken):  # the body's own claim takes this row: no second UPDATE
                task(operation_id=taken.pk)  # the task's body, called directly: a retry re-raises here
        except getattr(task, "autoretry_for", ()) as error:  # OperationTask's: what its task would retry
            report.handed_off += 1
            handed = _hand_off(task, taken.pk, taken.task_id, taken.attempts)
            if isinstance(error, OperationInterrupted) or not handed:
                if not _wait_for_portal(time_left, sleep, answers):
                    break
        except Exception:  # a bug: the row stays as the work left it and the sweeper re-drives it
            logger.exception("batch %s lane: operation %s raised", batch_id, taken.pk)
    report.continued = lane_messages_send(batch_id=batch_id, lanes=1) == 1
    return report


def batch_start_lanes(*, batch_id: int) -> int:
    """In a worker, for the batch's one message: start lanes for its open rows not yet taken. Returns how
    many lane messages went out. Safe to run twice (a redelivered message): lanes take only untaken rows."""
    pending = Operation.objects.filter(batch_id=batch_id, state__in=Operation.OPEN_STATES,
                                       dispatched_at__isnull=True, parent__isnull=True).count()
    return lane_messages_send(batch_id=batch_id, lanes=min(pending, settings.OPERATION_BATCH_LANES))


def lane_messages_send(*, batch_id: int, lanes: int) -> int:
    """Send `lanes` lane messages for the batch; how many went out (0 when the broker is unreachable)."""
    try:
        with celery_app.producer_or_acquire() as producer:
            for _ in range(lanes):
                celery_app.send_task(LANE_TASK, kwargs={"batch_id": batch_id}, producer=producer,
                                     argsrepr="()", kwargsrepr=f"{{'batch_id': {batch_id}}}")
    except Exception as error:
        logger.warning("batch %s: broker unreachable while starting lanes (%s); the sweeper re-drives its rows",
                       batch_id, type(error).__name__)
        return 0
    return lanes
