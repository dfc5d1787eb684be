"""Sync back from Twilio and import: the paged Accounts list over HTTP, drift records, idempotence."""

from __future__ import annotations

import pytest

from factories import TenantFactory
from owlie_portal.tenants import services
from owlie_portal.tenants.models import Operation, Tenant, TenantDrift
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
    Operation.objects.create(kind=Operation.Kind.SUBACCOUNT_SUSPEND, tenant=tenant, target_sid=tenant.subaccount_sid,
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
