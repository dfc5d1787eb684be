"""Support staff and account managers in Chromium: log in through the form, create, suspend, reactivate
and bulk-suspend tenants, with the real worker and the sandbox behind live_server."""

import re

import pytest
from playwright.sync_api import expect

from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.operations.services import batch_create
from owlie_portal.tenants.kinds import Kind

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"  # make_user's default
SLOW_MS = 20_000  # a status or a batch reaching its end, polled by static/owlie/poll.js


@pytest.fixture
def console_errors(page):
    """Errors the page logs (a CSP-blocked inline script shows up here); the browser's own favicon probe aside."""
    errors = []

    def record(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", record)
    return errors


def _log_in(page, live_server, user):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {user.username}")


def _action_values(page) -> set[str]:
    return set(page.locator("select[name=action] option").evaluate_all("options => options.map(o => o.value)"))


def _status(page):
    return page.locator("#owlie-status")


def test_support_staff_log_in_through_the_form_and_see_the_tenants_list(
        live_server, page, support_user, sandbox_tenants, console_errors):
    tenants = sandbox_tenants(2)
    _log_in(page, live_server, support_user)

    page.get_by_role("link", name="Tenants", exact=True).click()

    expect(page).to_have_title(re.compile("Select tenant to change"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    for tenant in tenants:  # SIDs are shortened in the list; the whole SID is on hover and copy
        expect(page.locator(f'#result_list [data-copy="{tenant.subaccount_sid}"]')).to_be_visible()
    assert console_errors == []


def test_support_staff_create_falcon_flights_watch_it_go_active_then_suspend_and_reactivate_it(
        celery_worker, live_server, page, support_user, sandbox, console_errors):
    # Slow Twilio a little so the page really shows each change in flight before poll.js reloads it.
    sandbox.sandbox.faults.configure({"latency_ms": 400})
    _log_in(page, live_server, support_user)

    page.goto(live_server.url + "/admin/tenants/tenant/add/")
    page.fill("input[name=name]", "Falcon Flights")
    page.fill("input[name=external_ref]", "CRM-FALCON")
    page.click("input[name=_save]")

    expect(_status(page)).to_have_text("Provisioning")
    expect(page.locator(".owlie-busy")).to_be_visible()
    expect(_status(page)).to_have_text("Active", timeout=SLOW_MS)

    page.get_by_role("button", name="Suspend…").click()
    expect(page.locator("h1")).to_have_text("Suspend subaccount: please confirm")
    page.select_option("select[name=reason]", "non_payment")
    page.fill("textarea[name=note]", "Invoice 1042 unpaid")
    page.get_by_role("button", name="Yes, suspend subaccount").click()

    expect(_status(page)).to_have_text("Suspended", timeout=SLOW_MS)
    expect(page.locator(".owlie-tenant-status")).to_contain_text("reason: Non-payment (Invoice 1042 unpaid)")

    page.get_by_role("button", name="Reactivate…").click()
    page.get_by_role("button", name="Yes, reactivate subaccount").click()

    expect(_status(page)).to_have_text("Active", timeout=SLOW_MS)
    tenant = Tenant.objects.get(external_ref="CRM-FALCON")
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "active"
    assert list(Operation.objects.filter(tenant=tenant).order_by("id").values_list("kind", "state")) == [
        ("subaccount.create", "succeeded"), ("subaccount.suspend", "succeeded"),
        ("subaccount.reactivate", "succeeded")]
    assert console_errors == []


def test_support_staff_bulk_suspend_fifty_tenants_and_the_progress_page_reaches_100_percent(
        celery_worker, live_server, page, support_user, sandbox, sandbox_tenants, console_errors):
    tenants = sandbox_tenants(50)
    _log_in(page, live_server, support_user)
    page.goto(live_server.url + "/admin/tenants/tenant/")

    page.check("#action-toggle")
    expect(page.locator("input.action-select:checked")).to_have_count(50)
    page.select_option("select[name=action]", "suspend_selected")
    page.click("button[name=index]")
    expect(page.locator("h2").first).to_have_text("Suspend subaccount — 50 tenants")
    page.select_option("select[name=reason]", "compliance")
    page.get_by_role("button", name="Yes, suspend subaccount").click()

    expect(page).to_have_url(re.compile(r"/admin/operations/batch/\d+/progress/$"))
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=SLOW_MS)
    expect(page.locator("#owlie-progress-text")).to_contain_text("50 succeeded")
    statuses = {a.sid: a.status for a in sandbox.client().api.v2010.accounts.list() if a.sid != sandbox.parent_sid}
    assert {statuses[t.subaccount_sid] for t in tenants} == {"suspended"}
    assert Tenant.objects.filter(status=Tenant.Status.SUSPENDED).count() == 50
    assert console_errors == []


def test_account_managers_see_tenants_but_no_lifecycle_actions(live_server, page, manager_user, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    _log_in(page, live_server, manager_user)

    page.goto(live_server.url + "/admin/tenants/tenant/")
    expect(page.locator(f'#result_list [data-copy="{tenant.subaccount_sid}"]')).to_be_visible()
    assert not {"suspend_selected", "reactivate_selected", "close_selected"} & _action_values(page)

    page.goto(live_server.url + f"/admin/tenants/tenant/{tenant.pk}/change/")
    expect(_status(page)).to_have_text("Active")
    expect(page.get_by_role("button", name="Suspend…")).to_have_count(0)
    expect(page.get_by_role("button", name="Close…")).to_have_count(0)
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)


def test_a_polling_page_whose_session_ended_goes_to_the_login_page_instead_of_embedding_it(
        live_server, page, support_user, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    # A batch still in flight (no worker here), so its progress page keeps polling.
    batch = batch_create(kind=Kind.SUBACCOUNT_SUSPEND, description="Suspend 1 tenant(s)",
                         requested_by=support_user, total=1)
    Operation.objects.create(kind=batch.kind, tenant=tenant, target_sid=tenant.subaccount_sid, batch=batch)
    _log_in(page, live_server, support_user)
    page.goto(live_server.url + f"/admin/operations/batch/{batch.pk}/progress/")
    expect(page.locator("#owlie-percent")).to_have_text("0%")

    page.context.clear_cookies()  # logged out elsewhere, or the session expired

    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator("form#login-form")).to_be_visible()
    expect(page.locator("#owlie-batch")).to_have_count(0)
