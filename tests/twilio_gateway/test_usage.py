"""The gateway's Usage Records reads against the sandbox: Decimal money, every page or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.twilio_gateway.errors import TwilioTransientError
from owlie_portal.twilio_gateway.usage import parent_usage_records, subaccount_usage_records

FIRST, TODAY = date(2025, 10, 1), date.today()


@pytest.mark.django_db
def test_monthly_records_come_back_as_decimals_over_several_pages(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=1)
    rows = subaccount_usage_records(credentials=tenant_credentials(tenant), variant="monthly", start=FIRST,
                                    end=TODAY, page_size=10)
    assert len({(r.category, r.start_date) for r in rows}) == len(rows) > 10
    assert all(isinstance(r.price, Decimal) and r.account_sid == tenant.subaccount_sid for r in rows)
    sms = [r for r in rows if r.category == "sms-outbound" and r.price > 0]
    assert sms and all(r.price == r.price.quantize(Decimal("0.0001")) for r in sms)  # no float noise


@pytest.mark.django_db
def test_a_page_cut_off_after_the_first_one_returns_nothing_and_raises_a_transient_error(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=1)
    sandbox.control("faults", p_drop=0.5, seed=10)  # seed 10: the first roll passes, the second drops
    with pytest.raises(TwilioTransientError):
        subaccount_usage_records(credentials=tenant_credentials(tenant), variant="monthly", start=FIRST, end=TODAY,
                                 page_size=10)
    usage_requests = {k: v for k, v in sandbox.control("stats", "GET")["requests"].items() if "Usage" in k}
    assert sum(usage_requests.values()) == 1  # the first page was answered (stats count answers), the next cut off


@pytest.mark.django_db
def test_the_parents_own_records_leave_its_subaccounts_out(sandbox, sandbox_tenants):
    tenant, = sandbox_tenants(1)
    sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=1)
    own = parent_usage_records(variant="monthly", start=FIRST, end=TODAY, category="totalprice")
    everything = parent_usage_records(variant="monthly", start=FIRST, end=TODAY, category="totalprice",
                                      include_subaccounts=True)
    assert sum(r.price for r in own) == 0 < sum(r.price for r in everything)
