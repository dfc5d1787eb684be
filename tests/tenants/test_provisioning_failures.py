"""A provisioning that gives up leaves a FAILED tenant (never 'provisioning' forever) that can be retried."""

import pytest
from django.db.models import F

from owlie_portal.errors import DomainError
from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants.tasks import provision_subaccount

pytestmark = pytest.mark.django_db


def _create(support_user):
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    return tenant, Operation.objects.get(tenant=tenant)


def test_spent_retries_mark_the_operation_and_the_tenant_failed(sandbox, support_user):
    tenant, operation = _create(support_user)
    from owlie_portal.twilio_gateway.errors import TwilioTransientError

    # What Celery calls once autoretry has used up max_retries.
    provision_subaccount.on_failure(TwilioTransientError("Too Many Requests", code=20429, status=429),
                                    "task-id", (), {"operation_id": operation.pk}, None)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 20429)
    assert "gave up" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.FAILED


def test_the_sweeper_giving_up_marks_the_tenant_failed(sandbox, support_user):
    tenant, operation = _create(support_user)
    Operation.objects.filter(pk=operation.pk).update(state=Operation.State.RUNNING, attempts=8)

    operations_sweep(older_than_s=-1, max_attempts=8)

    operation.refresh_from_db()
    assert operation.state == Operation.State.FAILED and "Gave up after 8 attempts" in operation.error_message
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.FAILED


def test_retrying_a_failed_provisioning_adopts_the_subaccount_an_earlier_attempt_made(sandbox, support_user):
    tenant, operation = _create(support_user)
    # The first attempt made the subaccount at Twilio, but the portal never heard back and gave up.
    sandbox.client().api.v2010.accounts.create(friendly_name=tenant.friendly_name)
    Operation.objects.filter(pk=operation.pk).update(state=Operation.State.FAILED, attempts=F("attempts") + 1)
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.FAILED)
    tenant.refresh_from_db()

    retry = services.tenant_retry_provisioning(tenant=tenant, requested_by=support_user)
    services.operation_run_provision(operation_id=retry.pk)

    tenant.refresh_from_db()
    accounts = [a for a in sandbox.client().api.v2010.accounts.list() if a.sid != sandbox.parent_sid]
    assert len(accounts) == 1 and tenant.subaccount_sid == accounts[0].sid
    assert tenant.status == Tenant.Status.ACTIVE
    assert Operation.objects.get(pk=retry.pk).state == Operation.State.SUCCEEDED


def test_only_failed_tenants_can_be_provisioned_again(sandbox, support_user):
    tenant, _ = _create(support_user)
    with pytest.raises(DomainError, match="only a tenant whose provisioning failed"):
        services.tenant_retry_provisioning(tenant=tenant, requested_by=support_user)
    assert Operation.objects.count() == 1


def test_a_heartbeat_keeps_a_long_running_operation_from_being_redriven(sandbox, support_user):
    from datetime import timedelta

    from django.utils import timezone

    from owlie_portal.operations.services import operation_heartbeat

    _, operation = _create(support_user)
    long_ago = timezone.now() - timedelta(hours=1)
    Operation.objects.filter(pk=operation.pk).update(state=Operation.State.RUNNING, attempts=1, updated_at=long_ago)
    operation.refresh_from_db()  # the worker's claim: attempt 1

    operation_heartbeat(operation)
    touched = operations_sweep(older_than_s=300).redriven

    operation.refresh_from_db()
    assert touched == 0 and operation.state == Operation.State.RUNNING
