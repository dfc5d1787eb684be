"""Spend caps after a sync: warn once a month (flag + email), suspend through the ordinary Operation once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from owlie_portal.billing.models import BillingProfile, UsageRecord
from owlie_portal.billing.months import month_of
from owlie_portal.billing.selectors import spend_flag_expression
from owlie_portal.billing.services import spend_check, usage_sync
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.kinds import Kind
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import phone_numbers

CURRENT = month_of(date.today())


def _spent(tenant, total: str) -> None:
    UsageRecord.objects.update_or_create(
        tenant=tenant, scope="tenant", account_sid=tenant.subaccount_sid, category="totalprice", period="month",
        start=CURRENT, defaults={"month": CURRENT, "end": CURRENT, "count": 0, "usage": 0, "price": Decimal(total)})


@pytest.mark.django_db
def test_crossing_the_warning_level_after_a_sync_flags_the_tenant_and_emails_its_manager_once(
        sandbox, sandbox_tenants, manager_user, mailoutbox, django_capture_on_commit_callbacks):
    manager_user.email = "alex@example.com"
    manager_user.save()
    tenant, = sandbox_tenants(1, account_manager=manager_user)
    phone_numbers.number_buy(account_sid=tenant.subaccount_sid, area_code="415")  # this month's usage
    BillingProfile.objects.create(tenant=tenant, spend_cap=Decimal("0.02"), warning_percent=50)
    with django_capture_on_commit_callbacks(execute=True):
        usage_sync()
    with django_capture_on_commit_callbacks(execute=True):
        usage_sync()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alex@example.com"]
    assert tenant.name in mailoutbox[0].subject and "estimate" in mailoutbox[0].body
    flagged = Tenant.objects.annotate(flag=spend_flag_expression(today=date.today())).get(pk=tenant.pk).flag
    assert flagged and BillingProfile.objects.get(tenant=tenant).warned_month == CURRENT
    assert not Operation.objects.exists()  # policy "notify": no suspension


@pytest.mark.django_db
def test_below_the_warning_level_nothing_happens(sandbox_tenants, mailoutbox):
    tenant, = sandbox_tenants(1)
    BillingProfile.objects.create(tenant=tenant, spend_cap=Decimal("100"), cap_policy="suspend")
    _spent(tenant, "79.99")
    assert spend_check(tenant_ids=[tenant.pk], month=CURRENT) == {"warned": 0, "capped": 0}


@pytest.mark.slow
def test_crossing_the_cap_suspends_through_the_ordinary_operation_and_never_twice_a_month(
        celery_worker, sandbox, sandbox_tenants, wait_until):
    tenant, = sandbox_tenants(1)
    BillingProfile.objects.create(tenant=tenant, spend_cap=Decimal("100"), cap_policy="suspend")
    _spent(tenant, "100.00")
    assert spend_check(tenant_ids=[tenant.pk], month=CURRENT)["capped"] == 1
    suspend = Operation.objects.get(kind=Kind.SUBACCOUNT_SUSPEND)
    assert suspend.params["reason"] == "spend_cap" and "crossed the 100.00 USD cap" in suspend.params["note"]
    wait_until(lambda: Operation.objects.get(pk=suspend.pk).is_final, message="the suspension")
    tenant.refresh_from_db()
    assert (tenant.status, tenant.suspension_reason) == ("suspended", "spend_cap")
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "suspended"
    # Reversible: a person reactivates it, and the next check of the same crossing leaves it active.
    from owlie_portal.tenants.services import tenant_request_status_change
    again = tenant_request_status_change(tenant=tenant, kind=Kind.SUBACCOUNT_REACTIVATE, requested_by=None)
    wait_until(lambda: Operation.objects.get(pk=again.pk).is_final, message="the reactivation")
    _spent(tenant, "130.00")
    assert spend_check(tenant_ids=[tenant.pk], month=CURRENT)["capped"] == 0
    assert Operation.objects.filter(kind=Kind.SUBACCOUNT_SUSPEND).count() == 1
    assert Tenant.objects.get(pk=tenant.pk).status == "active"
