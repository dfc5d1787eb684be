"""Lost answers at each step of a move: the next attempt looks at Twilio first, so nothing is lost or done twice."""

import pytest
from django.urls import reverse

from move_helpers import (FETCH, SERVICE_ADD, SERVICE_REMOVE, TRANSFER, buy, owner_at_twilio, requests_to,
                          run_until_final, service, service_at_twilio)
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.services import number_move, number_move_resume, numbers_bulk_move
from owlie_portal.operations.models import Operation

pytestmark = pytest.mark.django_db
State = Operation.State


@pytest.fixture
def tenant_to_tenant(sandbox, sandbox_tenants, support_user):
    """A number in the source tenant's service, asked to move to the target and join its default service."""
    source, target = sandbox_tenants(2)
    number = buy(sandbox, source)
    service(sandbox, source, numbers=[number])
    joined = service(sandbox, target)
    sandbox.sandbox.stats.reset()
    operation = number_move(number_sid=number.sid, target=target, requested_by=support_user, add_to_service=True)
    return number, target, joined, operation


def _assert_moved(sandbox, number, target, joined, operation):
    assert operation.state == State.SUCCEEDED, operation.error_message
    assert owner_at_twilio(sandbox, number) == target.subaccount_sid
    assert service_at_twilio(sandbox, number) == joined.sid
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.tenant, row.status, row.messaging_service) == (target, PhoneNumber.Status.ACTIVE, joined)


def _assert_moved_once(sandbox, number, target, joined, operation):
    _assert_moved(sandbox, number, target, joined, operation)
    assert requests_to(sandbox, TRANSFER) == 1, "the transfer was sent twice"
    assert requests_to(sandbox, SERVICE_ADD) == 1, "the number was added to the service twice"


@pytest.mark.parametrize("endpoint", [FETCH, SERVICE_REMOVE, TRANSFER, SERVICE_ADD],
                         ids=["check-or-verify-read", "leave-service", "transfer", "join-service"])
def test_a_lost_answer_at_any_step_ends_moved_exactly_once(sandbox, tenant_to_tenant, endpoint):
    number, target, joined, operation = tenant_to_tenant
    sandbox.sandbox.faults.add_targeted(endpoint=endpoint, outcome="lose_answer")

    operation = run_until_final(operation.pk)

    _assert_moved_once(sandbox, number, target, joined, operation)
    assert operation.attempts == 2, "the lost answer should have cost exactly one more attempt"


def test_lost_answers_at_every_step_of_one_move(sandbox, tenant_to_tenant):
    number, target, joined, operation = tenant_to_tenant
    for endpoint in (FETCH, SERVICE_REMOVE, TRANSFER, SERVICE_ADD):
        sandbox.sandbox.faults.add_targeted(endpoint=endpoint, outcome="lose_answer")

    operation = run_until_final(operation.pk, attempts=8)

    assert sandbox.sandbox.faults.targeted == [], "every step's answer was really lost once"
    assert operation.attempts >= 5, "four lost answers cost at least four more attempts"
    _assert_moved_once(sandbox, number, target, joined, operation)


def test_a_move_that_failed_after_the_transfer_shows_where_it_stopped_and_resumes_from_there(
        sandbox, tenant_to_tenant, support_user):
    number, target, joined, operation = tenant_to_tenant
    stored = sandbox.sandbox.store.numbers[number.sid]
    stored.capabilities["sms"] = stored.capabilities["mms"] = False  # the service refuses it: 21715

    failed = run_until_final(operation.pk)

    assert (failed.state, failed.error_code) == (State.FAILED, 21715)
    assert failed.result["steps"][-1] == "join_sent" and "transferred" in failed.result["steps"]
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.tenant, row.status) == (target, PhoneNumber.Status.MOVING), "the number's state must show it"

    stored.capabilities["sms"] = True
    sandbox.sandbox.stats.reset()
    resumed = run_until_final(number_move_resume(operation=failed, requested_by=support_user).pk)

    assert resumed.params["resume_of"] == failed.pk
    _assert_moved(sandbox, number, target, joined, resumed)
    assert (requests_to(sandbox, TRANSFER), requests_to(sandbox, SERVICE_REMOVE)) == (0, 0), "finished steps ran again"
    assert requests_to(sandbox, SERVICE_ADD) == 1


def test_a_bulk_move_under_random_drops_and_timeouts_ends_with_every_number_moved(
        celery_worker, sandbox, sandbox_tenants, support_user, settings, wait_until):
    [tenant] = sandbox_tenants(1)
    numbers = [buy(sandbox) for _ in range(8)]
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    sandbox.sandbox.faults.configure({"p_drop": 0.1, "p_read_timeout": 0.1, "read_timeout_s": 0.8, "seed": 7})

    batch = numbers_bulk_move(number_sids=[n.sid for n in numbers], target=tenant, requested_by=support_user)
    wait_until(lambda: not batch.operations.exclude(state__in=Operation.FINAL_STATES).exists(), timeout=60,
               message="every move to finish")
    sandbox.sandbox.faults.clear()

    assert set(batch.operations.values_list("state", flat=True)) == {State.SUCCEEDED}
    assert {owner_at_twilio(sandbox, n) for n in numbers} == {tenant.subaccount_sid}
    assert set(PhoneNumber.objects.values_list("tenant_id", "status")) == {(tenant.pk, PhoneNumber.Status.ACTIVE)}


def test_the_batch_pages_retry_resumes_each_failed_move_from_its_failed_step(
        client, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    numbers = [buy(sandbox) for _ in range(2)]
    batch = numbers_bulk_move(number_sids=[n.sid for n in numbers], target=tenant, requested_by=support_user)
    first, second = batch.operations.order_by("pk")
    stored = sandbox.sandbox.store.numbers[numbers[0].sid]
    sandbox.sandbox.faults.add_targeted(endpoint=FETCH, outcome="500")  # the drift check
    run_until_final(first.pk, attempts=1)
    Operation.objects.filter(pk=first.pk).update(state=State.FAILED)  # as if its retries were spent
    assert run_until_final(second.pk).state == State.SUCCEEDED
    client.force_login(support_user)

    response = client.post(reverse("admin:operations_batch_retry", args=[batch.pk]))

    retry = batch.__class__.objects.exclude(pk=batch.pk).get()
    assert response["Location"].endswith(f"/admin/operations/batch/{retry.pk}/progress/")
    [resumed] = retry.operations.all()
    assert (resumed.target_sid, resumed.params["resume_of"]) == (numbers[0].sid, first.pk)
    assert run_until_final(resumed.pk).state == State.SUCCEEDED
    assert stored.account_sid == tenant.subaccount_sid
