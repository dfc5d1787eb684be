"""Twilio's refusals end as failed Operations with Twilio's code and a sentence a support engineer reads."""

import pytest

from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.kinds import Kind

pytestmark = pytest.mark.django_db


def test_hitting_the_subaccount_limit_fails_provisioning_with_21480(sandbox, support_user):
    sandbox.control("config", max_subaccounts=0)
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    operation = Operation.objects.get(tenant=tenant)

    services.operation_run_provision(operation_id=operation.pk)

    operation.refresh_from_db()
    tenant.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 21480)
    assert "maximum number of subaccounts" in operation.error_message
    assert tenant.status == Tenant.Status.FAILED and tenant.subaccount_sid is None


def test_reactivating_a_subaccount_twilio_suspended_fails_with_21478_and_keeps_it_suspended(
        sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1, status=Tenant.Status.SUSPENDED)
    sandbox.control(f"accounts/{tenant.subaccount_sid}/suspend-by-twilio")
    operation = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_REACTIVATE,
                                                      requested_by=support_user)

    services.operation_run_status_change(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 21478)
    assert "Twilio itself suspended" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.SUSPENDED
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "suspended"


def test_a_suspended_parent_blocks_status_changes_with_21476(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    sandbox.control(f"accounts/{sandbox.parent_sid}/suspend-by-twilio")
    operation = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_SUSPEND,
                                                      requested_by=support_user, reason="fraud")

    services.operation_run_status_change(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 21476)
    assert "parent account is suspended" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE


def test_wrong_parent_credentials_fail_provisioning_with_20003_and_a_clear_sentence(sandbox, settings, support_user):
    settings.TWILIO_AUTH_TOKEN = "f" * 32
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    operation = Operation.objects.get(tenant=tenant)

    services.operation_run_provision(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 20003)
    assert "rejected the credentials" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.FAILED


def test_a_subaccount_unknown_at_twilio_fails_with_20404(sandbox, support_user):
    from factories import TenantFactory

    tenant = TenantFactory(subaccount_sid="AC" + "9" * 32)  # Twilio never heard of it
    operation = services.tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_SUSPEND,
                                                      requested_by=support_user, reason="fraud")

    services.operation_run_status_change(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 20404)
    assert "no such resource" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE
