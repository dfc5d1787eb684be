"""Sync back from Twilio: read every subaccount from the paged Accounts list (one request per 1,000),
compare with the portal, update statuses and record each difference as drift people can see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from owlie_portal.twilio_gateway import accounts as twilio_accounts
from owlie_portal.twilio_gateway.records import AccountRecord

from owlie_portal.operations.models import Operation

from ..models import Tenant, TenantDrift

PAGE_SIZE = 1000
Kind = TenantDrift.Kind
OPEN_STATES = Operation.OPEN_STATES
COMPARED = ("pk", "subaccount_sid", "status")


@dataclass
class SyncReport:
    pages: int = 0
    seen: int = 0
    changed: int = 0
    drifts: int = 0
    unknown_sids: list[str] = field(default_factory=list)


def _record_drift(*, tenant: Tenant | None, sid: str, kind: str, portal: str, twilio: str, detail: str) -> bool:
    """Open a drift record, or refresh the open one for the same subaccount and kind. True if new."""
    values = {"tenant": tenant, "portal_value": portal, "twilio_value": twilio, "detail": detail}
    updated = TenantDrift.objects.filter(subaccount_sid=sid, kind=kind, resolved_at__isnull=True).update(
        last_seen_at=timezone.now(), **values
    )
    if updated:
        return False
    try:
        with transaction.atomic():
            TenantDrift.objects.create(subaccount_sid=sid, kind=kind, **values)
    except IntegrityError:  # a concurrent sync opened it first
        return False
    return True


def _open_operations():
    return Operation.objects.filter(tenant=OuterRef("pk"), state__in=OPEN_STATES)


def _timed_pages():
    """(page_fetched_at, records) per Accounts-list page; the time is taken just before the page's request.

    The gateway requests the next page while this one is compared (one ahead), so it stamps each page
    itself: a time taken here, after the request was sent, could be later than what the page shows."""
    for page in twilio_accounts.subaccount_pages(page_size=PAGE_SIZE):
        yield page.requested_at, page.records


def _apply_twilio_status(tenant: Tenant, record: AccountRecord, report: SyncReport, page_fetched_at) -> None:
    """Take Twilio's status only if the portal row is still what we compared and no operation owns it.

    The page may be older than the row: an operation that finished or started after the page was
    requested wins, and its tenant is left for the next sync instead of being overwritten from a stale page.
    """
    with transaction.atomic():
        updated = Tenant.objects.filter(
            ~Exists(_open_operations()), pk=tenant.pk, status=tenant.status, updated_at__lte=page_fetched_at,
        ).update(status=record.status, last_synced_at=page_fetched_at, updated_at=timezone.now())
        if not updated:
            return
        kind = Kind.CLOSED_ELSEWHERE if record.status == "closed" else Kind.STATUS_CHANGED
        report.drifts += _record_drift(
            tenant=tenant, sid=record.sid, kind=kind, portal=tenant.status, twilio=record.status,
            detail=f"Twilio shows {record.status}; the portal had {tenant.status}. Status updated from Twilio.",
        )
    report.changed += 1


def _compare_page(records: list[AccountRecord], report: SyncReport, page_fetched_at) -> None:
    by_sid = {r.sid: r for r in records}
    # Only what the comparison reads: loading a whole tenant decrypts its auth token and API key secret.
    compared = Tenant.objects.filter(subaccount_sid__in=by_sid).only(*COMPARED)
    tenants = {t.subaccount_sid: t for t in compared.annotate(busy=Exists(_open_operations()))}
    seen = [t.pk for t in tenants.values()]
    # One commit per page rather than one per changed tenant (each commit waits for its WAL flush); each
    # change is still all-or-nothing with its drift record (a savepoint in `_apply_twilio_status`).
    with transaction.atomic():
        for sid, record in by_sid.items():
            tenant = tenants.get(sid)
            if tenant is None:
                report.unknown_sids.append(sid)
                report.drifts += _record_drift(tenant=None, sid=sid, kind=Kind.UNKNOWN_SUBACCOUNT, portal="",
                                               twilio=record.status, detail=f"FriendlyName: {record.friendly_name}")
                continue
            if tenant.busy or tenant.status in (Tenant.Status.PROVISIONING, Tenant.Status.FAILED):
                continue  # an operation in flight will write the status itself
            if record.status != tenant.status:
                _apply_twilio_status(tenant, record, report, page_fetched_at)
        # Stamped on every seen tenant: the missing-at-Twilio check below reads it instead of the seen SIDs.
        Tenant.objects.filter(pk__in=seen).update(last_synced_at=page_fetched_at)


def tenants_sync_from_twilio() -> SyncReport:
    """Compare every subaccount at Twilio with the portal; update statuses and record drift."""
    report, started = SyncReport(), timezone.now()
    for page_fetched_at, records in _timed_pages():
        report.pages += 1
        report.seen += len(records)
        _compare_page(records, report, page_fetched_at)
    not_seen = (Tenant.objects.filter(subaccount_sid__isnull=False)
                .filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=started)))
    not_seen = not_seen.exclude(status=Tenant.Status.CLOSED).exclude(Exists(_open_operations())).only(*COMPARED)
    for tenant in not_seen:
        report.drifts += _record_drift(tenant=tenant, sid=tenant.subaccount_sid, kind=Kind.MISSING_AT_TWILIO,
                                       portal=tenant.status, twilio="",
                                       detail="The subaccount is not in Twilio's Accounts list any more.")
    return report


def tenants_import_from_twilio(*, requested_by=None) -> list[Tenant]:
    """Create tenants for subaccounts the portal does not know yet (e.g. moving from one account)."""
    imported = []
    for records in twilio_accounts.subaccount_pages(page_size=PAGE_SIZE):
        known = set(Tenant.objects.filter(subaccount_sid__in=[r.sid for r in records])
                    .values_list("subaccount_sid", flat=True))
        for record in records:
            if record.sid in known:
                continue
            with transaction.atomic():
                tenant = Tenant.objects.create(
                    name=record.friendly_name or record.sid, external_ref=f"twilio:{record.sid}",
                    subaccount_sid=record.sid, friendly_name=record.friendly_name[:64], status=record.status,
                    auth_token=record.auth_token, last_synced_at=timezone.now(),
                )
                TenantDrift.objects.filter(subaccount_sid=record.sid, kind=Kind.UNKNOWN_SUBACCOUNT,
                                           resolved_at__isnull=True).update(
                    tenant=tenant, resolved_at=timezone.now(), resolved_by=requested_by)
            imported.append(tenant)
    return imported


def drift_resolve(*, drift: TenantDrift, resolved_by) -> None:
    """Mark a drift record as seen and dealt with."""
    drifts_resolve(drifts=TenantDrift.objects.filter(pk=drift.pk), resolved_by=resolved_by)


def drifts_resolve(*, drifts, resolved_by) -> int:
    """Mark the still-open records among `drifts` resolved in one UPDATE; returns how many."""
    return drifts.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=resolved_by)
