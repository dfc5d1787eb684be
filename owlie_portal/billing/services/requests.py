""""Sync usage now" as Operations: who asked, when, for which tenants, and what came of it.

One tenant is one Operation. All customers are a Batch of Operations of up to PART_SIZE_MAX tenants each
(the parent's own figures with the first part), so the sync spreads over every worker process instead of
one process's threads (its CPU, parsing answers and writing records, was what bounded a 1,000-tenant
sync), the batch page shows its progress, and a part that failed is retried alone."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.services import (
    batch_create,
    operation_heartbeat,
    operation_perform,
    operation_request_once,
    operation_succeed,
    operations_enqueue_batch,
)
from owlie_portal.twilio_gateway.errors import TwilioPermanentError, TwilioTransientError

from ..kinds import Kind
from ..selectors import all_customers_sync_open
from .sync import usage_sync, usage_sync_tenant_ids

# Tenants per Operation of an all-customers sync: enough parts to fill the concurrency budget, none bigger
# than PART_SIZE_MAX (measured at 1,000 tenants: parts of 10 cost the workers 9.3 s of CPU, parts of 40
# 7.4 s; each part claims, records, writes and checks spend caps once).
PART_SIZE_MAX = 40


def usage_sync_request(*, requested_by, tenant=None, backfill: bool = False) -> tuple[Operation | Batch, bool]:
    """Ask for a usage sync of one tenant (an Operation) or of all (a Batch); an open request for the same
    scope is joined. Returns it and whether it is new."""
    if tenant is None:
        return _all_customers_request(requested_by=requested_by, backfill=backfill)
    return operation_request_once(kind=Kind.USAGE_SYNC, tenant=tenant, requested_by=requested_by,
                                  params={"tenant_ids": [tenant.pk], "backfill": backfill},
                                  target_sid=tenant.subaccount_sid)


@transaction.atomic
def _all_customers_request(*, requested_by, backfill: bool) -> tuple[Operation | Batch, bool]:
    open_part = all_customers_sync_open().select_for_update(of=("self",)).first()
    if open_part is not None:
        return open_part.batch or open_part, False
    tenant_ids = usage_sync_tenant_ids()
    size = min(PART_SIZE_MAX, max(1, -(-len(tenant_ids) // settings.TWILIO_MAX_CONCURRENCY)))
    parts = [tenant_ids[i:i + size] for i in range(0, len(tenant_ids), size)] or [[]]
    batch = batch_create(kind=Kind.USAGE_SYNC, description=f"Usage sync of all {len(tenant_ids)} customers",
                         requested_by=requested_by, total=len(parts), params={"backfill": backfill})
    operations_enqueue_batch(batch=batch, operations=[
        Operation(kind=Kind.USAGE_SYNC, requested_by=requested_by,
                  params={"tenant_ids": part, "backfill": backfill, "parent": number == 0})
        for number, part in enumerate(parts)])
    return batch, True


def _work(operation: Operation) -> None:
    # Reads only, and a rerun rewrites no unchanged month: a later attempt has nothing to reconcile first.
    params = operation.params
    tenant_ids = params.get("tenant_ids")
    # A part of a batch reads its tenants one after another: the batch's other parts, in every worker
    # thread, are the concurrency. (Before batches, tenant_ids None meant everyone and the parent.)
    report = usage_sync(tenant_ids=tenant_ids, backfill=params.get("backfill", False),
                        parent=params.get("parent", tenant_ids is None), threads=1 if operation.batch_id else None,
                        heartbeat=lambda: operation_heartbeat(operation))
    transient = [e for e in report.errors.values() if isinstance(e, TwilioTransientError)]
    if transient and (operation.tenant_id is not None or report.synced == 0):
        # Nothing stored for those tenants; the task's retry reads them again (the rest are unchanged then).
        raise TwilioTransientError(f"{len(transient)} of {report.tenants} tenants not synced: {transient[0].message}",
                                   code=transient[0].code, status=transient[0].status)
    permanent = list(report.errors.values())
    if permanent and operation.tenant_id is not None:
        raise TwilioPermanentError(permanent[0].message, code=permanent[0].code, status=permanent[0].status)
    with transaction.atomic():
        operation_succeed(operation, result=report.as_result())


def operation_run_usage_sync(*, operation_id: int) -> None:
    """Perform a requested usage sync (reads Twilio, rewrites only changed months: safe to retry)."""
    operation_perform(operation_id=operation_id, work=_work)
