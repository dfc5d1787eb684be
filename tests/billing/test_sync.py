"""Usage sync against the sandbox over HTTP: backfill, idempotence, the parent's own figures, bad answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from owlie_portal.billing.models import BillingProfile, UsageRecord
from owlie_portal.billing.months import month_add, month_of
from owlie_portal.billing.services import usage_sync

pytestmark = pytest.mark.django_db


def _seed(sandbox, tenant, seed: int = 1) -> None:
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=seed)


def _snapshot(**filters) -> list[tuple]:
    return list(UsageRecord.objects.filter(**filters).order_by("pk").values_list(
        "pk", "tenant_id", "scope", "category", "period", "start", "count", "usage", "price", "as_of"))


def test_first_sync_backfills_thirteen_months_of_the_subaccounts_own_records(sandbox, sandbox_tenants):
    tenant, other = sandbox_tenants(2)
    _seed(sandbox, tenant, 1)
    _seed(sandbox, other, 2)
    report = usage_sync()
    assert report.synced == 2 and report.backfilled == 2 and not report.errors
    current = month_of(date.today())
    months = set(UsageRecord.objects.filter(tenant=tenant, period="month").values_list("month", flat=True))
    assert months == {month_add(current, -k) for k in range(0, 14)}
    last = month_add(current, -1)
    own = UsageRecord.objects.get(tenant=tenant, period="month", month=last, category="totalprice").price
    theirs = UsageRecord.objects.get(tenant=other, period="month", month=last, category="totalprice").price
    assert isinstance(own, Decimal) and own > 0 and own != theirs
    parts = UsageRecord.objects.filter(tenant=tenant, period="month", month=last,
                                       category__in=["sms-outbound", "sms-inbound", "phonenumbers"])
    assert sum(r.price for r in parts) == pytest.approx(own, abs=Decimal("0.0005"))
    assert UsageRecord.objects.filter(tenant=tenant, period="day", month=last).count() >= 28


def test_parent_figures_are_its_own_and_the_all_accounts_total_reconciles(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    _seed(sandbox, tenant, 3)
    sandbox.control("usage/seed", months=13, seed=9)  # the parent's own usage
    usage_sync()
    last = month_add(month_of(date.today()), -1)
    own = UsageRecord.objects.get(scope="parent_own", period="month", month=last, category="totalprice").price
    everything = UsageRecord.objects.get(scope="parent_all", period="month", month=last, category="totalprice").price
    mine = UsageRecord.objects.get(tenant=tenant, period="month", month=last, category="totalprice").price
    assert own > 0 and everything == pytest.approx(own + mine, abs=Decimal("0.001"))


def test_running_a_sync_again_changes_nothing(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    _seed(sandbox, tenant)
    usage_sync()
    before = _snapshot()
    report = usage_sync()
    assert report.months_changed == 0 and report.synced == 1 and report.backfilled == 0
    assert _snapshot() == before


def test_a_rate_limit_storm_writes_nothing_and_says_why(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    _seed(sandbox, tenant)
    sandbox.control("faults", p_429=1.0)
    report = usage_sync()
    assert not UsageRecord.objects.filter(tenant=tenant).exists()
    assert report.errors[tenant.name].code == 20429
    assert "rate limiting" in BillingProfile.objects.get(tenant=tenant).usage_sync_error


def test_a_page_cut_off_mid_answer_leaves_the_stored_months_as_they_were(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    _seed(sandbox, tenant, 1)
    usage_sync()
    before = _snapshot(tenant=tenant)
    _seed(sandbox, tenant, 2)  # Twilio's figures changed since...
    sandbox.control("faults", p_drop=1.0)  # ...but the answer is cut off
    report = usage_sync()
    assert report.errors[tenant.name].kind == "transient"
    assert _snapshot(tenant=tenant) == before
    sandbox.control("faults")  # cleared: the next sync replaces the changed months whole
    assert usage_sync().months_changed > 0
    assert _snapshot(tenant=tenant) != before


def test_a_suspended_subaccount_whose_own_credentials_are_refused_is_read_by_the_parent(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1, status="suspended")
    _seed(sandbox, tenant)
    tenant.auth_token = "0" * 32  # refused with 20003, as Twilio may refuse a suspended account's own
    tenant.save()
    report = usage_sync()
    assert report.synced == 1 and not report.errors
    assert UsageRecord.objects.filter(tenant=tenant, period="month", price__gt=0).exists()


def test_an_active_tenant_with_refused_credentials_is_reported_and_not_read_by_the_parent(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    _seed(sandbox, tenant)
    tenant.auth_token = "0" * 32
    tenant.save()
    report = usage_sync()
    assert report.errors[tenant.name].code == 20003 and not UsageRecord.objects.filter(tenant=tenant).exists()


def test_a_rows_figures_are_compared_in_the_order_of_the_stored_columns():
    # store._row_key slices the row instead of naming nine fields: the slice must be FIGURES, in order.
    from owlie_portal.billing.services.store import FIGURES, _row_key
    from owlie_portal.twilio_gateway.usage import UsageRecordRow

    assert [name.removesuffix("_date") for name in UsageRecordRow._fields[1:10]] == list(FIGURES)
    row = UsageRecordRow(*(f"v{i}" for i in range(len(UsageRecordRow._fields))))
    assert _row_key(row) == tuple(getattr(row, name) for name in UsageRecordRow._fields[1:10])
