"""The lifecycle rules of a tenant's subaccount, written once: which change is allowed from which status,
what status it leads to, and the words for it. Services, the admin's buttons and the worker all use these."""

from __future__ import annotations

from .kinds import Kind
from .models import Tenant

Status = Tenant.Status

TARGET_STATUS = {
    Kind.SUBACCOUNT_SUSPEND: Status.SUSPENDED,
    Kind.SUBACCOUNT_REACTIVATE: Status.ACTIVE,
    Kind.SUBACCOUNT_CLOSE: Status.CLOSED,
}
ALLOWED_FROM = {
    Kind.SUBACCOUNT_SUSPEND: frozenset({Status.ACTIVE}),
    Kind.SUBACCOUNT_REACTIVATE: frozenset({Status.SUSPENDED}),
    Kind.SUBACCOUNT_CLOSE: frozenset({Status.ACTIVE, Status.SUSPENDED}),
}
VERB = {Kind.SUBACCOUNT_SUSPEND: "suspend", Kind.SUBACCOUNT_REACTIVATE: "reactivate", Kind.SUBACCOUNT_CLOSE: "close"}
PAST = {Kind.SUBACCOUNT_SUSPEND: "suspended", Kind.SUBACCOUNT_REACTIVATE: "reactivated",
        Kind.SUBACCOUNT_CLOSE: "closed"}
PERMISSION = {Kind.SUBACCOUNT_SUSPEND: "tenants.suspend_tenant", Kind.SUBACCOUNT_REACTIVATE: "tenants.reactivate_tenant",
              Kind.SUBACCOUNT_CLOSE: "tenants.close_tenant"}


def status_change_allowed(status: str, kind: str) -> bool:
    return status in ALLOWED_FROM[kind]


def refusal(tenant: Tenant, kind: str, *, pending: bool) -> str | None:
    """Why this change cannot be asked for now, as a sentence; None when it can."""
    verb, past = VERB[kind], PAST[kind]
    if tenant.status == Status.CLOSED:
        return f"{tenant.name} is closed. Closing a Twilio subaccount is final, so it cannot be {past}."
    if tenant.status in (Status.PROVISIONING, Status.FAILED) or not tenant.subaccount_sid:
        return (f"{tenant.name} has no working subaccount yet (status: {tenant.get_status_display()}); "
                f"it cannot be {past}.")
    if pending:
        return f"{tenant.name} already has an operation in progress; wait for it to finish."
    if not status_change_allowed(tenant.status, kind):
        return f"{tenant.name} is already {tenant.get_status_display().lower()}; there is nothing to {verb}."
    return None


def duplicate_name(existing: Tenant) -> str:
    """Why a second live tenant may not take this customer name."""
    return (f"{existing.name} (external reference {existing.external_ref}) already has this customer name and "
            f"is {existing.get_status_display().lower()}; use that tenant, or close it first.")
