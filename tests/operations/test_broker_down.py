"""The broker goes away: admin requests still answer, say the work waits for the queue, and the sweeper
sends it once the queue is back. The unreachable broker is real: a Celery app pointed at a closed port."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from celery import Celery
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from owlie_portal.operations import dispatch
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.slow
CHANGELIST = reverse("admin:tenants_tenant_changelist")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.fixture
def broker_down(monkeypatch):
    unreachable = Celery("broker-down")
    # Publishing uses the write URL; Celery prefers CELERY_BROKER_URL from the environment over broker_url.
    unreachable.conf.broker_write_url = f"redis://127.0.0.1:{_closed_port()}/0"
    unreachable.conf.broker_connection_timeout = 1
    monkeypatch.setattr(dispatch, "celery_app", unreachable)
    return monkeypatch


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _bulk_suspend(client, tenants):
    return client.post(CHANGELIST, {"action": "suspend_selected", "select_across": 0, "confirm": "yes",
                                    "_selected_action": [t.pk for t in tenants], "reason": "non_payment",
                                    "note": ""})


def _age_everything() -> None:
    long_ago = timezone.now() - timedelta(minutes=2)
    Batch.objects.update(created_at=long_ago)
    Operation.objects.update(created_at=long_ago)


def test_a_bulk_action_during_a_broker_outage_is_saved_shown_waiting_and_runs_when_the_queue_is_back(
        celery_worker, sandbox, sandbox_tenants, client, support_user, broker_down, wait_until):
    tenants = sandbox_tenants(3)
    client.force_login(support_user)

    response = _bulk_suspend(client, tenants)

    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:operations_batch_progress",
                                                                    args=[batch.pk])
    [message] = _messages(response)
    assert "task queue is unreachable" in message and "127.0.0.1" not in message
    assert batch.dispatched_at is None
    assert set(Operation.objects.values_list("state", flat=True)) == {Operation.State.QUEUED}
    page = client.get(reverse("admin:operations_batch_progress", args=[batch.pk])).content.decode()
    assert "3 waiting for the task queue" in page

    broker_down.undo()  # the queue is back
    _age_everything()
    assert operations_sweep().sent == 1  # one message for the batch; a worker sends its operations
    wait_until(lambda: not Operation.objects.exclude(state=Operation.State.SUCCEEDED).exists(),
               message="the saved batch to run once the queue is back")
    assert {sandbox.sandbox.store.accounts[t.subaccount_sid].status for t in tenants} == {"suspended"}
    assert set(Tenant.objects.values_list("status", flat=True)) == {Tenant.Status.SUSPENDED}
    page = client.get(reverse("admin:operations_batch_progress", args=[batch.pk])).content.decode()
    assert "waiting for the task queue" not in page


def test_sync_now_during_a_broker_outage_answers_with_a_message_and_the_request_is_kept(
        transactional_db, sandbox, client, support_user, broker_down):
    client.force_login(support_user)

    response = client.post(reverse("admin:tenants_tenant_sync"))

    assert response.status_code == 302
    [message] = _messages(response)
    assert "Sync from Twilio queued" in message and "task queue is unreachable" in message
    request = Operation.objects.get()
    assert (request.kind, request.requested_by, request.dispatched_at) == ("subaccounts.sync", support_user, None)
