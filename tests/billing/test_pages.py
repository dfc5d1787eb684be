"""Billing pages per role: own customers by default, all customers read-only, crafted URLs, CSVs, bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from factories import TenantFactory
from owlie_portal.billing.models import BillingProfile, UsageRecord
from owlie_portal.billing.months import month_add, month_of

pytestmark = pytest.mark.django_db
LAST = month_add(month_of(date.today()), -1)


def _usage(tenant, month, total: str, sms: str = "1.00") -> None:
    for category, price in (("totalprice", total), ("sms-outbound", sms)):
        UsageRecord.objects.create(tenant=tenant, account_sid=tenant.subaccount_sid, category=category, period="month",
                                   month=month, start=month, end=month, count=1, usage=1, price=Decimal(price),
                                   price_unit="usd")


@pytest.fixture
def customers(manager_user, make_user):
    other = make_user("olga-manager", "Account managers")
    mine = [TenantFactory(name="Falcon Flights", account_manager=manager_user),
            TenantFactory(name="Heron Health", account_manager=manager_user)]
    theirs = TenantFactory(name="Raven Realty", account_manager=other)
    for tenant, total in zip([*mine, theirs], ["10.005", "20.10", "99.99"]):
        _usage(tenant, LAST, total)
        _usage(tenant, month_add(LAST, -1), "5.00")
    return mine, theirs


def _rows(client, url):
    answer = client.get(url)
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode())))


def test_account_manager_sees_only_their_customers_by_default(client, manager_user, customers):
    client.force_login(manager_user)
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    assert "Falcon Flights" in page and "Heron Health" in page and "Raven Realty" not in page


def test_account_manager_may_switch_to_all_customers_read_only(client, manager_user, customers):
    client.force_login(manager_user)
    page = client.get("/admin/billing/usagerecord/overview/?scope=all").content.decode()
    assert "Raven Realty" in page and "Sync usage now" not in page


def test_crafted_url_for_another_managers_tenant_is_refused_unless_all_customers_read_only(
        client, manager_user, customers):
    _, theirs = customers
    client.force_login(manager_user)
    assert client.get(f"/admin/billing/usagerecord/tenant/{theirs.pk}/").status_code == 403
    assert client.get(f"/admin/billing/usagerecord/tenant/{theirs.pk}/history.csv").status_code == 403
    read_only = client.get(f"/admin/billing/usagerecord/tenant/{theirs.pk}/?scope=all").content.decode()
    assert "Read-only view." in read_only and "Sync usage now" not in read_only
    answer = client.post("/admin/billing/usagerecord/sync/", {"tenant": theirs.pk, "scope": "all"})
    assert answer.status_code == 403


def test_support_staff_need_the_view_billing_permission(client, support_user, customers):
    client.force_login(support_user)
    assert client.get("/admin/billing/usagerecord/overview/").status_code == 403
    support_user.user_permissions.add(Permission.objects.get(codename="view_billing"))
    support_user = type(support_user).objects.get(pk=support_user.pk)  # drop the permission cache
    client.force_login(support_user)
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    assert "Raven Realty" in page and "Sync usage now" not in page


def test_administrator_sees_all_with_the_reconciliation(client, admin_user_role, customers):
    client.force_login(admin_user_role)
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    assert "Raven Realty" in page and "Falcon Flights" in page and "billing-reconcile" in page


def test_rebilling_csv_has_one_row_per_customer_adding_up_to_the_pages_total(client, manager_user, customers):
    mine, _ = customers
    BillingProfile.objects.create(tenant=mine[0], markup_percent=Decimal("10"), monthly_fee=Decimal("25.00"))
    client.force_login(manager_user)
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    header, *rows = _rows(client, f"/admin/billing/usagerecord/rebilling.csv?month={LAST:%Y-%m}")
    assert [r[1] for r in rows] == ["Falcon Flights", "Heron Health"]
    falcon = dict(zip(header, rows[0]))
    # 10.005 → 10.01 (cents, half up); markup 10 % → 1.00; fee 25.00.
    assert falcon["twilio_cost_usd_estimate"] == "10.01" and falcon["markup_usd"] == "1.00"
    assert falcon["amount_to_invoice_usd"] == "36.01" and falcon["external_reference"] == mine[0].external_ref
    total = sum(Decimal(dict(zip(header, r))["amount_to_invoice_usd"]) for r in rows)
    assert f'id="total-invoice" data-amount="{total}"' in page


def test_sorting_by_total_puts_the_largest_first(client, admin_user_role, customers):
    client.force_login(admin_user_role)
    page = client.get("/admin/billing/usagerecord/overview/?o=-total").content.decode()
    assert page.index("Raven Realty") < page.index("Heron Health") < page.index("Falcon Flights")


def test_a_month_in_the_future_is_refused_with_a_clear_error(client, admin_user_role, customers):
    client.force_login(admin_user_role)
    future = month_add(month_of(date.today()), 1)
    answer = client.get(f"/admin/billing/usagerecord/overview/?month={future:%Y-%m}")
    assert answer.status_code == 400 and "is in the future" in answer.content.decode()
    answer = client.get("/admin/billing/usagerecord/rebilling.csv?month=soon")
    assert answer.status_code == 400 and "is not a month" in answer.content.decode()


def test_tenant_history_csv_carries_decimal_prices(client, manager_user, customers):
    mine, _ = customers
    client.force_login(manager_user)
    header, *rows = _rows(client, f"/admin/billing/usagerecord/tenant/{mine[0].pk}/history.csv")
    prices = [dict(zip(header, r))["price_estimate"] for r in rows]
    assert "10.005000" in prices


@pytest.mark.parametrize("field, value, message", [
    ("markup_percent", "-5", "greater than or equal to 0"),
    ("markup_percent", "ten", "Enter a number"),
    ("spend_cap", "-1", "greater than or equal to 0.01"),
    ("spend_cap", "lots", "Enter a number"),
])
def test_bad_markup_or_cap_is_refused_and_changes_nothing(client, admin_user_role, customers, field, value, message):
    mine, _ = customers
    profile = BillingProfile.objects.create(tenant=mine[0], markup_percent=Decimal("15"), spend_cap=Decimal("100"))
    client.force_login(admin_user_role)
    form = {"tenant": mine[0].pk, "markup_percent": "15", "monthly_fee": "0", "spend_cap": "100",
            "warning_percent": "80", "cap_policy": "notify", field: value}
    answer = client.post(f"/admin/billing/billingprofile/{profile.pk}/change/", form)
    assert answer.status_code == 200 and message in answer.content.decode()
    profile.refresh_from_db()
    assert profile.markup_percent == Decimal("15") and profile.spend_cap == Decimal("100")


def test_tenants_changelist_flags_a_tenant_past_its_warning_level_and_links_to_its_billing(
        client, admin_user_role, customers):
    mine, theirs = customers
    BillingProfile.objects.create(tenant=theirs, spend_cap=Decimal("50"), warned_month=month_of(date.today()))
    client.force_login(admin_user_role)
    listing = client.get("/admin/tenants/tenant/").content.decode()
    assert listing.count('title="Crossed its spend warning level">warning<') == 1
    page = client.get(f"/admin/tenants/tenant/{theirs.pk}/change/").content.decode()
    assert f"/admin/billing/usagerecord/tenant/{theirs.pk}/" in page


def test_admin_index_leads_account_managers_to_the_month_overview(client, manager_user, customers):
    client.force_login(manager_user)
    index = client.get("/admin/").content.decode()
    assert "/admin/billing/usagerecord/" in index
    assert client.get("/admin/billing/usagerecord/").url == "/admin/billing/usagerecord/overview/"


def test_the_overview_says_a_sync_of_all_customers_is_under_way_with_a_link_to_its_parts(
        customers, client, manager_user, admin_user_role):
    from owlie_portal.billing.services import usage_sync_request
    from owlie_portal.operations.models import Operation

    client.force_login(admin_user_role)
    assert "sync-under-way" not in client.get("/admin/billing/usagerecord/overview/").content.decode()

    batch, _ = usage_sync_request(requested_by=admin_user_role)  # no worker here: its parts stay queued
    Operation.objects.filter(batch=batch).update(state=Operation.State.QUEUED)
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    assert "A usage sync of all customers is under way:\n    0 of 3 parts done." in page
    assert f"/admin/operations/batch/{batch.pk}/progress/" in page

    client.force_login(manager_user)  # an account manager sees it too, and the link leads somewhere
    page = client.get("/admin/billing/usagerecord/overview/").content.decode()
    assert "0 of 3 parts done" in page
    linked = f"/admin/operations/batch/{batch.pk}/progress/"
    assert (linked in page) == (client.get(linked).status_code == 200)  # never a link to a 403

    Operation.objects.filter(batch=batch).update(state=Operation.State.SUCCEEDED)
    assert "sync-under-way" not in client.get("/admin/billing/usagerecord/overview/").content.decode()
