"""Support staff and the number inventory in Chromium: find a parent number by typing part of it, and buy
a number for Falcon Flights through the buy page (real worker, sandbox behind live_server)."""

import re

import pytest
from playwright.sync_api import expect

from factories import TenantFactory
from owlie_portal.numbers.models import PhoneNumber

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"  # make_user's default
SLOW_MS = 20_000
LAPTOP = {"width": 1366, "height": 768}


def _log_in(page, live_server, user):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {user.username}")


def _rows(page):
    return page.locator("#result_list tbody tr")


def test_support_staff_find_a_parent_number_by_typing_part_of_it(live_server, page, support_user):
    falcon = TenantFactory(name="Falcon Flights", external_ref="CRM-FALCON")
    PhoneNumber.objects.create(sid="PN" + "a" * 32, phone_number="+14158740103")
    PhoneNumber.objects.create(sid="PN" + "b" * 32, phone_number="+14158740199", tenant=falcon)
    PhoneNumber.objects.create(sid="PN" + "c" * 32, phone_number="+12125550123")
    page.set_viewport_size(LAPTOP)
    _log_in(page, live_server, support_user)

    page.goto(live_server.url + "/admin/numbers/phonenumber/")
    page.fill("#searchbar", "(415) 874-0103")
    page.press("#searchbar", "Enter")

    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("+14158740103")
    expect(_rows(page).first).to_contain_text("Parent account")

    page.fill("#searchbar", "874-01")
    page.press("#searchbar", "Enter")
    expect(_rows(page)).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("Falcon Flights")
    overflow = page.evaluate("""() => {
        const doc = document.documentElement, box = document.querySelector('.results');
        return {page: doc.scrollWidth - doc.clientWidth, table: box.scrollWidth - box.clientWidth};
    }""")
    assert overflow == {"page": 0, "table": 0}, "the number list scrolls sideways at 1,366 px"


def test_support_staff_buy_a_number_for_falcon_flights_and_see_it_on_the_list_with_its_owner(
        celery_worker, live_server, page, support_user, sandbox, sandbox_tenants):
    [falcon] = sandbox_tenants(1, name="Falcon Flights", external_ref="CRM-FALCON")
    _log_in(page, live_server, support_user)

    page.goto(live_server.url + "/admin/numbers/phonenumber/")
    page.click("#owlie-buy-number")
    page.select_option("select[name=tenant]", label="Falcon Flights (CRM-FALCON)")
    page.fill("input[name=area_code]", "415")
    page.check("input[name=sms]")
    page.click("#owlie-buy-search input[type=submit]")
    first = page.locator("#owlie-available button").first
    number = first.get_attribute("data-number")
    first.click()
    expect(page.locator("#owlie-buy-summary")).to_contain_text("Falcon Flights")
    page.click("#owlie-confirm-form input[type=submit]")

    expect(page.locator(".messagelist")).to_contain_text(f"Buying {number} for Falcon Flights")
    assert re.search(rf"\?tenant={falcon.pk}$", page.url)
    # The list shows the number once the worker has bought it at Twilio.
    for _ in range(int(SLOW_MS / 250)):
        if PhoneNumber.objects.filter(phone_number=number).exists():
            break
        page.wait_for_timeout(250)
    page.reload()
    row = _rows(page).filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Falcon Flights")
    assert sandbox.sandbox.store.numbers[PhoneNumber.objects.get(phone_number=number).sid].account_sid == \
        falcon.subaccount_sid
