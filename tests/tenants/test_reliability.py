"""Bulk lifecycle work survives Twilio's faults and a vanished worker: nothing lost, nothing done twice."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone

from owlie_portal.celery import app as celery_app
from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants.kinds import Kind
from worker_processes import forget_unacked, requires_real_services, start_worker, stop, wait_for_worker, worker_env

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SUSPEND = Kind.SUBACCOUNT_SUSPEND
UPDATE_ENDPOINT = "POST /2010-04-01/Accounts/{Sid}.json"


def _states(batch) -> dict[str, int]:
    rows = Operation.objects.filter(batch=batch).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def _sandbox_statuses(sandbox, tenants) -> set[str]:
    accounts = sandbox.sandbox.store.accounts
    return {accounts[t.subaccount_sid].status for t in tenants}


def _bulk_suspend(tenants, user):
    return services.tenants_bulk_status_change(
        tenants=Tenant.objects.filter(pk__in=[t.pk for t in tenants]), kind=SUSPEND, requested_by=user,
        reason=Tenant.SuspensionReason.NON_PAYMENT, note="invoice 42 unpaid")


@pytest.mark.timeout(240)
def test_a_bulk_suspend_of_200_tenants_under_twilio_faults_ends_with_every_tenant_suspended(
        celery_worker, sandbox, sandbox_tenants, support_user, wait_until):
    tenants = sandbox_tenants(200)
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"p_429": 0.10, "p_500": 0.03, "p_drop": 0.02, "seed": 20240501})

    batch = _bulk_suspend(tenants, support_user)

    wait_until(lambda: Operation.objects.filter(batch=batch, state__in=Operation.FINAL_STATES).count() == 200,
               timeout=180, interval=0.25, message="every operation of the batch to be final")
    assert _states(batch) == {Operation.State.SUCCEEDED: 200}
    assert _sandbox_statuses(sandbox, tenants) == {"suspended"}
    assert set(Tenant.objects.values_list("status", "suspension_reason")) == {("suspended", "non_payment")}
    responses = sandbox.sandbox.stats.to_json()["responses"]
    assert responses.get("429") and responses.get("500")  # the faults really happened
    assert Operation.objects.filter(batch=batch, attempts__gt=1).exists()  # and some were retried by Celery


def _stale_operation(tenant, *, state: str, attempts: int) -> Operation:
    """A row as a vanished worker leaves it: claimed (or queued) long ago, its message gone with the worker."""
    operation = Operation.objects.create(kind=SUSPEND, tenant=tenant, target_sid=tenant.subaccount_sid,
                                         state=state, attempts=attempts, task_id="lost-with-the-worker",
                                         params={"reason": "fraud", "note": ""})
    long_ago = timezone.now() - timedelta(minutes=30)
    Operation.objects.filter(pk=operation.pk).update(updated_at=long_ago, started_at=long_ago)
    return operation


@pytest.mark.parametrize("state", [Operation.State.RUNNING, Operation.State.QUEUED])
def test_the_sweeper_resends_an_operation_whose_worker_vanished_and_it_completes(
        celery_worker, sandbox, sandbox_tenants, wait_until, state):
    [tenant] = sandbox_tenants(1)
    operation = _stale_operation(tenant, state=state, attempts=1 if state == Operation.State.RUNNING else 0)

    assert operations_sweep(older_than_s=60).redriven == 1

    wait_until(lambda: Operation.objects.get(pk=operation.pk).is_final, message="the re-driven operation")
    operation.refresh_from_db()
    tenant.refresh_from_db()
    assert operation.state == Operation.State.SUCCEEDED
    assert operation.task_id != "lost-with-the-worker"
    assert sandbox.sandbox.store.accounts[tenant.subaccount_sid].status == "suspended"
    assert (tenant.status, tenant.suspension_reason) == (Tenant.Status.SUSPENDED, "fraud")


def test_the_sweeper_leaves_fresh_operations_alone(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    operation = Operation.objects.create(kind=SUSPEND, tenant=tenant, target_sid=tenant.subaccount_sid,
                                         state=Operation.State.RUNNING, attempts=1)

    assert operations_sweep(older_than_s=60).redriven == 0
    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == (Operation.State.RUNNING, 1)


def test_the_sweeper_gives_up_on_an_operation_past_its_attempts_and_says_so(sandbox, sandbox_tenants, settings):
    [tenant] = sandbox_tenants(1)
    operation = _stale_operation(tenant, state=Operation.State.RUNNING, attempts=settings.OPERATION_MAX_ATTEMPTS)

    assert operations_sweep(older_than_s=60).given_up == 1

    operation.refresh_from_db()
    assert operation.state == Operation.State.FAILED
    assert operation.finished_at is not None
    assert f"Gave up after {settings.OPERATION_MAX_ATTEMPTS} attempts" in operation.error_message
    assert sandbox.sandbox.store.accounts[tenant.subaccount_sid].status == "active"  # never sent again
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE


# --- a worker process SIGKILLed mid-batch (Redis broker + PostgreSQL only) ------------------------------

@pytest.mark.timeout(180)
def test_a_worker_killed_mid_batch_is_replaced_and_the_batch_completes_without_duplicates(
        transactional_db, sandbox, sandbox_tenants, support_user, wait_until):
    requires_real_services()
    count = 100
    tenants = sandbox_tenants(count)
    celery_app.control.purge()
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"latency_ms": 100})  # 100 updates, 4 at a time: ~2.5 s of work
    env = worker_env(sandbox)
    first = start_worker("doomed", env)
    task_ids: set[str] = set()
    second = None
    try:
        wait_for_worker("doomed", wait_until)
        batch = _bulk_suspend(tenants, support_user)
        task_ids = set(Operation.objects.filter(batch=batch).values_list("task_id", flat=True))
        wait_until(lambda: _states(batch).get(Operation.State.SUCCEEDED, 0) >= count // 4, timeout=30,
                   message="a quarter of the batch to be done")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        at_kill = _states(batch)
        assert at_kill.get(Operation.State.SUCCEEDED, 0) < count, "the batch finished before the kill"

        second = start_worker("replacement", env)
        wait_for_worker("replacement", wait_until)

        def batch_done() -> bool:
            operations_sweep(older_than_s=3)  # what the beat sweeper does every minute
            return _states(batch).get(Operation.State.SUCCEEDED, 0) + _states(batch).get(Operation.State.FAILED, 0) == count

        wait_until(batch_done, timeout=90, interval=1.0, message="the batch to complete after the restart")
    finally:
        first.kill() if first.poll() is None else None
        stop(second) if second is not None else None
        forget_unacked(task_ids)

    assert _states(batch) == {Operation.State.SUCCEEDED: count}
    per_tenant = Operation.objects.values("tenant").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in per_tenant) == [1] * count  # exactly one Operation per tenant
    assert _sandbox_statuses(sandbox, tenants) == {"suspended"}
    assert set(Tenant.objects.values_list("status", flat=True)) == {Tenant.Status.SUSPENDED}
    # Only what the dead worker had in hand (claimed, outcome unknown) may have been sent twice.
    updates = sandbox.sandbox.stats.to_json()["requests"][UPDATE_ENDPOINT]
    assert count <= updates <= count + at_kill.get(Operation.State.RUNNING, 0)
