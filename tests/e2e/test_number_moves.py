"""Number moves in Chromium, with the real worker and the sandbox behind live_server: find a parent number by
typing part of it, move it to Falcon Flights through the dry run, see the owner change; bulk-move 20 numbers
and watch the progress page reach 100%."""

import re

import pytest
from playwright.sync_api import expect

from owlie_portal.numbers.models import PhoneNumber

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"
SLOW_MS = 20_000


def _log_in(page, live_server, user):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form input[type=submit]")


def _parent_number(sandbox, phone_number: str) -> PhoneNumber:
    bought = sandbox.client().api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.create(
        phone_number=phone_number, voice_url="https://example.com/voice")
    return PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number, tenant=None,
                                      voice_url="https://example.com/voice")


def test_support_staff_find_a_parent_number_and_move_it_to_falcon_flights_through_the_dry_run(
        celery_worker, live_server, page, support_user, sandbox, sandbox_tenants, wait_until):
    [falcon] = sandbox_tenants(1, name="Falcon Flights")
    number = _parent_number(sandbox, "+14158740103")
    _parent_number(sandbox, "+14155550142")
    _log_in(page, live_server, support_user)
    page.goto(live_server.url + "/admin/numbers/phonenumber/")

    page.fill("#searchbar", "8740103")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("+14158740103")

    page.check("input.action-select")
    page.select_option("select[name=action]", "move_to_account")
    page.click("button[name=index]")
    page.select_option("select[name=target]", str(falcon.pk))
    page.click("#owlie-dry-run")

    expect(page.locator("h2").first).to_have_text("Dry run: nothing has changed yet")
    expect(page.locator("#owlie-move-summary")).to_contain_text("Falcon Flights")
    expect(page.locator("#owlie-move-plan")).to_contain_text("Moves to Falcon Flights")
    assert sandbox.sandbox.store.numbers[number.sid].account_sid == sandbox.parent_sid  # the dry run changed nothing
    page.click("#owlie-confirm-move")

    expect(page).to_have_url(re.compile(rf"/admin/numbers/phonenumber/{number.pk}/change/$"))
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.ACTIVE
               and PhoneNumber.objects.get(pk=number.pk).tenant_id == falcon.pk, message="the move to finish")
    page.reload()
    expect(page.locator(".field-tenant")).to_contain_text("Falcon Flights")
    expect(page.locator(".field-move_controls")).to_contain_text("Succeeded")
    assert sandbox.sandbox.store.numbers[number.sid].account_sid == falcon.subaccount_sid


def test_support_staff_bulk_move_twenty_numbers_and_the_progress_page_reaches_100_percent(
        celery_worker, live_server, page, support_user, sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1, name="Heron Hotels")
    numbers = [_parent_number(sandbox, f"+1415874{1000 + i}") for i in range(20)]
    _log_in(page, live_server, support_user)
    page.goto(live_server.url + "/admin/numbers/phonenumber/")

    page.check("#action-toggle")
    expect(page.locator("input.action-select:checked")).to_have_count(20)
    page.select_option("select[name=action]", "move_to_account")
    page.click("button[name=index]")
    page.select_option("select[name=target]", str(tenant.pk))
    page.click("#owlie-dry-run")
    page.get_by_role("button", name="Yes, move 20 numbers to Heron Hotels").click()

    expect(page).to_have_url(re.compile(r"/admin/operations/batch/\d+/progress/$"))
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=SLOW_MS)
    expect(page.locator("#owlie-progress-text")).to_contain_text("20 succeeded")
    owners = {sandbox.sandbox.store.numbers[n.sid].account_sid for n in numbers}
    assert owners == {tenant.subaccount_sid}
    assert PhoneNumber.objects.filter(tenant=tenant, status=PhoneNumber.Status.ACTIVE).count() == 20
