"""Moving numbers through the Operation: every step against the sandbox, what Twilio and our database end with."""

import pytest

from move_helpers import (SERVICE_ADD, SERVICE_REMOVE, TRANSFER, buy, owner_at_twilio, requests_to, run_until_final,
                          service, service_at_twilio)
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.services import number_move, numbers_bulk_move
from owlie_portal.operations.models import Operation

pytestmark = pytest.mark.django_db
State = Operation.State


def test_a_parent_number_moves_to_a_tenant_keeps_its_urls_and_joins_the_default_service(
        sandbox, sandbox_tenants, support_user):
    [falcon] = sandbox_tenants(1, name="Falcon Flights")
    number = buy(sandbox)
    target_service = service(sandbox, falcon)

    operation = number_move(number_sid=number.sid, target=falcon, requested_by=support_user, add_to_service=True)
    assert PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.MOVING

    operation = run_until_final(operation.pk)
    assert operation.state == State.SUCCEEDED, operation.error_message
    assert owner_at_twilio(sandbox, number) == falcon.subaccount_sid
    assert service_at_twilio(sandbox, number) == target_service.sid
    stored = sandbox.sandbox.store.numbers[number.sid]
    assert (stored.voice_url, stored.sms_url) == ("https://example.com/voice", "https://example.com/sms")
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.tenant, row.status, row.messaging_service) == (falcon, PhoneNumber.Status.ACTIVE, target_service)
    assert operation.result["steps"] == ["checked", "left_service", "transfer_sent", "transferred", "verified",
                                         "join_sent", "joined_service"]


def test_a_tenant_number_leaves_its_service_with_the_tenants_credentials_before_moving_to_another_tenant(
        sandbox, sandbox_tenants, support_user):
    source, target = sandbox_tenants(2)
    number = buy(sandbox, source)
    service(sandbox, source, numbers=[number])
    sandbox.sandbox.stats.reset()

    operation = run_until_final(number_move(number_sid=number.sid, target=target, requested_by=support_user).pk)

    assert operation.state == State.SUCCEEDED, operation.error_message
    assert owner_at_twilio(sandbox, number) == target.subaccount_sid
    assert service_at_twilio(sandbox, number) is None
    assert requests_to(sandbox, SERVICE_REMOVE) == 1 and requests_to(sandbox, SERVICE_ADD) == 0
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.tenant, row.messaging_service) == (target, None)


def test_a_tenant_number_moves_back_to_the_parent(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox, tenant)

    operation = run_until_final(number_move(number_sid=number.sid, target=None, requested_by=support_user).pk)

    assert operation.state == State.SUCCEEDED, operation.error_message
    assert owner_at_twilio(sandbox, number) == sandbox.parent_sid
    assert PhoneNumber.objects.get(pk=number.pk).tenant is None


def test_urls_twilio_lost_in_the_move_are_written_back(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox)
    operation = number_move(number_sid=number.sid, target=tenant, requested_by=support_user)
    # What a Twilio that dropped the configuration on a move would leave: the URL empty in the gaining account.
    sandbox.sandbox.faults.add_targeted(endpoint=TRANSFER, outcome="lose_answer")
    run_until_final(operation.pk, attempts=1)  # the transfer happened; its answer was lost
    sandbox.sandbox.store.numbers[number.sid].voice_url = ""

    operation = run_until_final(operation.pk)

    assert operation.state == State.SUCCEEDED, operation.error_message
    assert sandbox.sandbox.store.numbers[number.sid].voice_url == "https://example.com/voice"
    assert operation.result["restored"] == ["voice_url"]


def test_a_bulk_move_is_one_batch_with_one_operation_per_number(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    numbers = [buy(sandbox) for _ in range(3)]

    batch = numbers_bulk_move(number_sids=[n.sid for n in numbers], target=tenant, requested_by=support_user)
    for operation in batch.operations.all():
        assert run_until_final(operation.pk).state == State.SUCCEEDED

    assert batch.total == 3 and batch.operations.count() == 3
    assert {owner_at_twilio(sandbox, n) for n in numbers} == {tenant.subaccount_sid}
    assert set(PhoneNumber.objects.values_list("tenant_id", flat=True)) == {tenant.pk}
