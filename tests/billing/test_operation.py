"""'Sync usage now' as an Operation performed by a real worker against the sandbox."""

from __future__ import annotations

import pytest

from owlie_portal.billing.kinds import Kind
from owlie_portal.billing.models import UsageRecord
from owlie_portal.errors import DomainError
from owlie_portal.billing.services import billing_profile_update, usage_sync_request
from owlie_portal.billing.services import requests as requests_module
from owlie_portal.operations.models import Operation

pytestmark = pytest.mark.slow


def test_administrator_asks_for_a_usage_sync_and_the_worker_records_it(
        celery_worker, client, admin_user_role, sandbox, sandbox_tenants, wait_until):
    tenant, = sandbox_tenants(1)
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=4)
    client.force_login(admin_user_role)

    answer = client.post("/admin/billing/usagerecord/sync/")

    assert answer.status_code == 302
    operation = Operation.objects.get(kind=Kind.USAGE_SYNC)
    assert answer["Location"] == f"/admin/operations/batch/{operation.batch_id}/progress/"
    wait_until(lambda: Operation.objects.get(pk=operation.pk).is_final, message="the usage sync")
    operation.refresh_from_db()
    assert operation.state == "succeeded" and operation.result["synced"] == 1
    assert operation.requested_by == admin_user_role
    assert UsageRecord.objects.filter(tenant=tenant, period="month").count() == 14 * 5


def test_a_rate_limit_storm_hands_the_sync_back_and_the_retry_completes_it(
        celery_worker, client, manager_user, sandbox, sandbox_tenants, wait_until):
    tenant, = sandbox_tenants(1, account_manager=manager_user)
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=5)
    sandbox.control("faults", p_429=1.0)
    client.force_login(manager_user)

    client.post("/admin/billing/usagerecord/sync/", {"tenant": tenant.pk})

    operation = Operation.objects.get(kind=Kind.USAGE_SYNC, tenant=tenant)
    wait_until(lambda: Operation.objects.get(pk=operation.pk).error_code == 20429, message="the 20429 answer")
    assert not UsageRecord.objects.filter(tenant=tenant).exists()  # nothing half-written
    sandbox.control("faults")
    wait_until(lambda: Operation.objects.get(pk=operation.pk).state == "succeeded", timeout=30,
               message="the retry to succeed")
    assert UsageRecord.objects.filter(tenant=tenant, period="month").count() == 14 * 5


def test_a_sync_of_all_customers_is_a_batch_of_parts_spread_over_the_workers(
        celery_worker, admin_user_role, sandbox, sandbox_tenants, wait_until, monkeypatch, settings):
    monkeypatch.setattr(requests_module, "PART_SIZE_MAX", 5)  # 12 tenants over a budget of 2: parts of 5 at most
    settings.TWILIO_MAX_CONCURRENCY = 2
    tenants = sandbox_tenants(12)
    for seed, tenant in enumerate(tenants):
        sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=seed)
    sandbox.control("usage/seed", months=13, seed=99)  # the parent's own usage

    batch, new = usage_sync_request(requested_by=admin_user_role)
    again, joined_new = usage_sync_request(requested_by=admin_user_role)

    assert new and not joined_new and again.pk == batch.pk  # a second click joins the sync under way
    parts = Operation.objects.filter(batch=batch).order_by("pk")
    assert [len(p.params["tenant_ids"]) for p in parts] == [5, 5, 2] and batch.total == 3
    assert sorted(t for p in parts for t in p.params["tenant_ids"]) == sorted(t.pk for t in tenants)
    assert [p.params["parent"] for p in parts] == [True, False, False]
    wait_until(lambda: not parts.exclude(state="succeeded").exists(), timeout=60, message="every part")
    assert sum(p.result["synced"] for p in parts.all()) == 12
    for tenant in tenants:
        assert UsageRecord.objects.filter(tenant=tenant, period="month").count() == 14 * 5
    parent_months = UsageRecord.objects.filter(scope=UsageRecord.Scope.PARENT_OWN, period="month")
    assert parent_months.count() == 14 * 5  # read once, by the first part
    later, _ = usage_sync_request(requested_by=admin_user_role)
    assert later.pk != batch.pk  # that one finished: a new sync starts
    wait_until(lambda: not Operation.objects.filter(batch=later).exclude(state="succeeded").exists(), timeout=60,
               message="the later sync")


@pytest.mark.django_db
@pytest.mark.parametrize("customers, budget, sizes", [(3, 25, [1, 1, 1]), (60, 25, [3] * 20), (2000, 25, [40] * 50)])
def test_parts_fill_the_concurrency_budget_and_stay_small(customers, budget, sizes, settings, monkeypatch):
    settings.TWILIO_MAX_CONCURRENCY = budget
    monkeypatch.setattr(requests_module, "usage_sync_tenant_ids", lambda: list(range(1, customers + 1)))
    batch, _ = usage_sync_request(requested_by=None)
    parts = Operation.objects.filter(batch=batch).order_by("pk")
    assert [len(part.params["tenant_ids"]) for part in parts] == sizes


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("markup_percent", "-1", "must be 0 or more"), ("markup_percent", "abc", "must be a number"),
    ("spend_cap", "0", "must be 0.01 or more"), ("spend_cap", "NaN", "must be 0.01 or more"),
    ("monthly_fee", "1e400x", "must be a number")])
def test_billing_settings_service_refuses_bad_values_and_changes_nothing(sandbox_tenants, field, value, message):
    tenant, = sandbox_tenants(1)
    billing_profile_update(tenant=tenant, markup_percent="12.5", spend_cap="100")
    with pytest.raises(DomainError, match=message):
        billing_profile_update(tenant=tenant, **{"markup_percent": "12.5", "spend_cap": "100", field: value})
    profile = tenant.billing_profile
    profile.refresh_from_db()
    assert (str(profile.markup_percent), str(profile.spend_cap)) == ("12.50", "100.00")
