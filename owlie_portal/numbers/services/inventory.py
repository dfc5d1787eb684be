"""Sync of every account's IncomingPhoneNumbers (the parent and each active or suspended tenant).

Accounts are read concurrently by a small thread pool (the gateway's concurrency budget caps the requests
in flight), one list request per 1,000 numbers. The portal's beliefs — a number's owner and its URLs — are
never overwritten: a difference becomes a `NumberDrift` people can see. Facts only Twilio knows
(capabilities, friendly name, address requirements) are taken as they are. A number that appears at Twilio
is added to the inventory and flagged; one in a portal-side move is left alone until the move is done.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import SECRET_FIELDS, Tenant
from owlie_portal.twilio_gateway import phone_numbers
from owlie_portal.twilio_gateway.records import PhoneNumberRecord

from ..kinds import Kind
from ..models import NumberDrift, PhoneNumber

PAGE_SIZE = 1000
CHUNK = 1000  # numbers compared per round of queries
SYNCED_STATUSES = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)
Drift = NumberDrift.Kind
URL_FIELDS = ("sms_url", "voice_url", "status_callback")
FACT_FIELDS = {"friendly_name": "friendly_name", "sms_capable": "sms", "mms_capable": "mms",
               "voice_capable": "voice", "address_requirements": "address_requirements"}


@dataclass
class NumberSyncReport:
    accounts: int = 0
    pages: int = 0
    seen: int = 0
    appeared: int = 0
    drifts: int = 0
    skipped_moving: int = 0
    failed_accounts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accounts": self.accounts, "pages": self.pages, "seen": self.seen, "appeared": self.appeared,
                "drifts": self.drifts, "skipped_moving": self.skipped_moving,
                "failed_accounts": len(self.failed_accounts)}


def owner_label(tenant: Tenant | None) -> str:
    return "parent account" if tenant is None else f"{tenant.name} ({tenant.subaccount_sid})"


def drift_record(*, number_sid: str, kind: str, phone_number: str = "", number=None, tenant=None,
                 portal: str = "", twilio: str = "", detail: str = "") -> bool:
    """Open a drift record, or refresh the open one for the same number and kind. True if new."""
    values = {"phone_number": phone_number, "number": number, "tenant": tenant, "portal_value": portal[:500],
              "twilio_value": twilio[:500], "detail": detail}
    if NumberDrift.objects.filter(number_sid=number_sid, kind=kind, resolved_at__isnull=True).update(
            last_seen_at=timezone.now(), **values):
        return False
    try:
        with transaction.atomic():
            NumberDrift.objects.create(number_sid=number_sid, kind=kind, **values)
    except IntegrityError:  # a concurrent sync opened it first
        return False
    return True


def _accounts() -> dict[str, Tenant | None]:
    """Account SID → tenant (None for the parent) of every account whose numbers are synced."""
    tenants = Tenant.objects.filter(status__in=SYNCED_STATUSES, subaccount_sid__isnull=False).defer(*SECRET_FIELDS)
    return {settings.TWILIO_ACCOUNT_SID: None, **{t.subaccount_sid: t for t in tenants}}


def _read_account(account_sid: str) -> tuple[str, object, list[PhoneNumberRecord], int]:
    """(account, when its first page was asked for, its numbers, pages). Runs in a pool thread: no database."""
    asked_at, records, pages = timezone.now(), [], 0
    for page in phone_numbers.number_pages(account_sid=account_sid, page_size=PAGE_SIZE):
        records.extend(page)
        pages += 1
    return account_sid, asked_at, records, pages


def _operated_sids() -> set[str]:
    """Numbers with an open number.* Operation (a portal-side move or release under way). Few at any time and
    found by the state index: cheaper than naming a chunk's thousand SIDs in the query."""
    return set(Operation.objects.filter(state__in=Operation.OPEN_STATES, kind__startswith="number.")
               .values_list("target_sid", flat=True))


