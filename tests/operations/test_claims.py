"""Claims are exact: a worker overtaken by the sweeper changes neither its Operation nor its tenant.

The interleavings are forced, not raced: the stale worker's Twilio call is wrapped so that, between the
answer and the worker's own close, the sweeper re-drives the row and a second worker runs it to the end.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import (
    ClaimLost,
    OperationInterrupted,
    operation_claim,
    operation_fail_unclaimed,
    operation_heartbeat,
    operation_perform,
    operation_succeed,
)
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants import services
from owlie_portal.tenants.kinds import Kind
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.services import status as status_work
from owlie_portal.twilio_gateway.errors import TwilioPermanentError

UPDATE_ENDPOINT = "POST /2010-04-01/Accounts/{Sid}.json"
State = Operation.State


def _suspend(tenant, user) -> Operation:
    return services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_SUSPEND, requested_by=user,
                                                 reason=Tenant.SuspensionReason.FRAUD, note="chargebacks")


def _sweeper_redrives(operation: Operation) -> None:
    """What beat does once the row looks abandoned: it is old, so the sweeper re-drives it."""
    Operation.objects.filter(pk=operation.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert operations_sweep(older_than_s=60).redriven == 1


def _updates(sandbox) -> int:
    return sandbox.sandbox.stats.to_json()["requests"].get(UPDATE_ENDPOINT, 0)


def test_a_stale_worker_finishing_after_the_redrive_changes_nothing_and_twilio_sees_one_change(
        db, sandbox, sandbox_tenants, support_user, monkeypatch):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)
    sandbox.sandbox.stats.reset()
    real_set_status = status_work.twilio_accounts.subaccount_set_status

    def answer_then_get_overtaken(**kwargs):
        record = real_set_status(**kwargs)  # Twilio applied the suspend for the first worker…
        monkeypatch.setattr(status_work.twilio_accounts, "subaccount_set_status", real_set_status)
        _sweeper_redrives(operation)  # …which then stalled long enough for the sweeper to re-drive it,
        status_work.operation_run_status_change(operation_id=operation.pk)  # and a second worker finished it.
        Tenant.objects.filter(pk=tenant.pk).update(suspension_note="written by the second worker")
        return record

    monkeypatch.setattr(status_work.twilio_accounts, "subaccount_set_status", answer_then_get_overtaken)
    status_work.operation_run_status_change(operation_id=operation.pk)  # the first worker resumes and closes

    operation.refresh_from_db()
    tenant.refresh_from_db()
    assert (operation.state, operation.attempts) == (State.SUCCEEDED, 2)  # closed by the second attempt
    assert tenant.status == Tenant.Status.SUSPENDED
    assert tenant.suspension_note == "written by the second worker"  # the first worker wrote nothing after
    assert _updates(sandbox) == 1  # the second attempt reconciled (fetch) instead of suspending again
    assert sandbox.sandbox.store.accounts[tenant.subaccount_sid].status == "suspended"


def test_a_stale_worker_refused_by_twilio_after_the_redrive_never_marks_a_suspended_tenant_failed(
        db, sandbox, sandbox_tenants, support_user, monkeypatch):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)
    real_set_status = status_work.twilio_accounts.subaccount_set_status

    def overtaken_then_refused(**kwargs):
        monkeypatch.setattr(status_work.twilio_accounts, "subaccount_set_status", real_set_status)
        _sweeper_redrives(operation)
        status_work.operation_run_status_change(operation_id=operation.pk)  # the second worker suspends it
        raise TwilioPermanentError("Account is not active", code=20003, status=401)  # the first one is refused

    monkeypatch.setattr(status_work.twilio_accounts, "subaccount_set_status", overtaken_then_refused)
    status_work.operation_run_status_change(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (State.SUCCEEDED, None)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.SUSPENDED


def test_closes_and_heartbeats_of_an_overtaken_claim_lose(db, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)
    first = operation_claim(operation_id=operation.pk)
    _sweeper_redrives(operation)
    second = operation_claim(operation_id=operation.pk)

    assert (first.attempts, second.attempts) == (1, 2)
    with pytest.raises(ClaimLost):
        operation_heartbeat(first)
    assert operation_succeed(first) is False
    assert Operation.objects.get(pk=operation.pk).state == State.RUNNING
    assert operation_succeed(second) is True
    assert Operation.objects.get(pk=operation.pk).state == State.SUCCEEDED


def test_the_give_up_path_leaves_a_row_alone_that_was_touched_after_it_was_read(db, sandbox, sandbox_tenants,
                                                                                 support_user):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)
    claimed = operation_claim(operation_id=operation.pk)
    read_by_sweeper = Operation.objects.get(pk=operation.pk)  # the sweeper read it as stale…
    operation_heartbeat(claimed)  # …and its worker showed it is alive before the sweeper wrote

    assert operation_fail_unclaimed(read_by_sweeper, code=None, message="Gave up") is False
    assert Operation.objects.get(pk=operation.pk).state == State.RUNNING


def test_an_error_of_the_portals_own_leaves_the_row_unknown_for_reconciliation_not_failed(
        db, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)

    def work(claimed):
        raise ConnectionError("Error 111 connecting to redis-internal.example:6379. Connection refused.")

    with pytest.raises(OperationInterrupted):
        operation_perform(operation_id=operation.pk, work=work)

    operation.refresh_from_db()
    assert operation.state == State.UNKNOWN
    assert "redis-internal" not in operation.error_message and "6379" not in operation.error_message
    assert "Twilio is checked before it is retried" in operation.error_message


def test_a_claim_reads_the_row_as_the_orm_reads_it_and_a_close_writes_what_the_orm_would(
        db, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    operation = _suspend(tenant, support_user)

    claimed = operation_claim(operation_id=operation.pk)
    stored = Operation.objects.get(pk=operation.pk)
    for field in Operation._meta.concrete_fields:
        assert getattr(claimed, field.attname) == getattr(stored, field.attname), field.name
    assert claimed.params == {"reason": "fraud", "note": "chargebacks"} and claimed.started_at.tzinfo is not None
    assert not claimed._state.adding

    assert operation_succeed(claimed, result_sid="AC" + "1" * 32, result={"moved": ["PN1"], "n": 2}) is True
    stored = Operation.objects.get(pk=operation.pk)
    assert (stored.state, stored.result_sid, stored.result) == (State.SUCCEEDED, "AC" + "1" * 32,
                                                                {"moved": ["PN1"], "n": 2})
    assert stored.finished_at == claimed.finished_at and stored.updated_at == claimed.updated_at
