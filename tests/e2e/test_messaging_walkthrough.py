"""The seed's walkthrough in Chromium, start to end, as support staff: a new tenant goes active, gets a
parent number moved in through the dry run, a Messaging Service with that number, sends "Hi there" that reaches `delivered`; the
recipient texts STOP and the portal refuses the next send. Real worker, sandbox and live_server; the
sandbox posts its signed status callbacks and inbound webhook to live_server."""

import re

import pytest
from playwright.sync_api import expect

from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants.models import Tenant

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"
SLOW_MS = 20_000
RECIPIENT = "+14155550123"


def _log_in(page, live_server, user):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {user.username}")


def _move_parent_number_into(page, live_server, tenant, sandbox, wait_until) -> PhoneNumber:
    """Support staff find the parent's spare number, look at the dry run, and confirm the move."""
    bought = sandbox.client().incoming_phone_numbers.create(area_code="415")
    number = PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number, tenant=None)
    page.goto(live_server.url + "/admin/numbers/phonenumber/")
    page.fill("#searchbar", number.phone_number[-7:])
    page.press("#searchbar", "Enter")
    page.check(f'input.action-select[value="{number.pk}"]')
    page.select_option("select[name=action]", "move_to_account")
    page.click("button[name=index]")
    page.select_option("select[name=target]", str(tenant.pk))
    page.click("#owlie-dry-run")
    expect(page.locator("h2").first).to_have_text("Dry run: nothing has changed yet")
    page.click("#owlie-confirm-move")
    wait_until(lambda: PhoneNumber.objects.get(pk=number.pk).tenant_id == tenant.pk
               and PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.ACTIVE, message="the move")
    number.refresh_from_db()
    return number


def _send(page, text):
    page.click("#owlie-send-test")
    page.fill("input[name=to]", RECIPIENT)
    page.fill("textarea[name=body]", text)
    page.click("input[name=_submit]")


def test_condor_cargo_from_new_tenant_to_a_delivered_message_then_stop_and_a_refused_send(
        celery_worker, live_server, page, support_user, sandbox, settings, wait_until):
    settings.TWILIO_WEBHOOK_BASE_URL = live_server.url  # where the sandbox posts its webhooks
    _log_in(page, live_server, support_user)

    page.goto(live_server.url + "/admin/tenants/tenant/add/")
    page.fill("input[name=name]", "Condor Cargo")
    page.fill("input[name=external_ref]", "CRM-CONDOR")
    page.click("input[name=_save]")
    expect(page.locator("#owlie-status")).to_have_text("Active", timeout=SLOW_MS)
    tenant = Tenant.objects.get(name="Condor Cargo")
    number = _move_parent_number_into(page, live_server, tenant, sandbox, wait_until)

    page.goto(live_server.url + "/admin/messaging/messagingservice/add/")
    page.select_option("select[name=tenant]", label=str(tenant))
    page.fill("input[name=friendly_name]", "condorCargoNotifications")
    page.click("input[name=_submit]")
    expect(page.locator(".messagelist")).to_contain_text("Creating the Messaging Service condorCargoNotifications")
    link = page.get_by_role("link", name="condorCargoNotifications")
    for _ in range(40):  # the list shows the service once the worker has made it at Twilio
        if link.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    link.click()

    page.click("#owlie-add-numbers")
    page.get_by_label(number.phone_number).check()
    page.click("input[name=_submit]")
    expect(page).to_have_url(re.compile(r"/admin/operations/batch/\d+/progress/$"))
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=SLOW_MS)
    service = MessagingService.objects.get(friendly_name="condorCargoNotifications")
    assert service.tenant == tenant and sandbox.sandbox.store.services[service.sid].account_sid == tenant.subaccount_sid
    page.goto(live_server.url + f"/admin/messaging/messagingservice/{service.pk}/change/")
    expect(page.locator("#owlie-service-numbers")).to_contain_text(number.phone_number)

    _send(page, "Hi there")
    expect(page.locator(".messagelist")).to_contain_text(f"Sending to {RECIPIENT} through condorCargoNotifications")
    expect(page.locator(".owlie-message-status").first).to_have_text("delivered", timeout=SLOW_MS)

    answer = sandbox.control("inbound", From=RECIPIENT, To=number.phone_number, Body="STOP")
    assert answer["webhook_status"] == 200
    page.goto(live_server.url + f"/admin/messaging/optout/?q={RECIPIENT.replace('+', '%2B')}")
    expect(page.locator("#result_list")).to_contain_text(number.phone_number)
    expect(page.locator("#result_list")).to_contain_text("STOP")

    page.goto(live_server.url + f"/admin/messaging/messagingservice/{service.pk}/change/")
    _send(page, "Hi again")
    expect(page.locator(".messagelist .error")).to_contain_text(
        f"Not sent: the portal refuses to text {RECIPIENT}. {RECIPIENT} replied STOP to {number.phone_number}")
    expect(page.locator(".owlie-message-status").first).to_have_text("suppressed")
    assert len(sandbox.sandbox.store.messages) == 2  # "Hi there" and the STOP: the refused send never left