def _buying() -> set[str]:
    """Phone numbers an open number.buy is getting: the buy records them itself."""
    return {op.params.get("phone_number", "") for op in
            Operation.objects.filter(kind=Kind.BUY, state__in=Operation.OPEN_STATES).only("params")}


def _url_values(source) -> str:
    """The URLs of a row or a Twilio record, side by side in a drift record."""
    return " | ".join(f"{name}={getattr(source, name) or '—'}" for name in URL_FIELDS)


def _adopt(row: PhoneNumber, record: PhoneNumberRecord) -> dict:
    """Twilio's facts that differ from the row; URLs only on a row's first sync (the portal had no belief
    about them yet). Empty when only the sync stamp changes."""
    changes = {f: getattr(record, attr) for f, attr in FACT_FIELDS.items() if getattr(row, f) != getattr(record, attr)}
    if row.last_synced_at is None:
        changes.update(sms_url=record.sms_url, sms_method=record.sms_method or "POST", voice_url=record.voice_url,
                       voice_method=record.voice_method or "POST", status_callback=record.status_callback)
    return changes


def _compare_known(row: PhoneNumber, record: PhoneNumberRecord, owner: Tenant | None, tenants: dict, report) -> None:
    tenant = tenants.get(row.tenant_id)
    if row.tenant_id != (owner.pk if owner else None):
        report.drifts += drift_record(
            number_sid=row.sid, kind=Drift.OWNER_CHANGED, phone_number=row.phone_number, number=row,
            tenant=tenant, portal=owner_label(tenant), twilio=owner_label(owner),
            detail=f"Twilio shows {row.phone_number} in the {owner_label(owner)}; the portal has it in the "
                   f"{owner_label(tenant)}. The portal's owner was kept.")
    if row.last_synced_at is not None and any(getattr(row, f) != getattr(record, f) for f in URL_FIELDS):
        report.drifts += drift_record(
            number_sid=row.sid, kind=Drift.URLS_CHANGED, phone_number=row.phone_number, number=row,
            tenant=tenant, portal=_url_values(row), twilio=_url_values(record),
            detail="The number's webhook URLs were changed at Twilio. The portal's values were kept.")


def _add_appeared(record: PhoneNumberRecord, owner: Tenant | None, now, report) -> None:
    try:
        with transaction.atomic():
            row = PhoneNumber.objects.create(
                sid=record.sid, phone_number=record.phone_number, tenant=owner, last_synced_at=now,
                sms_url=record.sms_url, sms_method=record.sms_method or "POST", voice_url=record.voice_url,
                voice_method=record.voice_method or "POST", status_callback=record.status_callback,
                **{f: getattr(record, attr) for f, attr in FACT_FIELDS.items()})
    except IntegrityError:  # a buy or another sync recorded it meanwhile
        return
    report.appeared += 1
    report.drifts += drift_record(
        number_sid=record.sid, kind=Drift.APPEARED, phone_number=record.phone_number, number=row, tenant=owner,
        twilio=owner_label(owner), detail="Found at Twilio but not in the portal (bought outside it?); added.")


def _row_tenants(rows, tenants: dict) -> dict:
    """Tenant by pk for every row's tenant: the synced accounts' (loaded once per sync) and, in one query,
    any other (a closed tenant's number found in a synced account). Saves a Tenant object per row."""
    others = {row.tenant_id for row in rows} - tenants.keys() - {None}
    if others:
        tenants = {**tenants, **Tenant.objects.defer(*SECRET_FIELDS).in_bulk(others)}
    return tenants


