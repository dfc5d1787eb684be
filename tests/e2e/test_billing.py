"""Billing in Chromium: an account manager's own customers, sorted by total, Falcon Flights' chart drawn,
and a rebilling CSV whose rows add up to the page's total."""

import csv
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from owlie_portal.billing.services import usage_sync

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "owlie-pass-123"


def _log_in(page, live_server, user):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form input[type=submit]")


def test_account_manager_reviews_their_customers_usage_and_downloads_the_rebilling_csv(
        live_server, page, sandbox, sandbox_tenants, manager_user, make_user, tmp_path):
    other = make_user("olga-manager", "Account managers")
    mine = [*sandbox_tenants(1, name="Falcon Flights", account_manager=manager_user),
            *sandbox_tenants(2, account_manager=manager_user)]
    theirs = sandbox_tenants(2, account_manager=other)
    for seed, tenant in enumerate([*mine, *theirs]):
        sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=seed)
    assert usage_sync().synced == 5

    _log_in(page, live_server, manager_user)
    page.click("text=Usage (month overview)")
    rows = page.locator("#billing-table tbody tr.billing-row")
    expect(rows).to_have_count(3)
    for tenant in theirs:
        expect(page.locator("#billing-table")).not_to_contain_text(tenant.name)

    page.click("#sort-total")
    expect(page.locator("#sort-total")).to_contain_text("▼")
    totals = [Decimal(a) for a in page.locator("#billing-table tbody .billing-total").evaluate_all(
        "cells => cells.map(c => c.dataset.amount)")]
    assert totals == sorted(totals, reverse=True) and totals[0] > 0

    page.click("#billing-table >> text=Falcon Flights")
    chart = page.locator("#chart-months")
    expect(chart).to_have_attribute("data-drawn", re.compile(r"^[1-9]\d*$"))
    assert Decimal(chart.get_attribute("data-total")) > 0
    painted = chart.evaluate("c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v > 0)")
    assert painted

    page.go_back()
    page_total = Decimal(page.locator("#total-invoice").get_attribute("data-amount"))
    with page.expect_download() as download:
        page.click("#rebilling-csv")
    path = tmp_path / "rebilling.csv"
    download.value.save_as(path)
    with open(path, newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert sorted(line["customer"] for line in lines) == sorted(t.name for t in mine)
    assert sum(Decimal(line["amount_to_invoice_usd"]) for line in lines) == page_total
    assert page_total > 0


def test_administrator_syncs_every_customers_usage_and_follows_its_parts_to_100_percent(
        celery_worker, live_server, page, sandbox, sandbox_tenants, admin_user_role, settings, monkeypatch):
    from owlie_portal.billing.services import requests as sync_requests

    monkeypatch.setattr(sync_requests, "PART_SIZE_MAX", 2)
    settings.TWILIO_MAX_CONCURRENCY = 2  # 5 customers over a budget of 2: 3 parts of 2, 2 and 1
    tenants = sandbox_tenants(5)
    for seed, tenant in enumerate(tenants):
        sandbox.control("usage/seed", account_sid=tenant.subaccount_sid, months=13, seed=seed)

    _log_in(page, live_server, admin_user_role)
    page.click("text=Usage (month overview)")
    page.click("text=Sync usage now")

    expect(page).to_have_url(re.compile(r"/admin/operations/batch/\d+/progress/$"))
    expect(page.locator(".messagelist")).to_contain_text("Usage sync of all customers asked for in 3 parts")
    expect(page.locator("#owlie-percent")).to_have_text("100%", timeout=20_000)
    expect(page.locator("#owlie-progress-text")).to_contain_text("3 succeeded")
    page.click("#owlie-select-batch")
    expect(page.locator("#billing-table tbody tr.billing-row")).to_have_count(5)
    totals = page.locator("#billing-table tbody .billing-total").evaluate_all("cells => cells.map(c => c.dataset.amount)")
    assert all(Decimal(total) > 0 for total in totals)
