"""Invalid transitions are refused before any Twilio call, with a sentence, and change nothing."""

import pytest

from factories import TenantFactory
from owlie_portal.errors import DomainError
from owlie_portal.tenants import services
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.kinds import Kind

pytestmark = pytest.mark.django_db


def _request(tenant, kind, **extra):
    return services.tenant_request_status_change(tenant=tenant, kind=kind, requested_by=None, **extra)


def test_reactivating_closed_tenant_is_rejected_and_changes_nothing():
    tenant = TenantFactory(name="Falcon Flights", status=Tenant.Status.CLOSED)
    with pytest.raises(DomainError, match="Falcon Flights is closed.*final"):
        _request(tenant, Kind.SUBACCOUNT_REACTIVATE)
    assert not Operation.objects.exists()
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.CLOSED


def test_suspending_a_provisioning_tenant_is_rejected():
    tenant = TenantFactory(status=Tenant.Status.PROVISIONING, subaccount_sid=None)
    with pytest.raises(DomainError, match="no working subaccount yet"):
        _request(tenant, Kind.SUBACCOUNT_SUSPEND, reason="fraud")
    assert not Operation.objects.exists()


def test_suspending_needs_a_known_reason():
    tenant = TenantFactory()
    with pytest.raises(DomainError, match="suspension reason"):
        _request(tenant, Kind.SUBACCOUNT_SUSPEND, reason="because")
    assert not Operation.objects.exists()


def test_a_second_request_while_one_is_in_flight_is_refused():
    tenant = TenantFactory()
    _request(tenant, Kind.SUBACCOUNT_SUSPEND, reason="fraud")
    with pytest.raises(DomainError, match="already has an operation in progress"):
        _request(tenant, Kind.SUBACCOUNT_CLOSE)
    assert Operation.objects.count() == 1


def test_bulk_request_counts_and_names_refused_tenants_and_queues_the_rest():
    ok = TenantFactory.create_batch(3)
    closed = TenantFactory(name="Gone Gulls", status=Tenant.Status.CLOSED)
    batch = services.tenants_bulk_status_change(
        tenants=Tenant.objects.all(), kind=Kind.SUBACCOUNT_SUSPEND, requested_by=None, reason="non_payment")
    assert (batch.total, batch.refused) == (3, 1)
    assert "Gone Gulls is closed" in batch.refused_detail
    assert set(Operation.objects.filter(batch=batch).values_list("tenant_id", flat=True)) == {t.pk for t in ok}
    assert not Operation.objects.filter(tenant=closed).exists()
    assert Batch.objects.count() == 1


def test_a_bad_sid_prefix_is_rejected_by_validation():
    from django.core.exceptions import ValidationError

    tenant = TenantFactory.build(subaccount_sid="PN" + "0" * 32)
    with pytest.raises(ValidationError, match="not a valid AC SID"):
        tenant.full_clean()


@pytest.mark.parametrize("live", [Tenant.Status.ACTIVE, Tenant.Status.PROVISIONING, Tenant.Status.SUSPENDED])
def test_creating_a_tenant_with_a_live_tenants_name_is_refused_and_names_it(live):
    TenantFactory(name="Falcon Flights", external_ref="CRM-7781", status=live)

    with pytest.raises(DomainError, match=r"Falcon Flights \(external reference CRM-7781\)"):
        services.tenant_create(name="  falcon flights ", external_ref="C-100", requested_by=None)

    assert Tenant.objects.count() == 1 and not Operation.objects.exists()


def test_a_closed_or_failed_tenants_name_can_be_used_again():
    TenantFactory(name="Falcon Flights", status=Tenant.Status.CLOSED)
    TenantFactory(name="Falcon Flights", status=Tenant.Status.FAILED, subaccount_sid=None)

    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-100", requested_by=None)

    assert tenant.status == Tenant.Status.PROVISIONING


def test_retrying_a_failed_tenant_whose_name_a_live_tenant_took_is_refused():
    failed = TenantFactory(name="Falcon Flights", status=Tenant.Status.FAILED, subaccount_sid=None)
    TenantFactory(name="Falcon Flights", external_ref="CRM-7781")

    with pytest.raises(DomainError, match="CRM-7781"):
        services.tenant_retry_provisioning(tenant=failed, requested_by=None)

    failed.refresh_from_db()
    assert failed.status == Tenant.Status.FAILED and not Operation.objects.exists()


def test_someone_outside_the_account_managers_group_cannot_be_made_account_manager(support_user):
    tenant = TenantFactory(account_manager=None)

    with pytest.raises(DomainError, match="Account managers"):
        services.tenants_assign_account_manager(tenants=Tenant.objects.all(), account_manager=support_user)
    with pytest.raises(DomainError, match="Account managers"):
        services.tenant_create(name="Gull Goods", external_ref="C-100", requested_by=None,
                               account_manager=support_user)

    tenant.refresh_from_db()
    assert tenant.account_manager is None and Tenant.objects.count() == 1
