"""Sync back from Twilio and import: the paged Accounts list over HTTP, drift records, idempotence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from factories import TenantFactory, write_secret_under_another_key
from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant, TenantDrift
from owlie_portal.twilio_gateway import accounts as twilio_accounts
from owlie_portal.tenants.kinds import Kind
from twilio_sandbox.store import Account
from twilio_sandbox.wire import new_sid, new_token

LIST_ENDPOINT = "GET /2010-04-01/Accounts.json"
Drift = TenantDrift.Kind


def _seed_subaccounts(sandbox, count: int, *, status: str = "active") -> list[Account]:
    """Put subaccounts straight into the sandbox's store (creating thousands over HTTP adds nothing)."""
    store = sandbox.sandbox.store
    made = [Account(sid=new_sid("AC"), auth_token=new_token(), friendly_name=f"Seeded {i:05d}",
                    owner_account_sid=store.parent_sid, status=status) for i in range(count)]
    with store.lock:
        store.accounts.update((a.sid, a) for a in made)
    return made


def _list_requests(sandbox) -> int:
    return sandbox.sandbox.stats.to_json()["requests"].get(LIST_ENDPOINT, 0)


def _set_at_twilio(sandbox, sid: str, status: str) -> None:
    sandbox.client().api.v2010.accounts(sid).update(status=status)


def _open_drifts(**filters) -> list[TenantDrift]:
    return list(TenantDrift.objects.filter(resolved_at__isnull=True, **filters).order_by("id"))


@pytest.mark.slow
def test_sync_reads_thousands_of_subaccounts_through_three_list_requests(sandbox, db):
    seeded = _seed_subaccounts(sandbox, 2500)
    Tenant.objects.bulk_create(TenantFactory.build(subaccount_sid=a.sid, status=Tenant.Status.ACTIVE) for a in seeded)
    sandbox.sandbox.stats.reset()

    report = services.tenants_sync_from_twilio()

    assert _list_requests(sandbox) == 3  # 2,500 subaccounts + the parent, 1,000 per page
    assert sandbox.sandbox.stats.to_json()["total_requests"] == 3  # and no fetch per tenant
    assert (report.pages, report.seen, report.changed, report.drifts) == (3, 2500, 0, 0)
    assert not Tenant.objects.filter(last_synced_at__isnull=True).exists()


def test_a_subaccount_suspended_at_twilio_is_updated_and_recorded_as_drift(sandbox, sandbox_tenants):
    tenant, untouched = sandbox_tenants(2)
    _set_at_twilio(sandbox, tenant.subaccount_sid, "suspended")

    report = services.tenants_sync_from_twilio()

    tenant.refresh_from_db()
    untouched.refresh_from_db()
    assert (tenant.status, untouched.status) == (Tenant.Status.SUSPENDED, Tenant.Status.ACTIVE)
    [drift] = _open_drifts()
    assert (drift.tenant, drift.kind, drift.portal_value, drift.twilio_value) == (
        tenant, Drift.STATUS_CHANGED, "active", "suspended")
    assert "suspended" in drift.detail and drift.detected_at
    assert (report.changed, report.drifts) == (1, 1)


def test_sync_compares_tenants_whose_secret_cannot_be_decrypted_without_reading_it(sandbox, sandbox_tenants):
    suspended, missing = sandbox_tenants(2)
    for tenant in (suspended, missing):
        write_secret_under_another_key(tenant)
    _set_at_twilio(sandbox, suspended.subaccount_sid, "suspended")
    with sandbox.sandbox.store.lock:
        del sandbox.sandbox.store.accounts[missing.subaccount_sid]

    report = services.tenants_sync_from_twilio()

    assert Tenant.objects.values_list("status", flat=True).get(pk=suspended.pk) == Tenant.Status.SUSPENDED
    assert sorted((d.tenant_id, d.kind) for d in _open_drifts()) == sorted(
        [(suspended.pk, Drift.STATUS_CHANGED), (missing.pk, Drift.MISSING_AT_TWILIO)])
    assert (report.changed, report.drifts) == (1, 2)


