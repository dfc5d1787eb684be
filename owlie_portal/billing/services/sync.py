"""A usage sync: every tenant's subaccount (and the parent's own figures) read concurrently through the
gateway, written account by account as the answers come in.

The threads only talk to Twilio (each request holds a slot of the concurrency budget); the database is
written from the calling thread, so a test's transaction and a worker's connection are the only ones.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Callable, Iterator

from django.conf import settings
from django.utils import timezone

from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway.errors import TwilioError, explain

from ..models import BillingProfile, UsageRecord
from ..months import HISTORY_MONTHS, month_add, month_of
from .caps import spend_check
from .fetch import Fetched, Plan, fetch_parent, fetch_tenant
from .store import usage_records_replace

logger = logging.getLogger(__name__)
SYNCED_STATUSES = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)
WRITE_GROUP = 25  # answers written per transaction


@dataclass
class UsageSyncReport:
    tenants: int = 0
    synced: int = 0
    months_changed: int = 0
    api_calls: int = 0
    backfilled: int = 0
    errors: dict = field(default_factory=dict)  # tenant name (or "parent") -> TwilioError

    def as_result(self) -> dict:
        return {"tenants": self.tenants, "synced": self.synced, "months_changed": self.months_changed,
                "api_calls": self.api_calls, "backfilled": self.backfilled,
                "failed": {name: explain(e.code, e.message) for name, e in sorted(self.errors.items())}}


def _synced_tenants():
    return Tenant.objects.filter(status__in=SYNCED_STATUSES, subaccount_sid__isnull=False)


def usage_sync_tenant_ids() -> list[int]:
    """The tenants a sync of all customers reads (live subaccounts), in a stable order."""
    return list(_synced_tenants().order_by("pk").values_list("pk", flat=True))


def _tenants(tenant_ids) -> list[Tenant]:
    tenants = _synced_tenants()
    if tenant_ids is not None:
        tenants = tenants.filter(pk__in=tenant_ids)
    return list(tenants.only("pk", "name", "subaccount_sid", "auth_token", "api_key_sid", "api_key_secret",
                             "status").order_by("pk"))


def _with_history(tenants: list[Tenant], today: date) -> set[int]:
    """Tenants that already have monthly history (the rest get the 13-month backfill)."""
    oldest_needed = month_add(month_of(today), -HISTORY_MONTHS)
    return set(UsageRecord.objects.filter(tenant_id__in=[t.pk for t in tenants], period=UsageRecord.Period.MONTH,
                                          month=oldest_needed).values_list("tenant_id", flat=True).distinct())


def _parent_plan(today: date, backfill: bool) -> Plan:
    has_history = UsageRecord.objects.filter(tenant__isnull=True,
                                             month=month_add(month_of(today), -HISTORY_MONTHS)).exists()
    return Plan.for_day(today, backfill=backfill or not has_history)


def _reads(tenants, today: date, backfill: bool, report: UsageSyncReport, *, parent: bool) -> list[Callable]:
    """One call per account to read (the parent's first), each returning its Fetched answer(s)."""
    history = set() if backfill else _with_history(tenants, today)
    reads = [partial(fetch_parent, account_sid=settings.TWILIO_ACCOUNT_SID,
                     plan=_parent_plan(today, backfill))] if parent else []
    for tenant in tenants:
        plan = Plan.for_day(today, backfill=tenant.pk not in history)
        report.backfilled += tenant.pk not in history
        try:
            credentials = tenant_credentials(tenant)
        except TwilioError as error:
            report.errors[tenant.name] = error
            continue
        reads.append(partial(fetch_tenant, tenant_id=tenant.pk, credentials=credentials, plan=plan,
                             suspended=tenant.status == Tenant.Status.SUSPENDED))
    return reads


def _answers(reads: list[Callable], threads: int) -> Iterator:
    """Each read's answer as it comes: from a pool of `threads`, or, with one thread, one after another in
    this thread (a part of a batch sync: no hand-over to a second thread for every answer)."""
    if threads == 1:
        for read in reads:
            yield read()
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in as_completed([pool.submit(read) for read in reads]):
            yield future.result()


def _record(answers: list[Fetched], names: dict, report: UsageSyncReport) -> None:
    for fetched in answers:
        report.api_calls += fetched.calls
        name = names.get(fetched.tenant_id, "parent account")
        if fetched.error is not None:
            report.errors[name] = fetched.error
            logger.info("usage sync: %s not synced: %s", name, fetched.error)
        else:
            report.synced += fetched.scope == UsageRecord.Scope.TENANT
    report.months_changed += usage_records_replace(answers=answers)


def usage_sync(*, tenant_ids=None, backfill: bool = False, today: date | None = None, threads: int | None = None,
               parent: bool | None = None, heartbeat: Callable[[], None] | None = None) -> UsageSyncReport:
    """Read and store usage for the tenants (all live ones by default) and the parent's own figures (by
    default when all tenants are read); one tenant's failure stops no other.

    A tenant whose answer failed (a 20429 storm, a page cut off) keeps its stored months untouched."""
    today = today or timezone.localdate()
    tenants = _tenants(tenant_ids)
    report = UsageSyncReport(tenants=len(tenants))
    names = {t.pk: t.name for t in tenants}
    reads = _reads(tenants, today, backfill, report, parent=tenant_ids is None if parent is None else parent)
    pending = []
    for done, answer in enumerate(_answers(reads, threads or settings.USAGE_SYNC_THREADS), start=1):
        pending += answer if isinstance(answer, list) else [answer]
        if len(pending) >= WRITE_GROUP or done == len(reads):
            _record(pending, names, report)
            pending = []
            if heartbeat is not None:
                heartbeat()
    _after_sync(tenants, report, today)
    return report


def _after_sync(tenants: list[Tenant], report: UsageSyncReport, today: date) -> None:
    BillingProfile.objects.bulk_create([BillingProfile(tenant_id=t.pk) for t in tenants], ignore_conflicts=True)
    failed = {t.pk: report.errors[t.name] for t in tenants if t.name in report.errors}
    BillingProfile.objects.filter(tenant_id__in=[t.pk for t in tenants if t.pk not in failed]).update(
        usage_synced_at=timezone.now(), usage_sync_error="")
    for tenant_id, error in failed.items():
        BillingProfile.objects.filter(tenant_id=tenant_id).update(usage_sync_error=explain(error.code, error.message))
    spend_check(tenant_ids=[t.pk for t in tenants if t.pk not in failed], month=month_of(today))
