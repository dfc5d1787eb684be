"""Requests for lifecycle changes: guard first, then write Operations that the worker performs."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.services import batch_create, operation_enqueue, operations_enqueue_batch

from .. import rules, selectors
from ..kinds import STATUS_KINDS, Kind
from ..models import SECRET_FIELDS, Tenant

Status = Tenant.Status


@transaction.atomic
def tenant_create(*, name: str, external_ref: str, requested_by, account_manager=None) -> Tenant:
    """Create a tenant and enqueue provisioning of its subaccount."""
    name, external_ref = name.strip(), external_ref.strip()
    if not name or not external_ref:
        raise DomainError("A tenant needs a customer name and an external reference.")
    if Tenant.objects.filter(external_ref=external_ref).exists():
        raise DomainError(f"A tenant with external reference {external_ref!r} already exists.")
    _refuse_duplicate_name(name)
    _refuse_non_manager(account_manager)
    tenant = Tenant.objects.create(name=name, external_ref=external_ref, account_manager=account_manager)
    tenant.friendly_name = tenant.twilio_friendly_name()
    tenant.save(update_fields=["friendly_name"])
    tenant.provisioning_operation = operation_enqueue(
        kind=Kind.SUBACCOUNT_CREATE, tenant=tenant, requested_by=requested_by,
        params={"friendly_name": tenant.friendly_name})
    return tenant


def _refuse_duplicate_name(name: str, *, exclude_pk: int | None = None) -> None:
    existing = selectors.tenant_live_with_name(name=name, exclude_pk=exclude_pk)
    if existing is not None:
        raise DomainError(rules.duplicate_name(existing))


def _refuse_non_manager(account_manager) -> None:
    if account_manager is not None and not selectors.account_managers().filter(pk=account_manager.pk).exists():
        raise DomainError(f"{account_manager} is not an active member of the Account managers group.")


def tenants_assign_account_manager(*, tenants, account_manager) -> int:
    """Make one person the account manager of the selected tenants (no Twilio call)."""
    _refuse_non_manager(account_manager)
    return Tenant.objects.filter(pk__in=tenants.values("pk")).update(account_manager=account_manager)


@transaction.atomic
def tenant_retry_provisioning(*, tenant: Tenant, requested_by) -> Operation:
    """Provision a failed tenant again (e.g. after Twilio's subaccount limit was raised).

    The new attempt looks for a subaccount an earlier attempt may have made before creating one."""
    tenant = Tenant.objects.select_for_update().defer(*SECRET_FIELDS).get(pk=tenant.pk)
    if tenant.status != Status.FAILED:
        raise DomainError(f"{tenant.name} is {tenant.get_status_display().lower()}; only a tenant whose "
                          "provisioning failed can be provisioned again.")
    _refuse_duplicate_name(tenant.name, exclude_pk=tenant.pk)
    tenant.status = Status.PROVISIONING
    tenant.save(update_fields=["status", "updated_at"])
    return operation_enqueue(kind=Kind.SUBACCOUNT_CREATE, tenant=tenant, requested_by=requested_by,
                             params={"friendly_name": tenant.friendly_name, "reconcile": True})


def _annotated(tenants):
    pending = Q(operations__state__in=Operation.OPEN_STATES)
    return tenants.annotate(pending_ops=Count("operations", filter=pending, distinct=True))


def _params(kind: str, reason: str, note: str, move_numbers_first: bool) -> dict:
    if kind == Kind.SUBACCOUNT_CLOSE:
        # Twilio releases a closed subaccount's numbers; by default they are moved to the parent first.
        return {"move_numbers_first": move_numbers_first}
    if kind != Kind.SUBACCOUNT_SUSPEND:
        return {}
    if reason not in Tenant.SuspensionReason.values:
        raise DomainError("Choose a suspension reason: non-payment, compliance, customer request, fraud or other.")
    return {"reason": reason, "note": note.strip()}


@transaction.atomic
def tenant_request_status_change(*, tenant: Tenant, kind: str, requested_by, reason: str = "",
                                 note: str = "", move_numbers_first: bool = True) -> Operation:
    """Suspend, reactivate or close one tenant; refused with a DomainError before any Twilio call."""
    params = _params(kind, reason, note, move_numbers_first)
    tenant = Tenant.objects.select_for_update().defer(*SECRET_FIELDS).get(pk=tenant.pk)  # serialises double clicks
    row = _annotated(Tenant.objects.filter(pk=tenant.pk)).values("pending_ops").get()
    refusal = rules.refusal(tenant, kind, pending=row["pending_ops"] > 0)
    if refusal:
        raise DomainError(refusal)
    return operation_enqueue(kind=kind, tenant=tenant, target_sid=tenant.subaccount_sid,
                             params=params, requested_by=requested_by)


def _split(tenants, kind: str) -> tuple[list[Tenant], list[str]]:
    allowed, refused = [], []
    for tenant in tenants:
        refusal = rules.refusal(tenant, kind, pending=tenant.pending_ops > 0)
        (refused.append(refusal) if refusal else allowed.append(tenant))
    return allowed, refused


@transaction.atomic
def tenants_bulk_status_change(*, tenants, kind: str, requested_by, reason: str = "", note: str = "",
                               move_numbers_first: bool = True) -> Batch:
    """One Batch, one Operation per allowed tenant; refused tenants are counted and named on the batch.

    Costs a constant number of statements whatever the size: lock-and-read, which of them are busy, one
    INSERT. (Measured at 5,000: passing the locked ids back as a list cost more than the read itself.)"""
    params = _params(kind, reason, note, move_numbers_first)
    selection = tenants.values("pk")
    locked = list(Tenant.objects.select_for_update().filter(pk__in=selection)
                  .only("name", "status", "subaccount_sid").order_by("pk"))
    busy = set(Operation.objects.filter(tenant__in=selection, state__in=Operation.OPEN_STATES)
               .values_list("tenant_id", flat=True))
    for tenant in locked:
        tenant.pending_ops = int(tenant.pk in busy)
    allowed, refused = _split(locked, kind)
    noun = "tenant" if len(allowed) == 1 else "tenants"
    batch = batch_create(kind=kind, description=f"{rules.VERB[kind].capitalize()} {len(allowed)} {noun}",
                         requested_by=requested_by, total=len(allowed), refused=refused, params=params)
    operations_enqueue_batch(batch=batch, operations=[
        Operation(kind=kind, tenant_id=t.pk, target_sid=t.subaccount_sid, params=params, requested_by=requested_by)
        for t in allowed
    ])
    return batch


@transaction.atomic
def batch_retry_status_change(*, batch: Batch, requested_by) -> Batch:
    """Retry hook for status-change batches: a new batch for every failed tenant that is still allowed."""
    failed = Tenant.objects.filter(operations__batch=batch, operations__state=Operation.State.FAILED).distinct()
    if batch.kind not in STATUS_KINDS:
        raise DomainError("This batch's items cannot be retried from here.")
    params = batch.params or {}
    return tenants_bulk_status_change(tenants=Tenant.objects.filter(pk__in=failed.values("pk")), kind=batch.kind,
                                      requested_by=requested_by, reason=params.get("reason", ""),
                                      note=params.get("note", ""),
                                      move_numbers_first=params.get("move_numbers_first", True))


def tenants_check_status_change(*, tenants, kind: str) -> tuple[list[Tenant], list[str]]:
    """Split a selection into tenants that may change and sentences saying why the others may not."""
    return _split(_annotated(tenants.defer(*SECRET_FIELDS).order_by("name")), kind)
