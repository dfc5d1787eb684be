"""The "Sync now" and "Import subaccounts from Twilio" buttons, run by the real worker against the sandbox."""

import pytest
from django.urls import reverse

from owlie_portal.tenants.models import Tenant, TenantDrift

pytestmark = pytest.mark.slow


def test_sync_now_turns_a_subaccount_suspended_at_twilio_into_status_and_a_drift_banner(
        celery_worker, client, support_user, sandbox, sandbox_tenants, wait_until):
    changed, unchanged = sandbox_tenants(2)
    sandbox.client().api.v2010.accounts(changed.subaccount_sid).update(status="suspended")
    client.force_login(support_user)

    response = client.post(reverse("admin:tenants_tenant_sync"))

    assert response.status_code == 302 and response.url == reverse("admin:tenants_tenant_changelist")
    wait_until(lambda: Tenant.objects.get(pk=changed.pk).status == Tenant.Status.SUSPENDED,
               message="the sync to record the suspension")
    drift = TenantDrift.objects.get(resolved_at__isnull=True)
    assert (drift.tenant_id, drift.kind, drift.portal_value, drift.twilio_value) == (
        changed.pk, TenantDrift.Kind.STATUS_CHANGED, "active", "suspended")
    assert Tenant.objects.get(pk=unchanged.pk).status == Tenant.Status.ACTIVE
    page = client.get(reverse("admin:tenants_tenant_change", args=[changed.pk])).content.decode()
    assert '<p class="owlie-drift-banner">Drift: Status changed at Twilio' in page
    assert "owlie-drift-banner" not in client.get(
        reverse("admin:tenants_tenant_change", args=[unchanged.pk])).content.decode()
    listed = client.get(reverse("admin:tenants_tenant_changelist"), {"drift": "open"}).context["cl"].result_list
    assert [t.pk for t in listed] == [changed.pk]


def test_import_by_support_staff_creates_tenants_for_subaccounts_the_portal_does_not_know(
        celery_worker, client, support_user, sandbox, sandbox_tenants, wait_until):
    [known] = sandbox_tenants(1)
    legacy = sandbox.client().api.v2010.accounts.create(friendly_name="Legacy Larks")
    client.force_login(support_user)

    response = client.post(reverse("admin:tenants_tenant_import"))

    assert response.status_code == 302
    imported = wait_until(lambda: Tenant.objects.filter(subaccount_sid=legacy.sid).first(),
                          message="the unknown subaccount to be imported")
    assert (imported.name, imported.status, imported.external_ref) == (
        "Legacy Larks", Tenant.Status.ACTIVE, f"twilio:{legacy.sid}")
    assert Tenant.objects.count() == 2 and Tenant.objects.filter(subaccount_sid=known.subaccount_sid).count() == 1
