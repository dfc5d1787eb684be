"""A worker SIGKILLed in the middle of a close that moves three numbers: a new worker and the sweeper finish
it with exactly one transfer per number at Twilio, and every step of the close ends final."""

from __future__ import annotations

import os
import signal

import pytest
from django.db.models import Count

from owlie_portal.numbers.kinds import Kind as NumberKind
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants import services
from owlie_portal.tenants.kinds import Kind
from owlie_portal.tenants.models import Tenant
from worker_processes import forget_unacked, requires_real_services, start_worker, stop, wait_for_worker, worker_env

pytestmark = pytest.mark.slow
TRANSFER_ENDPOINT = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"


def _tenant_with_three_numbers(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    parent = sandbox.client()
    numbers = [parent.api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="415")
               for _ in range(3)]
    for number in numbers:
        PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=tenant)
    return tenant, [n.sid for n in numbers]


def _in_parent(sandbox, sids) -> int:
    store = sandbox.sandbox.store
    return sum(store.numbers[sid].account_sid == sandbox.parent_sid for sid in sids)


@pytest.mark.timeout(180)
def test_a_worker_killed_mid_close_leaves_one_transfer_per_number_and_the_close_succeeds(
        transactional_db, sandbox, sandbox_tenants, support_user, wait_until):
    requires_real_services()
    tenant, sids = _tenant_with_three_numbers(sandbox, sandbox_tenants)
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"latency_ms": 600})  # each Twilio call takes 0.6 s: room to kill mid-way
    env = worker_env(sandbox)
    doomed, replacement, task_ids = start_worker("closer", env), None, set()
    try:
        wait_for_worker("closer", wait_until)
        close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                      requested_by=support_user, move_numbers_first=True)
        task_ids.add(close.task_id)
        wait_until(lambda: _in_parent(sandbox, sids) >= 1, timeout=30, message="the first number to move")
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
        assert _in_parent(sandbox, sids) < 3, "the close moved every number before the kill"

        replacement = start_worker("replacement", env)
        wait_for_worker("replacement", wait_until)

        def close_done() -> bool:
            operations_sweep(older_than_s=3)  # what beat does every minute
            return Operation.objects.get(pk=close.pk).is_final

        wait_until(close_done, timeout=120, interval=1.0, message="the close to finish after the restart")
    finally:
        doomed.kill() if doomed.poll() is None else None
        stop(replacement) if replacement is not None else None
        forget_unacked(task_ids | set(Operation.objects.values_list("task_id", flat=True)))

    close.refresh_from_db()
    assert close.state == Operation.State.SUCCEEDED and close.attempts >= 2
    assert sandbox.sandbox.store.accounts[tenant.subaccount_sid].status == "closed"
    assert _in_parent(sandbox, sids) == 3
    transfers = sandbox.sandbox.stats.to_json()["requests"].get(TRANSFER_ENDPOINT, 0)
    assert transfers == 3  # exactly one transfer per number
    steps = Operation.objects.filter(parent=close, kind=NumberKind.TRANSFER)
    per_number = dict(steps.values_list("target_sid").annotate(n=Count("pk")))
    assert per_number == {sid: 1 for sid in sids}  # the open step was taken over, not duplicated
    assert set(steps.values_list("state", flat=True)) == {Operation.State.SUCCEEDED}
    assert set(PhoneNumber.objects.values_list("sid", flat=True)) == set(sids)
    assert not PhoneNumber.objects.filter(tenant__isnull=False).exists()
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED
