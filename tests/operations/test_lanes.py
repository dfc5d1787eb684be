"""Batch lanes: each row of a batch is taken by exactly one lane, a retry goes to the row's own task (or back
to the lanes when the broker cannot take it), and a lane hands over to a fresh one when its time is up."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from kombu.exceptions import OperationalError

from owlie_portal.operations import lanes
from owlie_portal.operations.models import Operation
from owlie_portal.tenants import services
from owlie_portal.tenants import tasks as tenant_tasks
from owlie_portal.tenants.kinds import Kind
from owlie_portal.tenants.models import Tenant

State = Operation.State
UPDATE_ENDPOINT = "POST /2010-04-01/Accounts/{Sid}.json"


def _bulk_suspend(tenants, user):
    return services.tenants_bulk_status_change(
        tenants=Tenant.objects.filter(pk__in=[t.pk for t in tenants]), kind=Kind.SUBACCOUNT_SUSPEND,
        requested_by=user, reason=Tenant.SuspensionReason.NON_PAYMENT)


def _updates(sandbox) -> int:
    return sandbox.sandbox.stats.to_json()["requests"].get(UPDATE_ENDPOINT, 0)


def test_lanes_taking_at_once_take_every_row_exactly_once(transactional_db, support_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent takers need PostgreSQL (SQLite runs one writer at a time)")
    from factories import TenantFactory

    tenants = TenantFactory.create_batch(300, status=Tenant.Status.ACTIVE)
    batch = _bulk_suspend(tenants, support_user)
    taken: list[list[int]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def lane(mine: list[int]) -> None:
        try:
            start.wait()
            while (claimed := lanes.lane_take(batch.pk)) is not None:
                assert (claimed.state, claimed.attempts) == (State.RUNNING, 1)
                mine.append(claimed.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lane, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [pk for mine in taken for pk in mine]
    assert len(every) == len(set(every)) == 300
    assert set(every) == set(Operation.objects.filter(batch=batch).values_list("pk", flat=True))
    assert sum(1 for mine in taken if mine) > 1  # the lanes really did share the batch
    assert not Operation.objects.filter(batch=batch, dispatched_at__isnull=True).exists()
    assert set(Operation.objects.filter(batch=batch).values_list("state", "attempts")) == {(State.RUNNING, 1)}


def test_a_lane_runs_every_row_once_and_a_second_lane_finds_nothing_left(db, sandbox, sandbox_tenants,
                                                                        support_user):
    tenants = sandbox_tenants(3)
    batch = _bulk_suspend(tenants, support_user)

    report = lanes.batch_lane_run(batch_id=batch.pk)

    assert (report.ran, report.handed_off) == (3, 0)
    assert set(Operation.objects.filter(batch=batch).values_list("state", "attempts")) == {(State.SUCCEEDED, 1)}
    assert {sandbox.sandbox.store.accounts[t.subaccount_sid].status for t in tenants} == {"suspended"}
    assert lanes.batch_lane_run(batch_id=batch.pk).ran == 0  # a redelivered lane message changes nothing
    assert _updates(sandbox) == 3


def test_a_retry_goes_to_the_rows_own_task_and_back_to_the_lanes_when_the_broker_cannot_take_it(
        db, sandbox, sandbox_tenants, support_user, monkeypatch):
    tenants = sandbox_tenants(2)
    batch = _bulk_suspend(tenants, support_user)
    sandbox.sandbox.faults.add_targeted(endpoint=UPDATE_ENDPOINT, outcome="500")  # the first update fails
    sent, pauses = [], []

    def broker_refuses(*args, **kwargs):  # the broker failing at this exact moment: nothing real stands in
        sent.append(kwargs)
        raise OperationalError("Error 111 connecting to 10.0.0.9:6379. Connection refused.")

    monkeypatch.setattr(tenant_tasks.set_subaccount_status, "apply_async", broker_refuses)

    report = lanes.batch_lane_run(batch_id=batch.pk, sleep=pauses.append)

    # The failed row was offered to its own task (its second attempt, with Celery's backoff); the broker
    # refused it, so it went back to the lanes, which took it again after a pause and finished it.
    assert len(sent) == 1 and sent[0]["retries"] == 1 and 0 <= sent[0]["countdown"] <= 1
    assert pauses == [lanes.PAUSE_FIRST_S]
    assert (report.ran, report.handed_off) == (3, 1)
    rows = dict(Operation.objects.filter(batch=batch).values_list("pk", "attempts"))
    assert sorted(rows.values()) == [1, 2]
    assert set(Operation.objects.filter(batch=batch).values_list("state", flat=True)) == {State.SUCCEEDED}
    assert set(Tenant.objects.values_list("status", flat=True)) == {Tenant.Status.SUSPENDED}
    assert _updates(sandbox) == 3  # the 500 (not applied) and one update each


def test_a_retry_handed_to_the_rows_own_task_is_not_taken_by_the_lanes_again(
        db, sandbox, sandbox_tenants, support_user, monkeypatch):
    tenants = sandbox_tenants(2)
    batch = _bulk_suspend(tenants, support_user)
    sandbox.sandbox.faults.add_targeted(endpoint=UPDATE_ENDPOINT, outcome="500")
    sent = []
    monkeypatch.setattr(tenant_tasks.set_subaccount_status, "apply_async", lambda **kwargs: sent.append(kwargs))

    report = lanes.batch_lane_run(batch_id=batch.pk, sleep=pytest.fail)

    assert (report.ran, report.handed_off) == (2, 1)
    retried = Operation.objects.get(batch=batch, state=State.QUEUED)
    assert sent == [{"kwargs": {"operation_id": retried.pk}, "task_id": retried.task_id,
                     "countdown": sent[0]["countdown"], "retries": 1}]
    assert retried.attempts == 1 and retried.dispatched_at is not None and retried.error_code == 20500
    # The row's own task finishes it (here called as the worker would, on the message above).
    tenant_tasks.set_subaccount_status(operation_id=retried.pk)
    assert set(Operation.objects.filter(batch=batch).values_list("state", flat=True)) == {State.SUCCEEDED}


def test_a_lane_whose_time_is_up_leaves_the_rest_to_a_fresh_lane(db, sandbox, sandbox_tenants, support_user,
                                                                  monkeypatch):
    tenants = sandbox_tenants(5)
    batch = _bulk_suspend(tenants, support_user)
    ticks = iter(range(100))
    started = []
    monkeypatch.setattr(lanes, "LANE_MAX_S", 3)
    monkeypatch.setattr(lanes, "lane_messages_send", lambda **kwargs: started.append(kwargs) or 1)

    report = lanes.batch_lane_run(batch_id=batch.pk, clock=lambda: next(ticks))

    assert report.ran == 2 and report.continued and started == [{"batch_id": batch.pk, "lanes": 1}]
    assert Operation.objects.filter(batch=batch, dispatched_at__isnull=True, state=State.QUEUED).count() == 3
    assert lanes.batch_lane_run(batch_id=batch.pk).ran == 3  # the fresh lane takes the rest


@pytest.mark.slow
def test_a_batch_worked_by_lanes_that_hand_over_ends_with_one_change_per_tenant(
        celery_worker, sandbox, sandbox_tenants, support_user, settings, monkeypatch, wait_until):
    settings.OPERATION_BATCH_LANES = 3
    monkeypatch.setattr(lanes, "LANE_MAX_S", 0.3)  # 20 rows of 0.1 s over 3 lanes: every lane hands over
    tenants = sandbox_tenants(20)
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"latency_ms": 100})
    batch = _bulk_suspend(tenants, support_user)

    wait_until(lambda: not Operation.objects.filter(batch=batch).exclude(state=State.SUCCEEDED).exists(),
               timeout=60, message="every row to succeed")

    assert set(Operation.objects.filter(batch=batch).values_list("attempts", flat=True)) == {1}
    assert set(Tenant.objects.values_list("status", flat=True)) == {Tenant.Status.SUSPENDED}
    assert _updates(sandbox) == 20


@pytest.fixture
def refused_retry_batch(db, sandbox, sandbox_tenants, support_user, monkeypatch):
    """Three tenants' suspends: the first update answers 500 and the broker refuses its retry."""
    batch = _bulk_suspend(sandbox_tenants(3), support_user)
    sandbox.sandbox.faults.add_targeted(endpoint=UPDATE_ENDPOINT, outcome="500")
    monkeypatch.setattr(tenant_tasks.set_subaccount_status, "apply_async", _refused)
    return batch


