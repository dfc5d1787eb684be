"""Closing a tenant: numbers move to the parent first by default; unticked, Twilio releases them."""

import pytest

from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway.errors import TwilioTransientError
from owlie_portal.tenants.kinds import Kind
from owlie_portal.numbers.kinds import Kind as NumberKind

pytestmark = pytest.mark.slow


def _tenant_with_numbers(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    parent = sandbox.client()
    sub = sandbox.client(tenant.subaccount_sid, tenant.auth_token)
    numbers = [parent.api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="415")
               for _ in range(2)]
    service = sub.messaging.v1.services.create(friendly_name="Alerts")
    sub.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=numbers[0].sid)
    for number in numbers:
        PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=tenant)
    return tenant, numbers


def test_closing_moves_every_number_to_the_parent_before_closing(celery_worker, sandbox, sandbox_tenants,
                                                                 support_user, wait_until):
    tenant, numbers = _tenant_with_numbers(sandbox, sandbox_tenants)

    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=True)
    wait_until(lambda: Operation.objects.get(pk=close.pk).is_final, message="close finished")

    close.refresh_from_db()
    assert close.state == Operation.State.SUCCEEDED
    parent = sandbox.client()
    assert parent.api.v2010.accounts(tenant.subaccount_sid).fetch().status == "closed"
    in_parent = {n.sid for n in parent.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.list()}
    assert {n.sid for n in numbers} <= in_parent
    assert set(PhoneNumber.objects.filter(tenant__isnull=True).values_list("sid", flat=True)) == {n.sid for n in numbers}
    moves = Operation.objects.filter(kind=NumberKind.TRANSFER, tenant=tenant)
    assert sorted(moves.values_list("state", flat=True)) == ["succeeded", "succeeded"]
    assert {m.parent_id for m in moves} == {close.pk}
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED


def test_closing_without_moving_lets_twilio_release_the_numbers(celery_worker, sandbox, sandbox_tenants,
                                                                support_user, wait_until):
    tenant, numbers = _tenant_with_numbers(sandbox, sandbox_tenants)

    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=False)
    wait_until(lambda: Operation.objects.get(pk=close.pk).is_final, message="close finished")

    assert Operation.objects.get(pk=close.pk).state == Operation.State.SUCCEEDED
    parent = sandbox.client()
    in_parent = {n.sid for n in parent.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.list()}
    assert not ({n.sid for n in numbers} & in_parent)
    assert not PhoneNumber.objects.exists()
    assert not Operation.objects.filter(kind=NumberKind.TRANSFER).exists()


def _suspend_at_twilio(sandbox, tenant):
    sandbox.client().api.v2010.accounts(tenant.subaccount_sid).update(status="suspended")
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    tenant.refresh_from_db()


def test_a_close_whose_answer_is_lost_ends_closed_on_the_retry(sandbox, sandbox_tenants, support_user, settings):
    [tenant] = sandbox_tenants(1)
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=False)
    # Twilio closes the account but its answer comes after the portal gave up (read timeout).
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    sandbox.sandbox.faults.configure({"p_read_timeout": 1.0, "read_timeout_s": 1.5})
    with pytest.raises(TwilioTransientError):
        services.operation_run_status_change(operation_id=close.pk)
    sandbox.sandbox.faults.clear()
    assert sandbox.sandbox.store.accounts[tenant.subaccount_sid].status == "closed"

    services.operation_run_status_change(operation_id=close.pk)  # the task's retry

    close.refresh_from_db()
    assert (close.state, close.attempts, close.error_code) == (Operation.State.SUCCEEDED, 2, None)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "closed"


def test_closing_a_suspended_tenant_moves_its_service_numbers_to_the_parent(sandbox, sandbox_tenants,
                                                                            support_user):
    tenant, numbers = _tenant_with_numbers(sandbox, sandbox_tenants)
    _suspend_at_twilio(sandbox, tenant)
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=True)

    services.operation_run_status_change(operation_id=close.pk)

    close.refresh_from_db()
    assert close.state == Operation.State.SUCCEEDED, close.error_message
    parent = sandbox.client()
    assert parent.api.v2010.accounts(tenant.subaccount_sid).fetch().status == "closed"
    in_parent = {n.sid for n in parent.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.list()}
    assert {n.sid for n in numbers} <= in_parent
    assert set(PhoneNumber.objects.filter(tenant__isnull=True).values_list("sid", flat=True)) == {n.sid for n in numbers}
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED


def test_a_successful_close_erases_the_tenants_secrets(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1, api_key_sid="SK" + "a" * 32, api_key_secret="key-secret")
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=False)

    services.operation_run_status_change(operation_id=close.pk)

    assert Operation.objects.get(pk=close.pk).state == Operation.State.SUCCEEDED
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "closed"
    closed = Tenant.objects.get(pk=tenant.pk)
    assert (closed.status, closed.auth_token, closed.api_key_sid, closed.api_key_secret) == (
        Tenant.Status.CLOSED, "", "", "")


def test_a_close_twilio_refuses_keeps_the_tenants_secrets(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1, api_key_sid="SK" + "a" * 32, api_key_secret="key-secret")
    sandbox.control(f"accounts/{sandbox.parent_sid}/suspend-by-twilio")
    close = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_CLOSE,
                                                  requested_by=support_user, move_numbers_first=False)

    services.operation_run_status_change(operation_id=close.pk)

    assert Operation.objects.get(pk=close.pk).state == Operation.State.FAILED
    kept = Tenant.objects.get(pk=tenant.pk)
    assert (kept.status, kept.auth_token, kept.api_key_sid, kept.api_key_secret) == (
        Tenant.Status.ACTIVE, tenant.auth_token, "SK" + "a" * 32, "key-secret")
