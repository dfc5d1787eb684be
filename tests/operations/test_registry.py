"""Kinds come from the apps: a kind registered outside tenants and operations fails through its own hook,
shows its label, and its batches retry through the generic path."""

from __future__ import annotations

import pytest
from django.urls import reverse

from factories import TenantFactory
from owlie_portal.operations import registry
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.services import (
    batch_create,
    operation_claim,
    operation_enqueue,
    operation_fail,
    operations_enqueue_batch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def widget_kind():
    failed_for_good = []
    registry.register_kind("test.widget", task="numbers.transfer_number", label="Polish a widget",
                           on_failed=lambda operation: failed_for_good.append(operation.pk))
    yield failed_for_good
    registry._KINDS.pop("test.widget", None)


def test_an_unregistered_kind_is_refused_before_anything_is_written():
    with pytest.raises(LookupError):
        operation_enqueue(kind="nobody.registered.this")
    assert not Operation.objects.exists()


def test_a_kind_registered_elsewhere_runs_its_own_hook_when_it_fails_for_good(widget_kind):
    operation = operation_enqueue(kind="test.widget", target_sid="PN" + "1" * 32)
    claimed = operation_claim(operation_id=operation.pk)

    assert operation_fail(claimed, code=21472, message="The receiving account is not active.") is True
    assert widget_kind == [operation.pk]
    assert str(Operation.objects.get(pk=operation.pk)).startswith("Polish a widget")


def _failed_transfer_batch(tenant, user) -> Batch:
    batch = batch_create(kind="number.transfer", description="Move 2 numbers", requested_by=user, total=2)
    operations_enqueue_batch(batch=batch, operations=[
        Operation(kind="number.transfer", tenant=tenant, target_sid=f"PN{i:032x}",
                  params={"from": "AC" + "0" * 32, "to": tenant.subaccount_sid}) for i in range(2)])
    for operation in batch.operations.all():
        operation_fail(operation_claim(operation_id=operation.pk), code=21472, message="not active")
    return batch


def test_retrying_a_batch_of_a_kind_without_its_own_retry_re_enqueues_each_failed_item(client, support_user):
    tenant = TenantFactory(name="Falcon Flights")
    batch = _failed_transfer_batch(tenant, support_user)
    client.force_login(support_user)

    response = client.post(reverse("admin:operations_batch_retry", args=[batch.pk]))

    retry = Batch.objects.exclude(pk=batch.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("admin:operations_batch_progress", args=[retry.pk])
    copies = list(retry.operations.order_by("target_sid"))
    assert [(o.kind, o.state, o.target_sid, o.params["to"]) for o in copies] == [
        ("number.transfer", Operation.State.QUEUED, f"PN{i:032x}", tenant.subaccount_sid) for i in range(2)]
    assert batch.operations.filter(state=Operation.State.FAILED).count() == 2  # the ledger keeps the failures


def test_a_batch_retry_needs_the_kinds_own_permission(client, manager_user, support_user):
    batch = _failed_transfer_batch(TenantFactory(), support_user)
    client.force_login(manager_user)  # may read batches, may not move numbers

    assert client.post(reverse("admin:operations_batch_retry", args=[batch.pk])).status_code == 403
    assert Batch.objects.count() == 1