def test_after_the_portals_own_trouble_a_lane_takes_no_row_until_redis_and_the_database_answer(
        refused_retry_batch):
    batch = refused_retry_batch
    pauses, probes = [], iter([False, False, True])

    def sleep(seconds):  # while the lane waits, nothing of the batch is taken or spent
        pauses.append(seconds)
        assert sum(Operation.objects.filter(batch=batch).values_list("attempts", flat=True)) == 1

    report = lanes.batch_lane_run(batch_id=batch.pk, sleep=sleep, answers=lambda: next(probes))

    assert pauses == [0.5, 1.0, 2.0]
    assert (report.ran, report.handed_off) == (4, 1)
    assert set(Operation.objects.filter(batch=batch).values_list("state", flat=True)) == {State.SUCCEEDED}


def test_a_lane_whose_portal_stays_away_leaves_the_untaken_rows_as_they_were(refused_retry_batch, monkeypatch):
    batch = refused_retry_batch
    monkeypatch.setattr(lanes, "lane_messages_send", lambda **kwargs: 0)  # the queue is away too
    now = [0.0]
    monkeypatch.setattr(lanes, "LANE_MAX_S", 10)

    report = lanes.batch_lane_run(batch_id=batch.pk, clock=lambda: now[0],
                                  sleep=lambda s: now.__setitem__(0, now[0] + s), answers=lambda: False)

    assert (report.ran, report.handed_off, report.continued) == (1, 1, False)
    assert now[0] == 0.5 + 1 + 2 + 4  # the next pause (8 s) would pass the lane's time
    rows = Operation.objects.filter(batch=batch)
    assert rows.filter(dispatched_at__isnull=True, state__in=Operation.OPEN_STATES).count() == 3
    assert sorted(rows.values_list("attempts", flat=True)) == [0, 0, 1]


def _refused(**kwargs):
    raise OperationalError("Error 111 connecting to 10.0.0.9:6379. Connection refused.")


def test_the_portal_answers_only_when_the_database_and_the_budgets_redis_do(db, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.TWILIO_REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    assert lanes.portal_answers() is False
    settings.TWILIO_REDIS_URL = ""  # the in-process budget (the embedded mode) always answers
    assert lanes.portal_answers() is True
