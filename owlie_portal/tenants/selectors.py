"""Reads for the admin: annotated lists (no N+1) and the tenant page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Trim

from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation

from .kinds import Kind
from .models import SECRET_FIELDS, Tenant, TenantDrift

ACCOUNT_MANAGERS_GROUP = "Account managers"


def _count_of(model, fk: str):
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def tenants_for_changelist(queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
    """Tenants with number and service counts, open drift, and their latest Operation — constant queries."""
    latest = Operation.objects.filter(tenant=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.select_related("account_manager").defer(*SECRET_FIELDS).annotate(
        number_count=_count_of(PhoneNumber, "tenant"),
        service_count=_count_of(MessagingService, "tenant"),
        has_open_drift=Exists(TenantDrift.objects.filter(tenant=OuterRef("pk"), resolved_at__isnull=True)),
        last_op_kind=Subquery(latest.values("kind")[:1]),
        last_op_state=Subquery(latest.values("state")[:1]),
        last_op_id=Subquery(latest.values("id")[:1]),
    )


def tenant_recent_operations(*, tenant: Tenant, limit: int = 10) -> list[Operation]:
    return list(Operation.objects.filter(tenant=tenant, parent__isnull=True)
                .select_related("requested_by", "batch")[:limit])


def tenant_has_open_operations(*, tenant: Tenant) -> bool:
    return Operation.objects.filter(tenant=tenant, state__in=Operation.OPEN_STATES).exists()


def tenant_open_drifts(*, tenant: Tenant) -> list[TenantDrift]:
    return list(TenantDrift.objects.filter(tenant=tenant, resolved_at__isnull=True))


def account_managers() -> QuerySet:
    """Users who may be made a tenant's account manager: active members of the Account managers group."""
    return (get_user_model().objects.filter(groups__name=ACCOUNT_MANAGERS_GROUP, is_active=True)
            .distinct().order_by("username"))


def tenant_live_with_name(*, name: str, exclude_pk: int | None = None) -> Tenant | None:
    """The not-closed, not-failed tenant whose name matches `name` ignoring case and surrounding spaces."""
    live = Tenant.objects.exclude(status__in=[Tenant.Status.CLOSED, Tenant.Status.FAILED]).exclude(pk=exclude_pk)
    return (live.defer(*SECRET_FIELDS).annotate(normalised=Lower(Trim("name")))
            .filter(normalised=name.strip().lower()).order_by("pk").first())


def tenant_numbers(*, tenant: Tenant, limit: int = 200) -> list[PhoneNumber]:
    return list(PhoneNumber.objects.filter(tenant=tenant).order_by("phone_number")[:limit])


def tenant_services(*, tenant: Tenant) -> list[MessagingService]:
    return list(MessagingService.objects.filter(tenant=tenant).order_by("friendly_name"))


def tenant_status_history(*, tenant: Tenant, limit: int = 20) -> list[Operation]:
    """The tenant's lifecycle requests (create, suspend, reactivate, close), newest first, with who and why."""
    lifecycle = [Kind.SUBACCOUNT_CREATE, Kind.SUBACCOUNT_SUSPEND, Kind.SUBACCOUNT_REACTIVATE, Kind.SUBACCOUNT_CLOSE]
    history = list(Operation.objects.filter(tenant=tenant, kind__in=lifecycle).select_related("requested_by")[:limit])
    reasons = dict(Tenant.SuspensionReason.choices)
    for operation in history:
        operation.reason_label = reasons.get(operation.params.get("reason", ""), "")
    return history
