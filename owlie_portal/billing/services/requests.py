""""Sync usage now" as an Operation: who asked, when, for which tenants, and what came of it."""

from __future__ import annotations

from django.db import transaction

from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import (
    operation_heartbeat,
    operation_perform,
    operation_request_once,
    operation_succeed,
)
from owlie_portal.twilio_gateway.errors import TwilioPermanentError, TwilioTransientError

from ..kinds import Kind
from .sync import usage_sync


def usage_sync_request(*, requested_by, tenant=None, backfill: bool = False) -> tuple[Operation, bool]:
    """Ask for a usage sync of one tenant (or all); an open request for the same scope is joined."""
    params = {"tenant_ids": [tenant.pk] if tenant is not None else None, "backfill": backfill}
    return operation_request_once(kind=Kind.USAGE_SYNC, tenant=tenant, requested_by=requested_by, params=params,
                                  target_sid=tenant.subaccount_sid if tenant is not None else "")


def _work(operation: Operation) -> None:
    # Reads only, and a rerun rewrites no unchanged month: a later attempt has nothing to reconcile first.
    report = usage_sync(tenant_ids=operation.params.get("tenant_ids"), backfill=operation.params.get("backfill", False),
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