def _compare_chunk(chunk: list[tuple[PhoneNumberRecord, Tenant | None, object]], tenants: dict, report) -> None:
    """Compare up to CHUNK numbers read at Twilio with the portal: a few queries for the whole chunk."""
    rows = {r.sid: r for r in PhoneNumber.objects.filter(sid__in=[record.sid for record, _, _ in chunk])}
    tenants = _row_tenants(rows.values(), tenants)
    busy = _operated_sids() | {sid for sid, row in rows.items() if row.status == PhoneNumber.Status.MOVING}
    buying, now = _buying(), timezone.now()
    stamp_only = []
    for record, owner, asked_at in chunk:
        row = rows.get(record.sid)
        if record.sid in busy or (row is None and record.phone_number in buying):
            report.skipped_moving += 1
            continue
        if row is None:
            _add_appeared(record, owner, now, report)
            continue
        if row.updated_at > asked_at:  # changed after Twilio was read: left for the next sync
            stamp_only.append(row.pk)
            continue
        _compare_known(row, record, owner, tenants, report)
        changes = _adopt(row, record)
        if changes:  # conditional: a move or release that wrote the row meanwhile wins
            PhoneNumber.objects.filter(pk=row.pk, updated_at=row.updated_at).update(last_synced_at=now, **changes)
        else:
            stamp_only.append(row.pk)
    # One UPDATE for the rows where only the sync stamp changes (nearly all of them on a quiet day).
    PhoneNumber.objects.filter(pk__in=stamp_only).update(last_synced_at=now)


def _flag_vanished(accounts: dict[str, Tenant | None], read: set[str], started, report) -> None:
    """Rows of an account read completely whose number was seen nowhere in this sync."""
    tenant_ids = [t.pk for sid, t in accounts.items() if sid in read and t is not None]
    owners = Q(tenant_id__in=tenant_ids) | (Q(tenant__isnull=True) if settings.TWILIO_ACCOUNT_SID in read else Q())
    missing = (PhoneNumber.objects.filter(owners, created_at__lt=started)
               .filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=started))
               .exclude(status__in=(PhoneNumber.Status.MOVING, PhoneNumber.Status.RELEASED))
               .select_related("tenant").defer(*(f"tenant__{name}" for name in SECRET_FIELDS)))
    missing = list(missing)
    busy = _operated_sids()
    for row in missing:
        if row.sid in busy or row.updated_at > started:
            continue
        report.drifts += drift_record(
            number_sid=row.sid, kind=Drift.VANISHED, phone_number=row.phone_number, number=row, tenant=row.tenant,
            portal=owner_label(row.tenant), detail="The number is in no synced account at Twilio any more "
            "(released, or moved to an account the portal does not sync). The portal's row was kept.")


def numbers_sync_from_twilio(*, max_workers: int | None = None) -> NumberSyncReport:
    """Read every synced account's numbers at Twilio, compare with the inventory, record drift."""
    report, started = NumberSyncReport(), timezone.now()
    accounts = _accounts()
    report.accounts = len(accounts)
    workers = max_workers or settings.TWILIO_MAX_CONCURRENCY
    read, pending, first_error = set(), [], None
    tenants = {t.pk: t for t in accounts.values() if t is not None}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="number-sync") as pool:
        futures = {pool.submit(_read_account, sid): sid for sid in accounts}
        for future in as_completed(futures):
            try:
                account_sid, asked_at, records, pages = future.result()
            except Exception as error:  # one account's failure never stops the others; it is reported
                report.failed_accounts.append(futures[future])
                first_error = first_error or error
                continue
            read.add(account_sid)
            report.pages += pages
            report.seen += len(records)
            pending.extend((record, accounts[account_sid], asked_at) for record in records)
            if len(pending) >= CHUNK:
                _compare_chunk(pending, tenants, report)
                pending = []
    if first_error is not None and not read:
        raise first_error  # Twilio unreachable: nothing was read, let the task retry
    if pending:
        _compare_chunk(pending, tenants, report)
    _flag_vanished(accounts, read, started, report)
    return report


def drifts_resolve(*, drifts, resolved_by) -> int:
    """Mark the still-open records among `drifts` resolved in one UPDATE; returns how many."""
    return drifts.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=resolved_by)