def test_a_subaccount_closed_at_twilio_is_recorded_as_closed_elsewhere(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    _set_at_twilio(sandbox, tenant.subaccount_sid, "closed")

    services.tenants_sync_from_twilio()

    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.CLOSED
    [drift] = _open_drifts()
    assert (drift.tenant, drift.kind, drift.portal_value, drift.twilio_value) == (
        tenant, Drift.CLOSED_ELSEWHERE, "active", "closed")


def test_a_subaccount_the_portal_does_not_know_is_recorded_as_unknown(sandbox, sandbox_tenants):
    sandbox_tenants(1)
    stranger = sandbox.client().api.v2010.accounts.create(friendly_name="Legacy Customer")

    report = services.tenants_sync_from_twilio()

    [drift] = _open_drifts()
    assert (drift.subaccount_sid, drift.kind, drift.tenant, drift.twilio_value) == (
        stranger.sid, Drift.UNKNOWN_SUBACCOUNT, None, "active")
    assert "Legacy Customer" in drift.detail
    assert report.unknown_sids == [stranger.sid]
    assert not Tenant.objects.filter(subaccount_sid=stranger.sid).exists()  # sync never imports


def test_a_second_sync_refreshes_open_drift_instead_of_duplicating_it(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    sandbox.client().api.v2010.accounts.create(friendly_name="Legacy Customer")
    _set_at_twilio(sandbox, tenant.subaccount_sid, "suspended")
    services.tenants_sync_from_twilio()
    first = {(d.kind, d.subaccount_sid): d.pk for d in _open_drifts()}

    report = services.tenants_sync_from_twilio()

    assert {(d.kind, d.subaccount_sid): d.pk for d in _open_drifts()} == first
    assert len(first) == 2 and report.drifts == 0


def test_a_tenant_with_an_operation_in_flight_is_not_flagged(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    # A worker is suspending it right now: Twilio already says suspended, our row still says active.
    Operation.objects.create(kind=Kind.SUBACCOUNT_SUSPEND, tenant=tenant, target_sid=tenant.subaccount_sid,
                             state=Operation.State.RUNNING, attempts=1)
    _set_at_twilio(sandbox, tenant.subaccount_sid, "suspended")

    report = services.tenants_sync_from_twilio()

    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE  # the operation will write it
    assert _open_drifts() == [] and report.changed == 0


def test_import_creates_tenants_for_unknown_subaccounts_resolves_their_drift_and_is_idempotent(
        sandbox, sandbox_tenants, support_user):
    [known] = sandbox_tenants(1)
    client = sandbox.client()
    legacy = client.api.v2010.accounts.create(friendly_name="Legacy Customer")
    paused = client.api.v2010.accounts.create(friendly_name="Paused Customer")
    client.api.v2010.accounts(paused.sid).update(status="suspended")
    services.tenants_sync_from_twilio()
    assert len(_open_drifts(kind=Drift.UNKNOWN_SUBACCOUNT)) == 2

    imported = services.tenants_import_from_twilio(requested_by=support_user)

    assert sorted(t.subaccount_sid for t in imported) == sorted([legacy.sid, paused.sid])
    by_sid = {t.subaccount_sid: t for t in Tenant.objects.exclude(pk=known.pk)}
    assert (by_sid[legacy.sid].name, by_sid[legacy.sid].status) == ("Legacy Customer", Tenant.Status.ACTIVE)
    assert by_sid[paused.sid].status == Tenant.Status.SUSPENDED
    assert by_sid[legacy.sid].auth_token == legacy.auth_token
    assert _open_drifts() == []
    resolved = TenantDrift.objects.get(subaccount_sid=legacy.sid)
    assert (resolved.tenant, resolved.resolved_by) == (by_sid[legacy.sid], support_user)

    assert services.tenants_import_from_twilio(requested_by=support_user) == []
    assert Tenant.objects.count() == 3
    report = services.tenants_sync_from_twilio()
    assert report.drifts == 0 and _open_drifts() == []


def _pages_with(monkeypatch, between_fetch_and_compare) -> None:
    """Sync reads real pages from the sandbox, but `between_fetch_and_compare()` runs after each page has
    arrived and before sync compares it. No real part can produce this interleaving deterministically (a
    worker finishing while sync holds a page), so the page source is wrapped; everything else is real."""
    real_pages = twilio_accounts.subaccount_pages

    def pages(*, page_size):
        for records in real_pages(page_size=page_size):
            between_fetch_and_compare()
            yield records

    monkeypatch.setattr(twilio_accounts, "subaccount_pages", pages)


def test_a_suspend_finished_while_sync_holds_a_page_keeps_its_status_and_is_not_drift(
        monkeypatch, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)

    def suspend_for_real():
        operation = services.tenant_request_status_change(
            tenant=tenant, kind=Kind.SUBACCOUNT_SUSPEND, requested_by=support_user, reason="compliance")
        services.operation_run_status_change(operation_id=operation.pk)

    _pages_with(monkeypatch, suspend_for_real)  # the page in hand still says "active"

    report = services.tenants_sync_from_twilio()

    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.SUSPENDED
    assert sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status == "suspended"
    assert _open_drifts() == [] and (report.changed, report.drifts) == (0, 0)
    monkeypatch.undo()
    services.tenants_sync_from_twilio()  # the next sync reads a fresh page and agrees
    assert _open_drifts() == []


def test_an_operation_requested_while_sync_holds_a_page_keeps_its_tenant_out_of_drift(
        monkeypatch, sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    # Twilio already says suspended (the worker's call landed); the worker has not written back yet.
    _set_at_twilio(sandbox, tenant.subaccount_sid, "suspended")
    _pages_with(monkeypatch, lambda: services.tenant_request_status_change(
        tenant=tenant, kind=Kind.SUBACCOUNT_SUSPEND, requested_by=support_user, reason="compliance"))

    report = services.tenants_sync_from_twilio()

    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE  # the operation will write it
    assert _open_drifts() == [] and (report.changed, report.drifts) == (0, 0)


def test_a_subaccount_gone_from_twilio_is_recorded_as_missing_but_seen_closed_and_busy_tenants_are_not(
        sandbox, sandbox_tenants):
    seen, gone_since_last_sync, closed, busy = sandbox_tenants(4)
    services.tenants_sync_from_twilio()
    never_synced = TenantFactory(subaccount_sid=new_sid("AC"), status=Tenant.Status.SUSPENDED)
    Tenant.objects.filter(pk=closed.pk).update(status=Tenant.Status.CLOSED)
    Operation.objects.create(kind=Kind.SUBACCOUNT_CLOSE, tenant=busy, target_sid=busy.subaccount_sid,
                             state=Operation.State.RUNNING, attempts=1)
    store = sandbox.sandbox.store
    with store.lock:
        for tenant in (gone_since_last_sync, closed, busy):
            del store.accounts[tenant.subaccount_sid]

    report = services.tenants_sync_from_twilio()

    missing = _open_drifts(kind=Drift.MISSING_AT_TWILIO)
    assert sorted((d.tenant_id, d.portal_value) for d in missing) == sorted(
        [(gone_since_last_sync.pk, "active"), (never_synced.pk, "suspended")])
    assert report.drifts == 2 and _open_drifts(tenant=seen) == []
    seen.refresh_from_db()
    assert seen.last_synced_at is not None


def test_marking_drift_resolved_in_the_admin_resolves_every_selected_open_record(
        client, sandbox, sandbox_tenants, support_user):
    first, second, untouched = sandbox_tenants(3)
    for tenant in (first, second, untouched):
        _set_at_twilio(sandbox, tenant.subaccount_sid, "suspended")
    services.tenants_sync_from_twilio()
    selected = [d.pk for d in _open_drifts() if d.tenant_id in (first.pk, second.pk)]
    client.force_login(support_user)

    response = client.post(reverse("admin:tenants_tenantdrift_changelist"),
                           {"action": "mark_resolved", "_selected_action": selected}, follow=True)

    assert "Marked 2 drift records resolved." in response.content.decode()
    resolved = TenantDrift.objects.filter(pk__in=selected)
    assert all(d.resolved_at and d.resolved_by == support_user for d in resolved)
    assert [d.tenant_id for d in _open_drifts()] == [untouched.pk]
