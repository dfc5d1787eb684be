"""The tenants admin as a support desk uses it, in Chromium: lockouts that lock out one person, duplicate
names refused, the customer page, the follow-up after a bulk, and lists that fit a 1,366 px screen."""

import re

import pytest
from playwright.sync_api import expect

from factories import TenantFactory
from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant, TenantDrift

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"
SLOW_MS = 20_000
LAPTOP = {"width": 1366, "height": 768}


def _log_in(page, live_server, user, password=PASSWORD):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("#login-form input[type=submit]")


def _no_horizontal_scroll(page) -> dict:
    """Neither the page nor the admin's own scrolling box around the table (.results) scrolls sideways."""
    return page.evaluate("""() => {
        const doc = document.documentElement, box = document.querySelector('.results');
        return {page: doc.scrollWidth - doc.clientWidth, table: box.scrollWidth - box.clientWidth};
    }""")


def test_five_wrong_passwords_lock_out_that_user_only_and_say_for_how_long(
        live_server, page, support_user, admin_user_role):
    for _ in range(5):
        _log_in(page, live_server, support_user, password="not-the-password")
    _log_in(page, live_server, support_user)  # the right password, too late

    expect(page.locator("h1")).to_have_text("Login locked for a while")
    expect(page.locator("#content-main")).to_contain_text("for 1 hour")

    _log_in(page, live_server, admin_user_role)  # a colleague on the same address
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {admin_user_role.username}")


def test_a_second_falcon_flights_is_refused_with_a_link_to_the_first(live_server, page, admin_user_role):
    existing = TenantFactory(name="Falcon Flights", external_ref="CRM-FALCON")
    _log_in(page, live_server, admin_user_role)

    page.goto(live_server.url + "/admin/tenants/tenant/add/")
    page.fill("input[name=name]", "  falcon FLIGHTS ")
    page.fill("input[name=external_ref]", "CRM-FALCON-2")
    page.click("input[name=_save]")

    expect(page.locator(".errorlist")).to_contain_text("CRM-FALCON")
    link = page.locator(".errorlist a")
    expect(link).to_have_attribute("href", re.compile(rf"/admin/tenants/tenant/{existing.pk}/change/"))
    assert Tenant.objects.count() == 1


def test_the_customer_page_shows_its_numbers_services_and_status_history(live_server, page, support_user):
    tenant = TenantFactory(name="Falcon Flights", external_ref="CRM-FALCON")
    PhoneNumber.objects.create(sid="PN" + "a" * 32, phone_number="+14158740103", tenant=tenant)
    MessagingService.objects.create(sid="MG" + "b" * 32, tenant=tenant, friendly_name="falconFlightsAlerts")
    Operation.objects.create(kind="subaccount.suspend", tenant=tenant, state="succeeded", requested_by=support_user,
                             params={"reason": "non_payment", "note": "Invoice 1042 unpaid"})
    _log_in(page, live_server, support_user)

    page.goto(live_server.url + f"/admin/tenants/tenant/{tenant.pk}/change/")

    expect(page.locator("#owlie-numbers")).to_contain_text("+14158740103")
    expect(page.locator("#owlie-services")).to_contain_text("falconFlightsAlerts")
    expect(page.locator("#owlie-history")).to_contain_text("Non-payment")
    expect(page.locator("#owlie-history")).to_contain_text("Invoice 1042 unpaid")


def test_after_a_bulk_suspend_select_these_tenants_leads_to_a_bulk_reactivate(
        celery_worker, live_server, page, support_user, sandbox, sandbox_tenants):
    tenants = sandbox_tenants(3)
    TenantFactory(name="Not In The Batch")  # must not be selected by the follow-up
    _log_in(page, live_server, support_user)
    page.goto(live_server.url + "/admin/tenants/tenant/?q=" + "+".join([]))
    for tenant in tenants:
        page.check(f'input.action-select[value="{tenant.pk}"]')
    page.select_option("select[name=action]", "suspend_selected")
    page.click("button[name=index]")
    page.select_option("select[name=reason]", "non_payment")
    page.get_by_role("button", name="Yes, suspend subaccount").click()
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=SLOW_MS)

    page.click("#owlie-select-batch")

    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.check("#action-toggle")
    page.select_option("select[name=action]", "reactivate_selected")
    page.click("button[name=index]")
    page.get_by_role("button", name="Yes, reactivate subaccount").click()
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=SLOW_MS)
    expect(page.locator("#owlie-progress-text")).to_contain_text("3 succeeded")
    assert {Tenant.objects.get(pk=t.pk).status for t in tenants} == {Tenant.Status.ACTIVE}
    assert {sandbox.sandbox.store.accounts[t.subaccount_sid].status for t in tenants} == {"active"}


@pytest.mark.parametrize("path", ["/admin/tenants/tenant/", "/admin/operations/operation/",
                                  "/admin/tenants/tenantdrift/"])
def test_the_lists_fit_a_1366_pixel_screen_without_a_horizontal_scroll(live_server, browser, admin_user_role, path):
    manager = admin_user_role
    for i in range(12):
        tenant = TenantFactory(name=f"Falcon Flights International Holdings {i}", external_ref=f"CRM-{i:06d}",
                               account_manager=manager, subaccount_sid=f"AC{i:032x}")
        Operation.objects.create(kind="subaccount.suspend", tenant=tenant, state="failed", target_sid=tenant.subaccount_sid,
                                 error_code=21478, error_message="Twilio itself suspended this subaccount; only "
                                 "Twilio support can reactivate it.", requested_by=manager)
        TenantDrift.objects.create(tenant=tenant, subaccount_sid=tenant.subaccount_sid,
                                   kind=TenantDrift.Kind.STATUS_CHANGED, portal_value="active",
                                   twilio_value="suspended", detail="Twilio shows suspended.")
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        _log_in(page, live_server, manager)
        page.goto(live_server.url + path)
        expect(page.locator("#result_list")).to_be_visible()
        page.screenshot(path=f"/tmp/owlie-list-{path.strip('/').replace('/', '-')}.png")
        assert _no_horizontal_scroll(page) == {"page": 0, "table": 0}
    finally:
        context.close()
