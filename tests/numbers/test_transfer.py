"""Moving numbers to the parent while closing: what Twilio did wins over answers that never arrived."""

import pytest

from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.kinds import Kind
from owlie_portal.numbers.kinds import Kind as NumberKind

pytestmark = pytest.mark.slow


def _tenant_with_numbers(sandbox, sandbox_tenants, count):
    [tenant] = sandbox_tenants(1)
    numbers = [sandbox.client().api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="415")
               for _ in range(count)]
    for number in numbers:
        PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=tenant)
    return tenant, numbers


def _parent_sids(sandbox):
    parent = sandbox.client()
    return {n.sid for n in parent.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.list()}


def test_a_transfer_whose_answer_is_lost_during_close_is_recorded_as_moved(
        celery_worker, sandbox, sandbox_tenants, support_user, settings, wait_until):
    tenant, [number] = _tenant_with_numbers(sandbox, sandbox_tenants, 1)
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    # The close lists the subaccount's numbers, then its Messaging Services, then moves the number.
    # Seed 0 rolls 0.84, 0.76, 0.42: at p=0.5 only the transfer's answer is lost (Twilio does move it).
    sandbox.sandbox.faults.configure({"p_read_timeout": 0.5, "read_timeout_s": 1.5, "seed": 0})
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=True)
    store = sandbox.sandbox.store
    wait_until(lambda: store.numbers[number.sid].account_sid == sandbox.parent_sid, message="the transfer to land")
    sandbox.sandbox.faults.clear()

    wait_until(lambda: Operation.objects.get(pk=close.pk).is_final, timeout=30, message="close finished")
    close.refresh_from_db()
    assert (close.state, close.attempts) == (Operation.State.SUCCEEDED, 1), close.error_message
    move = Operation.objects.get(kind=NumberKind.TRANSFER, tenant=tenant)
    assert move.state == Operation.State.SUCCEEDED
    assert PhoneNumber.objects.get(sid=number.sid).tenant is None
    assert number.sid in _parent_sids(sandbox)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED
    requests = sandbox.sandbox.stats.to_json()["requests"]
    assert any(r.startswith("GET ") and r.endswith("/IncomingPhoneNumbers/{Sid}.json") for r in requests), \
        "the portal never had to look where the number went: the fault hit another request"


def test_a_number_an_earlier_attempt_moved_keeps_its_inventory_row_when_the_close_retries(
        sandbox, sandbox_tenants, support_user):
    tenant, [moved, held] = _tenant_with_numbers(sandbox, sandbox_tenants, 2)
    # What a lost transfer answer leaves behind: Twilio moved the number, the portal never recorded it.
    sandbox.client().api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers(moved.sid).update(
        account_sid=sandbox.parent_sid)
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=True)

    services.operation_run_status_change(operation_id=close.pk)

    assert Operation.objects.get(pk=close.pk).state == Operation.State.SUCCEEDED
    assert {moved.sid, held.sid} <= _parent_sids(sandbox)
    rows = PhoneNumber.objects.filter(sid__in=[moved.sid, held.sid])
    assert sorted((r.sid, r.tenant_id) for r in rows) == sorted([(moved.sid, None), (held.sid, None)])
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "closed"


def test_closing_without_moving_deletes_only_the_rows_twilio_released(sandbox, sandbox_tenants, support_user):
    tenant, [number] = _tenant_with_numbers(sandbox, sandbox_tenants, 1)
    [other] = sandbox_tenants(1)
    kept = sandbox.client().api.v2010.accounts(other.subaccount_sid).incoming_phone_numbers.create(area_code="415")
    PhoneNumber.objects.create(sid=kept.sid, phone_number=kept.phone_number, tenant=other)
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=False)

    services.operation_run_status_change(operation_id=close.pk)

    assert Operation.objects.get(pk=close.pk).state == Operation.State.SUCCEEDED
    assert list(PhoneNumber.objects.values_list("sid", "tenant_id")) == [(kept.sid, other.pk)]
    assert number.sid not in sandbox.sandbox.store.numbers
